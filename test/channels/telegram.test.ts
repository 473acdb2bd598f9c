/**
 * telegram: sendMessage as the Bot API documents it (POST JSON to /bot<token>/sendMessage, `parse_mode: HTML`
 * whose entities the test server parses the way Telegram does, 4096 characters of visible text at most), the Bot
 * API's `{ok:false, error_code, description}` refusals and its 429 `parameters.retry_after`, both URL forms, the
 * cut, retries, secrets and URL errors.
 */
import { afterEach, expect, test } from 'vitest';
import { parseChannelUrl, redactedUrl } from '../../src/channels/registry.js';
import { assertNoSecretLeak, assertRetryTable, assertRoundTrip, loopback, sampleNotice, send, sendError, urlError, type Answer, type Loopback, type Recorded } from './support.js';

const TOKEN = '7012345678:AAHk9xQ2mZpL7tRw5YbN8cJ4fH6dS1aG0eU';
const CHAT = '-1001234567890';
const OK: Answer = { status: 200, body: { ok: true, result: { message_id: 1 } } };

let lb: Loopback | undefined;
afterEach(async () => {
  await lb?.close();
  lb = undefined;
});

const refuse = (status: number, description: string, parameters?: object): Answer => ({ status, body: { ok: false, error_code: status, description, ...(parameters && { parameters }) } });

/** Telegram's HTML parse mode for the tags hostwatch uses: the visible text, or undefined when it cannot be parsed. */
function visibleText(html: string): string | undefined {
  let depth = 0;
  let out = '';
  const re = /<\/?b>|&(lt|gt|amp|quot);|[<>&]|[^<>&]+/g;
  for (const m of html.matchAll(re)) {
    const t = m[0];
    if (t === '<b>') depth++;
    else if (t === '</b>') {
      if (--depth < 0) return undefined;
    } else if (t === '<' || t === '&') return undefined;
    else if (m[1]) out += { lt: '<', gt: '>', amp: '&', quot: '"' }[m[1]];
    else out += t;
  }
  return depth === 0 ? out : undefined;
}

/** The Bot API: the token in the path, JSON body, known chat, parseable HTML, at most 4096 visible characters. */
function botApi(prefix = '') {
  return (r: Recorded): Answer => {
    const m = new RegExp(`^${prefix}/bot([^/]+)/(\\w+)$`).exec(r.path);
    if (!m) return refuse(404, 'Not Found');
    if (m[1] !== TOKEN) return refuse(401, 'Unauthorized');
    if (m[2] !== 'sendMessage' || r.method !== 'POST') return refuse(404, 'Not Found');
    if (r.headers['content-type'] !== 'application/json' || !r.json) return refuse(400, 'Bad Request: message text is empty');
    if (r.json.chat_id !== CHAT) return refuse(400, 'Bad Request: chat not found');
    if (r.json.parse_mode !== 'HTML') return refuse(400, 'Bad Request: unsupported parse_mode');
    const visible = visibleText(r.json.text);
    if (visible === undefined) return refuse(400, "Bad Request: can't parse entities: Unsupported start tag");
    if (visible.length > 4096) return refuse(400, 'Bad Request: message is too long');
    return { status: 200, body: { ok: true, result: { message_id: 42, chat: { id: Number(CHAT), type: 'supergroup' }, date: 1795406400, text: visible } } };
  };
}

const url = (base: string, extra = '') => `telegram+${base}/?token=${encodeURIComponent(TOKEN)}&chat=${CHAT}${extra}`;

test('posts sendMessage with HTML text to /bot<token>/sendMessage', async () => {
  lb = await loopback(botApi());
  await send(url(lb.base));
  expect(lb.requests).toHaveLength(1);
  const rec = lb.requests[0]!;
  expect(rec.method).toBe('POST');
  expect(rec.path).toBe(`/bot${TOKEN}/sendMessage`);
  expect(rec.query.toString()).toBe('');
  expect(rec.headers['content-type']).toBe('application/json');
  expect(rec.json).toEqual({
    chat_id: CHAT,
    parse_mode: 'HTML',
    disable_web_page_preview: true,
    text: [
      '<b>[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)</b>',
      '',
      '<b>OFFLINE</b> web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
      '<b>OFFLINE</b> web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
      '<b>BACK</b> db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
      '',
      '2 hosts offline, 1 back online.',
    ].join('\n'),
  });
});

