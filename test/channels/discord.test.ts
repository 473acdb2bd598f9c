/**
 * discord: the webhook execution as Discord documents it (POST JSON to /api/webhooks/{id}/{token}, `wait=true`,
 * one embed within Discord's limits, no mentions), Discord's refusals (401 Invalid Webhook Token, 404 Unknown
 * Webhook) and its 429 with `retry_after` in seconds, the cut, retries, secrets and URL errors.
 */
import { afterEach, expect, test } from 'vitest';
import { DISCORD_BLUE, DISCORD_GREEN, DISCORD_RED } from '../../src/channels/discord.js';
import { parseChannelUrl, redactedUrl } from '../../src/channels/registry.js';
import type { Notice } from '../../src/channels/types.js';
import { assertNoSecretLeak, assertRetryTable, assertRoundTrip, loopback, sampleNotice, send, sendError, urlError, type Answer, type Loopback, type Recorded } from './support.js';

const ID = '1187654321098765432';
const TOKEN = 'kV3xQ9mZ-2pL_7tRw5YbN8cJ4fH6dS1aG0eU3iO9uT2yR5wE8qA7zX';
const PATH = `/api/webhooks/${ID}/${TOKEN}`;

let lb: Loopback | undefined;
afterEach(async () => {
  await lb?.close();
  lb = undefined;
});

/**
 * Discord's webhook endpoint: unknown id 404 (10015), wrong token 401 (50027), a body over Discord's limits 400
 * (50035); with `wait=true` 200 and the message, without it 204.
 */
function discordLike(r: Recorded): Answer {
  const m = /^\/api\/webhooks\/([^/]+)\/([^/]+)$/.exec(r.path);
  if (r.method !== 'POST' || !m) return { status: 405, body: { message: '405: Method Not Allowed', code: 0 } };
  if (m[1] !== ID) return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
  if (m[2] !== TOKEN) return { status: 401, body: { message: 'Invalid Webhook Token', code: 50027 } };
  const j = r.json;
  const invalid = { status: 400, body: { code: 50035, message: 'Invalid Form Body', errors: {} } };
  if (r.headers['content-type'] !== 'application/json' || !j) return invalid;
  if (typeof j.content !== 'string' || j.content.length > 2000) return invalid;
  if (!Array.isArray(j.embeds) || j.embeds.length > 10) return invalid;
  let total = 0;
  for (const e of j.embeds) {
    if ((e.title ?? '').length > 256 || (e.description ?? '').length > 4096 || (e.footer?.text ?? '').length > 2048) return invalid;
    total += (e.title ?? '').length + (e.description ?? '').length + (e.footer?.text ?? '').length;
  }
  if (total > 6000) return invalid;
  return r.query.get('wait') === 'true' ? { status: 200, body: { id: '1', type: 0, content: j.content, channel_id: '2', webhook_id: ID } } : { status: 204 };
}

test('posts one embed and the title as content, waiting for Discord to save it', async () => {
  lb = await loopback(discordLike);
  await send(`discord+${lb.base}${PATH}`);
  expect(lb.requests).toHaveLength(1);
  const rec = lb.requests[0]!;
  expect(rec.method).toBe('POST');
  expect(rec.path).toBe(PATH);
  expect(rec.query.toString()).toBe('wait=true');
  expect(rec.headers['content-type']).toBe('application/json');
  expect(rec.json).toEqual({
    content: '[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)',
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: '[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)',
        description: [
          '**OFFLINE** web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
          '**OFFLINE** web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
          '**BACK** db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
        ].join('\n'),
        color: DISCORD_RED,
        footer: { text: '2 hosts offline, 1 back online.' },
        timestamp: '2026-11-23T04:00:00.000Z',
      },
    ],
  });
});

test('the query of the webhook URL is passed on; an explicit wait is kept (204 accepted)', async () => {
  lb = await loopback(discordLike);
  await send(`discord+${lb.base}${PATH}?thread_id=998877&wait=false`);
  expect(lb.requests[0]!.query.toString()).toBe('thread_id=998877&wait=false');
});

test('green when there are only recoveries, blue for a test notice', async () => {
  lb = await loopback(discordLike);
  const back: Notice = { ...sampleNotice(), offline: [], offlineTotal: 0 };
  await send(`discord+${lb.base}${PATH}`, back);
  expect(lb.requests[0]!.json.embeds[0].color).toBe(DISCORD_GREEN);
  expect(lb.requests[0]!.json.content).toBe('[hostwatch] 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)');
  const t = sampleNotice({ test: true });
  await send(`discord+${lb.base}${PATH}`, t);
  const e = lb.requests[1]!.json.embeds[0];
  expect(e.color).toBe(DISCORD_BLUE);
  expect(e.description).toBeUndefined();
  expect(e.footer.text).toBe('This is a test notice from hostwatch: this destination is set up correctly.');
});

