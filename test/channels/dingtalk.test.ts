/**
 * dingtalk: against a loopback robot that checks what DingTalk checks (the access_token, the markdown body, and for a
 * signing robot the timestamp within an hour and the sign recomputed from timestamp and secret) and answers with
 * DingTalk's HTTP 200 errcodes; the markdown sent line by line, the 20000-byte cut, retries, secrets, URL errors.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, expect, test } from 'vitest';
import { DINGTALK_TEXT_LIMIT } from '../../src/channels/dingtalk.js';
import { parseChannelUrl } from '../../src/channels/registry.js';
import { assertNoSecretLeak, assertRetryTable, assertVendorCodes, assertRoundTrip, loopback, sampleNotice, send, sendError, urlError, type Answer, type Loopback, type Recorded } from './support.js';

/** A robot with the "Sign" (加签) security setting. */
const TOKEN = '3f9c1e7a5b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e';
const SECRET = 'SEC8b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3';
/** A robot with the "custom keywords" setting only: every message must contain "hostwatch". */
const KEYWORD_TOKEN = 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1';

const TITLE = '[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)';
const TEXT = [
  `#### ${TITLE}`,
  '',
  '- **OFFLINE** web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
  '- **OFFLINE** web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
  '- **BACK** db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
  '',
  '2 hosts offline, 1 back online.',
].join('\n');

let lb: Loopback | undefined;
/** The robot's clock, to test the timestamp window. */
let vendorNow = () => Date.now();
afterEach(async () => {
  await lb?.close();
  lb = undefined;
  vendorNow = () => Date.now();
});

const refuse = (errcode: number, errmsg: string): Answer => ({ status: 200, body: { errcode, errmsg } });

/** What oapi.dingtalk.com/robot/send checks, in its order, with its answers. */
function dingtalkRobot(r: Recorded): Answer {
  if (r.method !== 'POST' || r.path !== '/robot/send') return { status: 404, body: { errcode: 404, errmsg: '请求的URI地址不存在' } };
  const token = r.query.get('access_token');
  if (token !== TOKEN && token !== KEYWORD_TOKEN) return refuse(300001, 'token is not exist');
  const md = r.json?.markdown;
  if (!String(r.headers['content-type']).startsWith('application/json') || r.json?.msgtype !== 'markdown' || typeof md?.title !== 'string' || typeof md?.text !== 'string') {
    return refuse(40035, '缺少参数 json');
  }
  if (token === TOKEN) {
    const timestamp = r.query.get('timestamp') ?? '';
    const sign = r.query.get('sign') ?? '';
    if (!/^\d+$/.test(timestamp) || Math.abs(vendorNow() - Number(timestamp)) > 3600_000) return refuse(310000, 'invalid timestamp');
    const expected = createHmac('sha256', SECRET).update(`${timestamp}\n${SECRET}`).digest();
    const got = Buffer.from(sign, 'base64');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) return refuse(310000, 'sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]');
  } else if (!`${md.title}${md.text}`.includes('hostwatch')) {
    return refuse(310000, '关键词不匹配 (keywords not in content)');
  }
  return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
}

async function robot(): Promise<Loopback> {
  lb = await loopback(dingtalkRobot);
  return lb;
}

test('posts the markdown to the signing robot, signed with a fresh timestamp, the secret kept out of the request', async () => {
  const l = await robot();
  const before = Date.now();
  await send(`dingtalk+${l.base}/robot/send?access_token=${TOKEN}&secret=${SECRET}`);
  expect(l.requests).toHaveLength(1);
  const r = l.requests[0]!;
  expect(r.method).toBe('POST');
  expect(r.path).toBe('/robot/send');
  expect([...r.query.keys()]).toEqual(['access_token', 'timestamp', 'sign']);
  expect(r.query.get('access_token')).toBe(TOKEN);
  const timestamp = Number(r.query.get('timestamp'));
  expect(timestamp).toBeGreaterThanOrEqual(before);
  expect(timestamp).toBeLessThanOrEqual(Date.now());
  expect(r.headers['content-type']).toBe('application/json');
  expect(`${r.path}?${r.query} ${r.body}`).not.toContain(SECRET);
  expect(r.json).toEqual({ msgtype: 'markdown', markdown: { title: TITLE, text: TEXT }, msgUuid: 'hostwatch-check.run-1.d1' });
});

test('a robot without a secret gets no timestamp or sign; other query parameters pass through', async () => {
  const l = await robot();
  await send(`dingtalk+${l.base}/robot/send?access_token=${KEYWORD_TOKEN}&via=proxy`);
  const r = l.requests[0]!;
  expect(r.query.toString()).toBe(`access_token=${KEYWORD_TOKEN}&via=proxy`);
  expect(r.json.markdown).toEqual({ title: TITLE, text: TEXT });
});

