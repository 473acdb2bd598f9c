/**
 * slack: the incoming-webhook request as Slack documents it (POST JSON with `text` and Block Kit `blocks` within
 * Slack's limits), Slack's own refusals (`invalid_token`, `channel_not_found` as text), the same URL form against
 * Mattermost (`ok` as text/plain) and Rocket.Chat (`{"success":...}`), the cut, retries, secrets and URL errors.
 */
import { afterEach, expect, test } from 'vitest';
import { parseChannelUrl, redactedUrl } from '../../src/channels/registry.js';
import { assertNoSecretLeak, assertRetryTable, assertRoundTrip, loopback, sampleNotice, send, sendError, urlError, type Answer, type Loopback, type Recorded } from './support.js';

const TOKEN = 'x9Lq2Vw7Rt4Zp8Ks1Nd3Hf6J';
const PATH = `/services/T01ABCDEF/B02GHIJKL/${TOKEN}`;

let lb: Loopback | undefined;
afterEach(async () => {
  await lb?.close();
  lb = undefined;
});

interface Block {
  type: string;
  text?: { type: string; text: string; emoji?: boolean };
  elements?: { type: string; text: string }[];
}

/**
 * Slack's incoming webhook: POST of JSON to the webhook's own path; a wrong path is `invalid_token` (403), a body
 * without text or with blocks beyond Block Kit's limits is refused (400); success is 200 with the text `ok`.
 */
function slackLike(path: string) {
  return (r: Recorded): Answer => {
    if (r.method !== 'POST') return { status: 405, body: 'invalid_method' };
    if (r.path !== path) return { status: 403, body: 'invalid_token' };
    if (r.headers['content-type'] !== 'application/json' || !r.json) return { status: 400, body: 'invalid_payload' };
    if (typeof r.json.text !== 'string' || r.json.text === '') return { status: 400, body: 'no_text' };
    const blocks = r.json.blocks as Block[];
    if (!Array.isArray(blocks) || blocks.length > 50) return { status: 400, body: 'invalid_blocks' };
    for (const b of blocks) {
      if (b.type === 'section' && (b.text!.type !== 'mrkdwn' || b.text!.text.length > 3000)) return { status: 400, body: 'invalid_blocks' };
      if (b.type === 'header' && (b.text!.type !== 'plain_text' || b.text!.text.length > 150)) return { status: 400, body: 'invalid_blocks' };
    }
    return { status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' };
  };
}

const sections = (blocks: Block[]) => blocks.filter((b) => b.type === 'section').map((b) => b.text!.text);

test('posts text and Block Kit blocks to the webhook path', async () => {
  lb = await loopback(slackLike(PATH));
  await send(`slack+${lb.base}${PATH}`);
  expect(lb.requests).toHaveLength(1);
  const rec = lb.requests[0]!;
  expect(rec.method).toBe('POST');
  expect(rec.path).toBe(PATH);
  expect(rec.headers['content-type']).toBe('application/json');
  expect(rec.headers['user-agent']).toBe('hostwatch');
  expect(Object.keys(rec.json).sort()).toEqual(['blocks', 'text']);
  expect(rec.json.text).toBe(
    [
      '[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)',
      '',
      'OFFLINE  web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
      'OFFLINE  web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
      'BACK     db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
      '',
      '2 hosts offline, 1 back online.',
    ].join('\n'),
  );
  expect(rec.json.blocks).toEqual([
    { type: 'header', text: { type: 'plain_text', text: '[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)', emoji: false } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: [
          '*OFFLINE* web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
          '*OFFLINE* web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
          '*BACK* db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
        ].join('\n'),
      },
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: '2 hosts offline, 1 back online.' }] },
  ]);
});

test('escapes &, < and > of a host name in text and blocks', async () => {
  lb = await loopback(slackLike(PATH));
  const notice = sampleNotice();
  notice.offline[0]!.name = 'a<b&c>';
  await send(`slack+${lb.base}${PATH}`, notice);
  const json = lb.requests[0]!.json;
  expect(json.text).toContain('OFFLINE  a&lt;b&amp;c&gt;: offline 63 minutes');
  expect(sections(json.blocks)[0]).toContain('*OFFLINE* a&lt;b&amp;c&gt;: offline 63 minutes');
  expect(lb.requests[0]!.body).not.toContain('a<b&c>');
});

