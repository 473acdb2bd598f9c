/**
 * feishu and lark: against a loopback custom bot that checks what Feishu checks (the token in the path, the post
 * body, 20 KB at most, and for a signing bot the timestamp within an hour and the sign recomputed from timestamp and
 * secret) and answers with Feishu's codes; the post sent paragraph by paragraph, the cut, retries, secrets, URL errors.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, expect, test } from 'vitest';
import { FEISHU_BODY_LIMIT } from '../../src/channels/feishu.js';
import { parseChannelUrl } from '../../src/channels/registry.js';
import { assertNoSecretLeak, assertRetryTable, assertVendorCodes, assertRoundTrip, loopback, sampleNotice, send, sendError, urlError, type Answer, type Loopback, type Recorded } from './support.js';

/** A bot with "signature verification" (签名校验) on. */
const TOKEN = '0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e';
const SECRET = 'mQ3xV8pL2nR7tK5wY9zA1b';
/** A bot without it. */
const PLAIN_TOKEN = 'f1e2d3c4-b5a6-4978-8a6b-5c4d3e2f1a0b';

const TITLE = '[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)';
const PARAGRAPHS = [
  'OFFLINE  web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
  'OFFLINE  web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
  'BACK     db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
  '2 hosts offline, 1 back online.',
].map((text) => [{ tag: 'text', text }]);

let lb: Loopback | undefined;
/** The bot's clock (seconds), to test the timestamp window. */
let vendorNow = () => Math.floor(Date.now() / 1000);
afterEach(async () => {
  await lb?.close();
  lb = undefined;
  vendorNow = () => Math.floor(Date.now() / 1000);
});