test('a retried delivery carries the same msgUuid, so DingTalk posts it once', async () => {
  const l = await robot();
  const notice = sampleNotice({ id: 'hostwatch-check.run-7.d2' });
  await send(`dingtalk+${l.base}/robot/send?access_token=${KEYWORD_TOKEN}`, notice);
  await send(`dingtalk+${l.base}/robot/send?access_token=${KEYWORD_TOKEN}`, notice);
  expect(l.requests.map((r) => r.json.msgUuid)).toEqual(['hostwatch-check.run-7.d2', 'hostwatch-check.run-7.d2']);
});

test('the test notice says so in its title and text', async () => {
  const l = await robot();
  const notice = sampleNotice({ test: true });
  await send(`dingtalk+${l.base}/robot/send?access_token=${TOKEN}&secret=${SECRET}`, notice);
  const title = '[hostwatch] test notice at 2026-11-23 05:00 +01:00 (Europe/Berlin)';
  expect(l.requests[0]!.json.markdown).toEqual({
    title,
    text: `#### ${title}\n\nThis is a test notice from hostwatch: this destination is set up correctly.`,
  });
});

test('host names cannot inject markdown', async () => {
  const l = await robot();
  const notice = sampleNotice();
  notice.offline[0]!.name = 'db_*primary*[1](x)<b>`~|';
  await send(`dingtalk+${l.base}/robot/send?access_token=${KEYWORD_TOKEN}`, notice);
  const lines = (l.requests[0]!.json.markdown.text as string).split('\n');
  expect(lines[2]).toBe('- **OFFLINE** db\\_\\*primary\\*\\[1\\](x)\\<b\\>\\`\\~\\|: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00');
});

test('5000 offline hosts: the text stays within 20000 bytes and ends its list with the exact count left out', async () => {
  const l = await robot();
  await send(`dingtalk+${l.base}/robot/send?access_token=${TOKEN}&secret=${SECRET}`, sampleNotice({ offline: 5000 }));
  const text = l.requests[0]!.json.markdown.text as string;
  const bytes = Buffer.byteLength(text, 'utf8');
  expect(bytes).toBeLessThanOrEqual(DINGTALK_TEXT_LIMIT);
  expect(bytes).toBeGreaterThan(DINGTALK_TEXT_LIMIT - 100);
  const lines = text.split('\n');
  const hosts = lines.filter((s) => s.startsWith('- **OFFLINE** '));
  expect(hosts[0]).toMatch(/^- \*\*OFFLINE\*\* web-1: offline 84 h 21 min, /);
  expect(hosts.at(-1)).toMatch(new RegExp(`^- \\*\\*OFFLINE\\*\\* web-${hosts.length}: `));
  expect(lines.slice(-3)).toEqual([`- ... and ${5000 - hosts.length} more`, '', '5000 hosts offline, 0 back online.']);
  expect(lines).toHaveLength(2 + hosts.length + 3);
});

test('a wrong access_token (300001) is permanent and the message names the code, not the token', async () => {
  const l = await robot();
  const other = 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff';
  const err = await sendError(`dingtalk+${l.base}/robot/send?access_token=${other}`);
  expect(err.retry).toBe(false);
  expect(err.message).toContain(`dingtalk 127.0.0.1:${new URL(l.base).port} refused the message: errcode 300001 token is not exist`);
  expect(err.message).not.toContain(other);
});

test('a wrong secret fails the signature check (310000): permanent, naming the security settings', async () => {
  const l = await robot();
  const wrong = 'SEC0000000000000000000000000000000000000000000000000000000000000000';
  const err = await sendError(`dingtalk+${l.base}/robot/send?access_token=${TOKEN}&secret=${wrong}`);
  expect(err.retry).toBe(false);
  expect(err.retryAfterMs).toBeUndefined();
  expect(err.message).toContain('errcode 310000 sign not match');
  expect(err.message).toContain('query.secret');
  expect(err.message).not.toContain(wrong);
  expect(err.message).not.toContain(TOKEN);
});

test('leaving out the secret of a signing robot is refused the same way', async () => {
  const l = await robot();
  const err = await sendError(`dingtalk+${l.base}/robot/send?access_token=${TOKEN}`);
  expect(err.retry).toBe(false);
  expect(err.message).toContain('errcode 310000 invalid timestamp');
});

test('a timestamp more than an hour off the robot clock is refused (310000)', async () => {
  const l = await robot();
  vendorNow = () => Date.now() + 3600_000 + 60_000;
  const err = await sendError(`dingtalk+${l.base}/robot/send?access_token=${TOKEN}&secret=${SECRET}`);
  expect(err.retry).toBe(false);
  expect(err.message).toContain('errcode 310000 invalid timestamp');
  vendorNow = () => Date.now() - 3600_000 + 60_000;
  await send(`dingtalk+${l.base}/robot/send?access_token=${TOKEN}&secret=${SECRET}`);
});