test('a test notice: header and context, no host lines', async () => {
  lb = await loopback(slackLike(PATH));
  const notice = sampleNotice({ test: true });
  await send(`slack+${lb.base}${PATH}`, notice);
  const json = lb.requests[0]!.json;
  expect(json.blocks).toEqual([
    { type: 'header', text: { type: 'plain_text', text: '[hostwatch] test notice at 2026-11-23 05:00 +01:00 (Europe/Berlin)', emoji: false } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: 'This is a test notice from hostwatch: this destination is set up correctly.' }] },
  ]);
  expect(json.text).toBe('[hostwatch] test notice at 2026-11-23 05:00 +01:00 (Europe/Berlin)\nThis is a test notice from hostwatch: this destination is set up correctly.');
});

test('lines the run did not hand over are counted in "... and N more"', async () => {
  lb = await loopback(slackLike(PATH));
  await send(`slack+${lb.base}${PATH}`, { ...sampleNotice(), offlineTotal: 10 });
  const json = lb.requests[0]!.json;
  expect(sections(json.blocks)[0]!.split('\n').at(-1)).toBe('... and 8 more');
  expect(json.text.split('\n').slice(-3)).toEqual(['... and 8 more', '', '10 hosts offline, 1 back online.']);
});

test('5000 offline hosts: within 4000 characters of text, 50 blocks, 3000 per section, with the exact rest', async () => {
  lb = await loopback(slackLike(PATH));
  await send(`slack+${lb.base}${PATH}`, sampleNotice({ offline: 5000 }));
  const json = lb.requests[0]!.json;
  expect(json.text.length).toBeLessThanOrEqual(4000);
  expect(json.blocks.length).toBeLessThanOrEqual(50);
  const texts = sections(json.blocks);
  for (const t of texts) expect(t.length).toBeLessThanOrEqual(3000);
  // Slack refuses a message whose blocks hold more than about 12000 characters in all (msg_blocks_too_long).
  expect(texts.join('').length).toBeLessThan(12000);
  const mdLines = texts.join('\n').split('\n');
  const shown = mdLines.filter((l) => l.startsWith('*OFFLINE* ')).length;
  expect(shown).toBeGreaterThan(10);
  expect(mdLines.at(-1)).toBe(`... and ${5000 - shown} more`);
  // Most severe first: web-1 has been offline longest.
  expect(mdLines[0]).toMatch(/^\*OFFLINE\* web-1: offline 84 h 21 min/);
  const textLines = json.text.split('\n');
  expect(textLines.filter((l: string) => l.startsWith('OFFLINE  ')).length).toBe(shown);
  expect(textLines.slice(-3)).toEqual([`... and ${5000 - shown} more`, '', '5000 hosts offline, 0 back online.']);
});

test("Slack's invalid_token and channel_not_found are permanent and explained", async () => {
  lb = await loopback(slackLike('/services/T01ABCDEF/B02GHIJKL/another'));
  const err = await sendError(`slack+${lb.base}${PATH}`);
  expect(err.retry).toBe(false);
  expect(err.message).toContain('HTTP 403: invalid_token');
  expect(err.message).toContain('revoked');
  expect(err.message).toMatch(/^slack 127\.0\.0\.1:\d+ answered/);
  expect(err.message).not.toContain(TOKEN);

  lb.answer = () => ({ status: 404, body: 'channel_not_found' });
  const gone = await sendError(`slack+${lb.base}${PATH}`);
  expect(gone.retry).toBe(false);
  expect(gone.message).toContain('HTTP 404: channel_not_found (the channel of the webhook no longer exists)');

  lb.answer = () => ({ status: 410, body: 'channel_is_archived' });
  expect((await sendError(`slack+${lb.base}${PATH}`)).retry).toBe(false);
});