test('markdown and mentions in host names are escaped', async () => {
  lb = await loopback(discordLike);
  const n = sampleNotice();
  n.offline[0]!.name = 'a<b&c';
  n.offline[1]!.name = '@everyone_*x*';
  await send(`discord+${lb.base}${PATH}`, n);
  const lines = lb.requests[0]!.json.embeds[0].description.split('\n');
  expect(lines[0]).toBe('**OFFLINE** a\\<b&c: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00');
  expect(lines[1]).toBe('**OFFLINE** @everyone\\_\\*x\\*: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00');
  expect(lb.requests[0]!.json.allowed_mentions).toEqual({ parse: [] });
});

test('5000 offline hosts: within 4096 of description and 6000 in all, with the exact rest', async () => {
  lb = await loopback(discordLike);
  await send(`discord+${lb.base}${PATH}`, sampleNotice({ offline: 5000 }));
  expect(lb.requests.at(-1)!.query.get('wait')).toBe('true');
  const e = lb.requests[0]!.json.embeds[0];
  expect(e.description.length).toBeLessThanOrEqual(4096);
  expect(e.title.length + e.description.length + e.footer.text.length).toBeLessThanOrEqual(6000);
  const lines: string[] = e.description.split('\n');
  const shown = lines.filter((l) => l.startsWith('**OFFLINE** ')).length;
  expect(shown).toBeGreaterThan(10);
  expect(lines).toHaveLength(shown + 1);
  expect(lines.at(-1)).toBe(`... and ${5000 - shown} more`);
  expect(e.footer.text).toBe('5000 hosts offline, 0 back online.');
});

test("Discord's 429 body retry_after (seconds, with fraction) wins over Retry-After", async () => {
  lb = await loopback(() => ({ status: 429, headers: { 'retry-after': '2' }, body: { message: 'You are being rate limited.', retry_after: 1.234, global: false } }));
  const err = await sendError(`discord+${lb.base}${PATH}`);
  expect(err.retry).toBe(true);
  expect(err.retryAfterMs).toBe(1234);
  expect(err.message).toContain('HTTP 429');
});

test('Invalid Webhook Token and Unknown Webhook are permanent', async () => {
  lb = await loopback(discordLike);
  const bad = await sendError(`discord+${lb.base}/api/webhooks/${ID}/Zz9-wrong_token`);
  expect(bad.retry).toBe(false);
  expect(bad.message).toMatch(/^discord 127\.0\.0\.1:\d+ answered HTTP 401: .*Invalid Webhook Token/);
  const gone = await sendError(`discord+${lb.base}/api/webhooks/42/${TOKEN}`);
  expect(gone.retry).toBe(false);
  expect(gone.message).toContain('HTTP 404');
  expect(gone.message).toContain('Unknown Webhook');
  expect(gone.message).not.toContain(TOKEN);
});

test('retry table', async () => {
  lb = await loopback();
  await assertRetryTable(lb, `discord+${lb.base}${PATH}`, { status: 204 });
});

test('no secret leaks', async () => {
  lb = await loopback();
  await assertNoSecretLeak(lb, `discord+${lb.base}${PATH}`, [TOKEN]);
  expect(redactedUrl(parseChannelUrl(`discord+https://discord.com${PATH}`))).toBe(`discord+https://discord.com/api/webhooks/${ID}/***`);
});

test('round trip to the long form, https and http', () => {
  assertRoundTrip(`discord+https://discord.com${PATH}`);
  assertRoundTrip(`discord+https://discord.com/api/v10/webhooks/${ID}/${TOKEN}?thread_id=5`);
  assertRoundTrip(`discord+http://127.0.0.1:9000${PATH}`);
  const c = parseChannelUrl(`discord+https://discord.com${PATH}/`);
  expect(c.kind.kind).toBe('discord');
  expect(c.kind.destinations(c.config)).toEqual(['']);
});

test('URL errors name the part and never quote the secret', () => {
  expect(urlError('discord+https://discord.com/api/webhooks').part).toBe('path');
  expect(urlError(`discord+https://discord.com/api/webhooks/${ID}`).part).toBe('path');
  expect(urlError(`discord+https://discord.com/channels/${ID}/${TOKEN}/x`).part).toBe('path');
  const id = urlError(`discord+https://discord.com/api/webhooks/my-hook/${TOKEN}`);
  expect(id.part).toBe('path.id');
  expect(id.message).not.toContain(TOKEN);
  const token = urlError(`discord+https://discord.com/api/webhooks/${ID}/${TOKEN}.x`);
  expect(token.part).toBe('path.token');
  expect(token.message).not.toContain(TOKEN);
  const userinfo = urlError(`discord+https://u:${TOKEN}@discord.com${PATH}`);
  expect(userinfo.part).toBe('userinfo');
  expect(userinfo.message).not.toContain(TOKEN);
});