const refuse = (code: number, msg: string): Answer => ({ status: 200, body: { code, msg, data: {} } });
const ACCEPTED: Answer = { status: 200, body: { StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' } };

/** What /open-apis/bot/v2/hook/<token> checks, with Feishu's answers; `language` is the post's language key. */
function customBot(language: string) {
  return (r: Recorded): Answer => {
    const m = /^\/open-apis\/bot\/v2\/hook\/([^/]+)$/.exec(r.path);
    if (r.method !== 'POST' || !m) return { status: 404, body: '404 page not found' };
    if (m[1] !== TOKEN && m[1] !== PLAIN_TOKEN) return refuse(19001, 'param invalid: incoming webhook access token invalid');
    if (Buffer.byteLength(r.body, 'utf8') > 20_000) return { status: 400, body: { code: 9499, msg: 'Bad Request', data: {} } };
    const post = r.json?.content?.post?.[language];
    const wellFormed =
      r.json?.msg_type === 'post' &&
      typeof post?.title === 'string' &&
      Array.isArray(post.content) &&
      post.content.every((p: unknown) => Array.isArray(p) && p.every((e: { tag?: unknown; text?: unknown }) => e.tag === 'text' && typeof e.text === 'string'));
    if (!wellFormed) return { status: 400, body: { code: 9499, msg: 'Bad Request', data: {} } };
    if (m[1] === TOKEN) {
      const { timestamp, sign } = r.json as { timestamp?: unknown; sign?: unknown };
      if (typeof timestamp !== 'string' || !/^\d+$/.test(timestamp) || typeof sign !== 'string' || Math.abs(vendorNow() - Number(timestamp)) > 3600) {
        return refuse(19021, 'sign match fail or timestamp is not within one hour from current time');
      }
      const expected = createHmac('sha256', `${timestamp}\n${SECRET}`).update('').digest();
      const got = Buffer.from(sign, 'base64');
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) return refuse(19021, 'sign match fail or timestamp is not within one hour from current time');
    }
    return ACCEPTED;
  };
}

async function bot(language = 'zh_cn'): Promise<Loopback> {
  lb = await loopback(customBot(language));
  return lb;
}

test('feishu: posts the rich-text message to the token, signed with a fresh timestamp, the secret kept out', async () => {
  const l = await bot();
  const before = Math.floor(Date.now() / 1000);
  await send(`feishu+${l.base}/open-apis/bot/v2/hook/${TOKEN}?secret=${SECRET}`);
  expect(l.requests).toHaveLength(1);
  const r = l.requests[0]!;
  expect(r.method).toBe('POST');
  expect(r.path).toBe(`/open-apis/bot/v2/hook/${TOKEN}`);
  expect(r.query.toString()).toBe('');
  expect(r.headers['content-type']).toBe('application/json');
  expect(r.body).not.toContain(SECRET);
  const { timestamp, sign, ...rest } = r.json;
  expect(Number(timestamp)).toBeGreaterThanOrEqual(before);
  expect(Number(timestamp)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  expect(typeof sign).toBe('string');
  expect(rest).toEqual({ msg_type: 'post', content: { post: { zh_cn: { title: TITLE, content: PARAGRAPHS } } } });
});

test('lark: the same protocol, the post in en_us, and no timestamp or sign without a secret', async () => {
  const l = await bot('en_us');
  await send(`lark+${l.base}/open-apis/bot/v2/hook/${PLAIN_TOKEN}`);
  expect(l.requests[0]!.json).toEqual({ msg_type: 'post', content: { post: { en_us: { title: TITLE, content: PARAGRAPHS } } } });
});

test('the older answer with only StatusCode: 0 is accepted too', async () => {
  const l = await bot();
  l.answer = () => ({ status: 200, body: { Extra: null, StatusCode: 0, StatusMessage: 'success' } });
  await send(`feishu+${l.base}/open-apis/bot/v2/hook/${PLAIN_TOKEN}`);
  l.answer = () => ({ status: 200, body: { StatusCode: 19024, StatusMessage: 'Key Words Not Found' } });
  const err = await sendError(`feishu+${l.base}/open-apis/bot/v2/hook/${PLAIN_TOKEN}`);
  expect(err.retry).toBe(false);
  expect(err.message).toContain('code 19024 Key Words Not Found (the message does not contain a custom keyword of the bot)');
});

test('host names are plain text in a post: nothing to escape, nothing interpreted', async () => {
  const l = await bot();
  const notice = sampleNotice();
  notice.offline[0]!.name = '**db** <at id=all></at> [x](y)';
  await send(`feishu+${l.base}/open-apis/bot/v2/hook/${PLAIN_TOKEN}`, notice);
  expect(l.requests[0]!.json.content.post.zh_cn.content[0]).toEqual([
    { tag: 'text', text: 'OFFLINE  **db** <at id=all></at> [x](y): offline 63 minutes, last report 2026-11-23 03:57:00 +01:00' },
  ]);
});

test('5000 offline hosts: the body stays within 20 KB and its last host paragraph is followed by the exact count left out', async () => {
  const l = await bot();
  await send(`feishu+${l.base}/open-apis/bot/v2/hook/${TOKEN}?secret=${SECRET}`, sampleNotice({ offline: 5000 }));
  const r = l.requests[0]!;
  const bytes = Buffer.byteLength(r.body, 'utf8');
  expect(bytes).toBeLessThanOrEqual(FEISHU_BODY_LIMIT);
  expect(bytes).toBeGreaterThan(FEISHU_BODY_LIMIT - 250);
  const texts = (r.json.content.post.zh_cn.content as { text: string }[][]).map((p) => p[0]!.text);
  const hosts = texts.filter((t) => t.startsWith('OFFLINE  '));
  expect(hosts[0]).toMatch(/^OFFLINE {2}web-1: offline 84 h 21 min, /);
  expect(texts.slice(-2)).toEqual([`... and ${5000 - hosts.length} more`, '5000 hosts offline, 0 back online.']);
  expect(texts).toHaveLength(hosts.length + 2);
});

test('an unknown token (19001) is permanent and the message names the code, not the token', async () => {
  const l = await bot();
  const other = '99999999-9999-4999-8999-999999999999';
  const err = await sendError(`feishu+${l.base}/open-apis/bot/v2/hook/${other}`);
  expect(err.retry).toBe(false);
  expect(err.message).toContain(`feishu 127.0.0.1:${new URL(l.base).port} refused the message: code 19001 param invalid`);
  expect(err.message).not.toContain(other);
});

test('a wrong or missing secret fails the signature check (19021): permanent', async () => {
  const l = await bot();
  const wrong = 'wrong-secret-0000';
  for (const url of [`feishu+${l.base}/open-apis/bot/v2/hook/${TOKEN}?secret=${wrong}`, `feishu+${l.base}/open-apis/bot/v2/hook/${TOKEN}`]) {
    const err = await sendError(url);
    expect(err.retry).toBe(false);
    expect(err.message).toContain('code 19021 sign match fail');
    expect(err.message).toContain('query.secret');
    expect(err.message).not.toContain(wrong);
  }
});

test('a timestamp more than an hour off the bot clock is refused (19021)', async () => {
  const l = await bot();
  const url = `feishu+${l.base}/open-apis/bot/v2/hook/${TOKEN}?secret=${SECRET}`;
  vendorNow = () => Math.floor(Date.now() / 1000) + 3660;
  expect((await sendError(url)).message).toContain('code 19021');
  vendorNow = () => Math.floor(Date.now() / 1000) - 3540;
  await send(url);
});

test('frequency limited (11232) is retried; the other codes are permanent, and so is an answer without a code', async () => {
  const l = await bot();
  const url = `feishu+${l.base}/open-apis/bot/v2/hook/${TOKEN}?secret=${SECRET}`;
  l.answer = () => refuse(11232, 'frequency limited psm[lark.oapi.app_platform_runtime]appID[1]');
  const limited = await sendError(url);
  expect(limited.retry).toBe(true);
  expect(limited.message).toContain('refused the message for now: code 11232 frequency limited');
  await assertVendorCodes(l, url, (code) => refuse(code, 'refused'), [
    [19022, false, "refused the message: code 19022 refused (this IP is not in the bot's allowed IP list)"],
    [19024, false, 'refused the message: code 19024 refused (the message does not contain a custom keyword of the bot)'],
    [19007, false, 'refused the message: code 19007 refused (the bot is not enabled)'],
    [9499, false, 'refused the message: code 9499 refused (Feishu found the request malformed)'],
    [230001, false, 'refused the message: code 230001 refused'],
  ]);
  l.answer = () => ({ status: 200, body: { ok: 1 } });
  const noCode = await sendError(url);
  expect(noCode.retry).toBe(false);
  expect(noCode.message).toContain('answered without a code');
});

test('HTTP statuses follow the shared retry table, feishu and lark', async () => {
  const l = await bot();
  await assertRetryTable(l, `feishu+${l.base}/open-apis/bot/v2/hook/${TOKEN}?secret=${SECRET}`, ACCEPTED);
  await assertRetryTable(l, `lark+${l.base}/open-apis/bot/v2/hook/${TOKEN}?secret=${SECRET}`, ACCEPTED);
});

test('neither the token nor the secret leaks into an error or the redacted URL', async () => {
  const l = await bot();
  await assertNoSecretLeak(l, `feishu+${l.base}/open-apis/bot/v2/hook/${TOKEN}?secret=${SECRET}`, [TOKEN, SECRET]);
  await assertNoSecretLeak(l, `lark+${l.base}/open-apis/bot/v2/hook/${TOKEN}?secret=${SECRET}`, [TOKEN, SECRET]);
});

test('URLs round-trip to the long form; the short forms mean open.feishu.cn and open.larksuite.com', () => {
  const long = `feishu+https://open.feishu.cn/open-apis/bot/v2/hook/${TOKEN}?secret=${SECRET}`;
  assertRoundTrip(long);
  assertRoundTrip(`lark+https://open.larksuite.com/open-apis/bot/v2/hook/${PLAIN_TOKEN}`);
  assertRoundTrip(`feishu+http://127.0.0.1:8080/proxy/open-apis/bot/v2/hook/${TOKEN}?secret=${SECRET}&x=1`);
  const c = parseChannelUrl(long);
  expect(c.kind.kind).toBe('feishu');
  expect(c.config).toEqual({ endpoint: `https://open.feishu.cn/open-apis/bot/v2/hook/${TOKEN}`, token: TOKEN, secret: SECRET });
  expect(c.kind.render(c.config)).toBe(long);
  expect(c.kind.destinations(c.config)).toEqual(['']);
  expect(c.kind.secrets(c.config)).toEqual([TOKEN, SECRET]);
  const short = parseChannelUrl(`feishu://${TOKEN}?secret=${SECRET}`);
  expect(short.kind.render(short.config)).toBe(long);
  const lark = parseChannelUrl(`lark://${PLAIN_TOKEN}`);
  expect(lark.kind.kind).toBe('lark');
  expect(lark.kind.render(lark.config)).toBe(`lark+https://open.larksuite.com/open-apis/bot/v2/hook/${PLAIN_TOKEN}`);
});

test('URL errors name the part and never quote a secret', () => {
  const base = 'feishu+https://open.feishu.cn/open-apis/bot/v2/hook';
  const cases: [string, string][] = [
    [`${base}/`, 'path'],
    ['feishu+https://open.feishu.cn/open-apis/bot/v2/webhook', 'path'],
    [`${base}/${TOKEN}%20x?secret=${SECRET}`, 'path.token'],
    [`${base}/${TOKEN}?secret=`, 'query.secret'],
    [`${base}/${TOKEN}?secret=${SECRET}&secret=${SECRET}`, 'query.secret'],
    [`${base}/${TOKEN}?secret=${SECRET}%09`, 'query.secret'],
    [`feishu+https://bot:${SECRET}@open.feishu.cn/open-apis/bot/v2/hook/${TOKEN}`, 'userinfo'],
    [`feishu+https:///open-apis/bot/v2/hook/${TOKEN}`, 'host'],
    [`${base}/${TOKEN}#${SECRET}`, 'fragment'],
    [`lark://?secret=${SECRET}`, 'path.token'],
    [`lark://${TOKEN}/x`, 'url'],
  ];
  for (const [url, part] of cases) {
    const err = urlError(url);
    expect({ url, part: err.part }).toEqual({ url, part });
    expect(err.message).not.toContain(TOKEN);
    expect(err.message).not.toContain(SECRET);
  }
});