test('Mattermost: the same URL form, accepted on 200 "ok" as text/plain', async () => {
  const key = 'xq7mz1ofjbgh3r8ukw6c9dpnye';
  lb = await loopback((r) =>
    r.path === `/hooks/${key}` && typeof r.json?.text === 'string' ? { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' } : { status: 400, body: { id: 'web.incoming_webhook.invalid.app_error', message: 'Invalid webhook', status_code: 400 } },
  );
  await send(`slack+${lb.base}/hooks/${key}`);
  expect(lb.requests[0]!.json.text).toContain('OFFLINE  web-1: offline 63 minutes');
  const channel = parseChannelUrl(`slack+${lb.base}/hooks/${key}`);
  expect(redactedUrl(channel)).not.toContain(key);
  const err = await sendError(`slack+${lb.base}/hooks/other`);
  expect(err.retry).toBe(false);
  expect(err.message).toContain('HTTP 400');
});

test('Rocket.Chat: accepted on {"success":true}, refused on {"success":false}', async () => {
  const id = 'Zk3pQ8rW2mTy5vBnX';
  const token = 'Jd8sK2lQ9wE4rT7yU1iO3pA6sD5fG0hJ8kL2zX4cV7bN';
  lb = await loopback(() => ({ status: 200, body: { success: true } }));
  await send(`slack+${lb.base}/hooks/${id}/${token}`);
  expect(lb.requests[0]!.path).toBe(`/hooks/${id}/${token}`);
  lb.answer = () => ({ status: 200, body: { success: false, error: 'Invalid integration id or token provided.' } });
  const err = await sendError(`slack+${lb.base}/hooks/${id}/${token}`);
  expect(err.retry).toBe(false);
  expect(err.message).toContain('refusing the message: Invalid integration id or token provided.');
  expect(redactedUrl(parseChannelUrl(`slack+${lb.base}/hooks/${id}/${token}`))).toBe(`slack+${lb.base}***`);
});

test('retry table', async () => {
  lb = await loopback();
  await assertRetryTable(lb, `slack+${lb.base}${PATH}`, { status: 200, body: 'ok' });
});

test('no secret leaks', async () => {
  lb = await loopback();
  await assertNoSecretLeak(lb, `slack+${lb.base}${PATH}`, [TOKEN, PATH]);
  expect(redactedUrl(parseChannelUrl(`slack+https://hooks.slack.com${PATH}`))).toBe('slack+https://hooks.slack.com***');
});

test('round trip to the long form, https and http', () => {
  assertRoundTrip(`slack+https://hooks.slack.com${PATH}`);
  assertRoundTrip(`slack+http://127.0.0.1:8065/hooks/abc123def456`);
  assertRoundTrip(`slack+https://chat.example.org/hooks/abc/def?x=1`);
  const c = parseChannelUrl(`slack+https://HOOKS.slack.com${PATH}`);
  expect(c.kind.kind).toBe('slack');
  expect(c.kind.render(c.config)).toBe(`slack+https://hooks.slack.com${PATH}`);
  expect(c.kind.destinations(c.config)).toEqual(['']);
});

test('URL errors name the part and never quote the secret', () => {
  const noPath = urlError('slack+https://hooks.slack.com');
  expect(noPath.part).toBe('path');
  const slash = urlError('slack+https://hooks.slack.com/');
  expect(slash.part).toBe('path');
  const userinfo = urlError(`slack+https://me:${TOKEN}@hooks.slack.com${PATH}`);
  expect(userinfo.part).toBe('userinfo');
  expect(userinfo.message).not.toContain(TOKEN);
  expect(userinfo.message).not.toContain('me:');
  expect(urlError(`slack+https://hooks.slack.com${PATH}#top`).part).toBe('fragment');
  expect(urlError(`slack+https:///services/T01ABCDEF/B02GHIJKL/${TOKEN}`).part).toBe('host');
  const scheme = urlError(`slack+ftp://hooks.slack.com${PATH}`);
  expect(scheme.part).toBe('scheme');
  expect(scheme.message).not.toContain(TOKEN);
});