test('escapes &, < and > of a host name; Telegram shows the name as it is', async () => {
  lb = await loopback(botApi());
  const n = sampleNotice();
  n.offline[0]!.name = 'a<b&c>';
  await send(url(lb.base), n);
  const text: string = lb.requests[0]!.json.text;
  expect(text).toContain('<b>OFFLINE</b> a&lt;b&amp;c&gt;: offline 63 minutes');
  expect(visibleText(text)).toContain('OFFLINE a<b&c>: offline 63 minutes');
});

test('thread and silent become message_thread_id and disable_notification', async () => {
  lb = await loopback(botApi());
  await send(url(lb.base, '&thread=17&silent=true'));
  expect(lb.requests[0]!.json.message_thread_id).toBe(17);
  expect(lb.requests[0]!.json.disable_notification).toBe(true);
});

test("Telegram's own form, /bot<token>?chat_id=…&message_thread_id=…, reads to the same config", () => {
  const a = parseChannelUrl(`telegram+https://api.telegram.org/bot${TOKEN}?chat_id=${CHAT}&message_thread_id=17`);
  const b = parseChannelUrl(`telegram+https://api.telegram.org/?token=${TOKEN}&chat=${CHAT}&thread=17`);
  expect(a.config).toEqual(b.config);
  expect(a.config).toEqual({ api: 'https://api.telegram.org', token: TOKEN, chat: CHAT, thread: 17 });
  expect(a.kind.render(a.config)).toBe(`telegram+https://api.telegram.org/?token=7012345678%3AAAHk9xQ2mZpL7tRw5YbN8cJ4fH6dS1aG0eU&chat=${CHAT}&thread=17`);
  expect(parseChannelUrl('telegram+https://api.telegram.org/?token=1:x&chat=@alerts_channel').config).toMatchObject({ chat: '@alerts_channel' });
});

test('the API base may carry a path prefix (a local Bot API server behind a proxy)', async () => {
  lb = await loopback(botApi('/tg'));
  await send(url(`${lb.base}/tg`));
  expect(lb.requests[0]!.path).toBe(`/tg/bot${TOKEN}/sendMessage`);
});

test('a test notice: title and the test sentence', async () => {
  lb = await loopback(botApi());
  const t = sampleNotice({ test: true });
  await send(url(lb.base), t);
  expect(lb.requests[0]!.json.text).toBe('<b>[hostwatch] test notice at 2026-11-23 05:00 +01:00 (Europe/Berlin)</b>\n\nThis is a test notice from hostwatch: this destination is set up correctly.');
});

test('5000 offline hosts: within 4096 characters (visible and as sent), with the exact rest', async () => {
  lb = await loopback(botApi());
  await send(url(lb.base), sampleNotice({ offline: 5000 }));
  const text: string = lb.requests[0]!.json.text;
  expect(text.length).toBeLessThanOrEqual(4096);
  expect(visibleText(text)!.length).toBeLessThanOrEqual(4096);
  const lines = text.split('\n');
  const shown = lines.filter((l) => l.startsWith('<b>OFFLINE</b> ')).length;
  expect(shown).toBeGreaterThan(10);
  expect(lines.slice(-3)).toEqual([`... and ${5000 - shown} more`, '', '5000 hosts offline, 0 back online.']);
});

test("Telegram's refusals: 400 chat not found and 403 blocked are permanent, 429 waits retry_after", async () => {
  lb = await loopback(() => refuse(400, 'Bad Request: chat not found'));
  const notFound = await sendError(url(lb.base));
  expect(notFound.retry).toBe(false);
  expect(notFound.message).toMatch(/^telegram 127\.0\.0\.1:\d+ answered HTTP 400: .*chat not found/);
  lb.answer = () => refuse(403, 'Forbidden: bot was kicked from the supergroup chat');
  expect((await sendError(url(lb.base))).retry).toBe(false);
  lb.answer = () => refuse(429, 'Too Many Requests: retry after 5', { retry_after: 5 });
  const limited = await sendError(url(lb.base));
  expect(limited.retry).toBe(true);
  expect(limited.retryAfterMs).toBe(5000);
  lb.answer = () => refuse(400, 'Bad Request: group chat was upgraded to a supergroup chat', { migrate_to_chat_id: -1009876543210 });
  const moved = await sendError(url(lb.base));
  expect(moved.retry).toBe(false);
  expect(moved.message).toContain('set chat=-1009876543210');
});