test('sending too fast (130101, 410100) is retried after the 10 minutes DingTalk holds the robot; -1 (busy) is retried', async () => {
  const l = await robot();
  const url = `dingtalk+${l.base}/robot/send?access_token=${TOKEN}&secret=${SECRET}`;
  for (const code of [130101, 410100]) {
    l.answer = () => refuse(code, 'send too fast, exceed 20 times per minute');
    const err = await sendError(url);
    expect({ code, retry: err.retry, retryAfterMs: err.retryAfterMs }).toEqual({ code, retry: true, retryAfterMs: 600_000 });
    expect(err.message).toContain(`errcode ${code} send too fast`);
  }
  l.answer = () => refuse(-1, '系统繁忙');
  const busy = await sendError(url);
  expect(busy.retry).toBe(true);
  expect(busy.retryAfterMs).toBeUndefined();
});

test('every other non-zero errcode is permanent, and so is an answer without one', async () => {
  const l = await robot();
  const url = `dingtalk+${l.base}/robot/send?access_token=${TOKEN}&secret=${SECRET}`;
  await assertVendorCodes(l, url, (code) => refuse(code, 'refused'), [
    [400102, false, 'refused the message: errcode 400102 refused (the robot is disabled)'],
    [400013, false, 'refused the message: errcode 400013 refused (the group was dissolved)'],
    [430101, false, 'refused the message: errcode 430101 refused (DingTalk refused the content as unsafe)'],
    [123456, false, 'refused the message: errcode 123456 refused'],
  ]);
  l.answer = () => ({ status: 200, body: { ok: true } });
  const noCode = await sendError(url);
  expect(noCode.retry).toBe(false);
  expect(noCode.message).toContain('answered without an errcode');
  l.answer = () => ({ status: 200, body: '<html>proxy</html>' });
  expect((await sendError(url)).retry).toBe(false);
});

test('HTTP statuses follow the shared retry table', async () => {
  const l = await robot();
  await assertRetryTable(l, `dingtalk+${l.base}/robot/send?access_token=${TOKEN}&secret=${SECRET}`, { status: 200, body: { errcode: 0, errmsg: 'ok' } });
});

test('neither the access_token nor the secret leaks into an error or the redacted URL', async () => {
  const l = await robot();
  await assertNoSecretLeak(l, `dingtalk+${l.base}/robot/send?access_token=${TOKEN}&secret=${SECRET}`, [TOKEN, SECRET]);
});

test('URLs round-trip to the long form; the short form dingtalk://TOKEN means oapi.dingtalk.com', () => {
  const long = `dingtalk+https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}&secret=${SECRET}`;
  assertRoundTrip(long);
  assertRoundTrip(`dingtalk+http://127.0.0.1:8080/robot/send?access_token=${TOKEN}&via=a%20b`);
  const c = parseChannelUrl(long);
  expect(c.kind.kind).toBe('dingtalk');
  expect(c.config).toEqual({ endpoint: `https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}`, accessToken: TOKEN, secret: SECRET });
  expect(c.kind.render(c.config)).toBe(long);
  expect(c.kind.destinations(c.config)).toEqual(['']);
  expect(c.kind.secrets(c.config)).toEqual([TOKEN, SECRET]);
  const short = parseChannelUrl(`dingtalk://${TOKEN}?secret=${SECRET}`);
  expect(short.kind.render(short.config)).toBe(long);
  assertRoundTrip(`dingtalk://${KEYWORD_TOKEN}`);
  expect(parseChannelUrl(`DingTalk+HTTPS://OAPI.DingTalk.com/robot/send?access_token=${TOKEN}`).config).toEqual(parseChannelUrl(`dingtalk+https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}`).config);
});

test('URL errors name the part and never quote a secret', () => {
  const base = 'dingtalk+https://oapi.dingtalk.com/robot/send';
  const cases: [string, string][] = [
    [`${base}?secret=${SECRET}`, 'query.access_token'],
    [`${base}?access_token=`, 'query.access_token'],
    [`${base}?access_token=${TOKEN}&access_token=${TOKEN}`, 'query.access_token'],
    [`${base}?access_token=${TOKEN}%20x`, 'query.access_token'],
    [`${base}?access_token=${TOKEN}&secret=`, 'query.secret'],
    [`${base}?access_token=${TOKEN}&secret=${SECRET}&secret=${SECRET}`, 'query.secret'],
    [`${base}?access_token=${TOKEN}&secret=${SECRET}%0A`, 'query.secret'],
    [`${base}?access_token=${TOKEN}&secret=${SECRET}&sign=abc`, 'query.sign'],
    [`${base}?access_token=${TOKEN}&timestamp=1`, 'query.timestamp'],
    [`dingtalk+https://robot:${SECRET}@oapi.dingtalk.com/robot/send?access_token=${TOKEN}`, 'userinfo'],
    [`dingtalk+https:///robot/send?access_token=${TOKEN}`, 'host'],
    [`${base}?access_token=${TOKEN}#${SECRET}`, 'fragment'],
    [`dingtalk://?secret=${SECRET}`, 'query.access_token'],
    [`dingtalk://${TOKEN}/robot/send`, 'url'],
  ];
  for (const [url, part] of cases) {
    const err = urlError(url);
    expect({ url, part: err.part }).toEqual({ url, part });
    expect(err.message).not.toContain(TOKEN);
    expect(err.message).not.toContain(SECRET);
  }
});