test('a 200 without ok: true is not a delivery', async () => {
  lb = await loopback(() => ({ status: 200, body: { ok: false, description: 'proxy says no' } }));
  const err = await sendError(url(lb.base));
  expect(err.retry).toBe(false);
  expect(err.message).toContain('proxy says no');
  lb.answer = () => ({ status: 200, body: 'not json' });
  expect((await sendError(url(lb.base))).retry).toBe(false);
});

test('retry table', async () => {
  lb = await loopback();
  await assertRetryTable(lb, url(lb.base), OK);
});

test('no secret leaks', async () => {
  lb = await loopback();
  await assertNoSecretLeak(lb, url(lb.base), [TOKEN]);
  expect(redactedUrl(parseChannelUrl(`telegram+https://api.telegram.org/bot${TOKEN}?chat_id=${CHAT}`))).toBe(`telegram+https://api.telegram.org/?token=***&chat=${CHAT}`);
});

test('round trip to the long form, https and http', () => {
  assertRoundTrip(`telegram+https://api.telegram.org/?token=${TOKEN}&chat=${CHAT}`);
  assertRoundTrip(`telegram+https://api.telegram.org/bot${TOKEN}?chat_id=${CHAT}&thread_id=4&silent=yes`);
  assertRoundTrip(`telegram+http://127.0.0.1:8081/tg/?token=${TOKEN}&chat=@ops_alerts`);
  const c = parseChannelUrl(`telegram+https://api.telegram.org/?token=${TOKEN}&chat=${CHAT}&silent=false`);
  expect(c.config).toEqual({ api: 'https://api.telegram.org', token: TOKEN, chat: CHAT });
  expect(c.kind.destinations(c.config)).toEqual(['']);
});

test('URL errors name the part and never quote the secret', () => {
  const cases: [string, string][] = [
    [`telegram+https://api.telegram.org/?chat=${CHAT}`, 'query.token'],
    [`telegram+https://api.telegram.org/?token=not-a-token-${TOKEN}&chat=${CHAT}`, 'query.token'],
    [`telegram+https://api.telegram.org/bot${TOKEN}.x?chat=${CHAT}`, 'path.token'],
    [`telegram+https://api.telegram.org/bot${TOKEN}/sendMessage?chat_id=${CHAT}`, 'path'],
    [`telegram+https://api.telegram.org/bot${TOKEN}?token=${TOKEN}&chat=${CHAT}`, 'query.token'],
    [`telegram+https://api.telegram.org/?token=${TOKEN}`, 'query.chat'],
    [`telegram+https://api.telegram.org/?token=${TOKEN}&chat=ops`, 'query.chat'],
    [`telegram+https://api.telegram.org/?token=${TOKEN}&chat=${CHAT}&chat_id=${CHAT}`, 'query.chat'],
    [`telegram+https://api.telegram.org/?token=${TOKEN}&chat=${CHAT}&thread=general`, 'query.thread'],
    [`telegram+https://api.telegram.org/?token=${TOKEN}&chat=${CHAT}&silent=maybe`, 'query.silent'],
    [`telegram+https://api.telegram.org/?token=${TOKEN}&chat=${CHAT}&parse_mode=HTML`, 'query.parse_mode'],
    [`telegram+https://me:${TOKEN.replace(':', '')}@api.telegram.org/?token=${TOKEN}&chat=${CHAT}`, 'userinfo'],
  ];
  for (const [u, part] of cases) {
    const err = urlError(u);
    expect({ u, part: err.part }).toEqual({ u, part });
    expect(err.message).not.toContain(TOKEN);
    expect(err.message).not.toContain(TOKEN.split(':')[1]);
  }
});
