/**
 * pushplus: against a loopback pushplus that checks what www.pushplus.plus/send checks (a JSON body with the token,
 * content and a known template) and answers with its codes; the body field by field, markdown and txt, the cut,
 * retries, secrets, URL errors.
 */
import { afterEach, expect, test } from 'vitest';
import { PUSHPLUS_CONTENT_LIMIT } from '../../src/channels/pushplus.js';
import { parseChannelUrl } from '../../src/channels/registry.js';
import { assertNoSecretLeak, assertRetryTable, assertVendorCodes, assertRoundTrip, loopback, sampleNotice, send, sendError, urlError, type Answer, type Loopback, type Recorded } from './support.js';

const TOKEN = 'be8652e98bd04139a13e1bffcd6d0f71';

const TITLE = '[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)';
const MARKDOWN = [
  '- **OFFLINE** web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
  '- **OFFLINE** web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
  '- **BACK** db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
  '',
  '2 hosts offline, 1 back online.',
].join('\n');
const TXT = [
  'OFFLINE  web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
  'OFFLINE  web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
  'BACK     db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
  '',
  '2 hosts offline, 1 back online.',
].join('\n');

let lb: Loopback | undefined;
afterEach(async () => {
  await lb?.close();
  lb = undefined;
});

const refuse = (code: number, msg: string): Answer => ({ status: 200, body: { code, msg, data: null } });
const ACCEPTED: Answer = { status: 200, body: { code: 200, msg: '请求成功', data: '075074e3c17e449e9a0cb79cc6f3fc83' } };

/** What POST /send checks, with pushplus' answers. */
function pushplusApi(r: Recorded): Answer {
  if (r.method !== 'POST' || r.path !== '/send') return { status: 404, body: 'Not Found' };
  if (!String(r.headers['content-type']).startsWith('application/json') || r.json === undefined) return refuse(999, '请求参数格式错误');
  const { token, content, template } = r.json as Record<string, unknown>;
  if (token !== TOKEN) return refuse(903, '无效的用户token');
  if (typeof content !== 'string' || content === '') return refuse(999, '消息内容不能为空');
  if (!['html', 'txt', 'json', 'markdown', 'cloudMonitor', 'jenkins', 'route', 'pay'].includes(String(template))) return refuse(999, '模板不存在');
  return ACCEPTED;
}

async function api(): Promise<Loopback> {
  lb = await loopback(pushplusApi);
  return lb;
}

test('posts JSON to /send with the token in the body, markdown by default', async () => {
  const l = await api();
  await send(`pushplus+${l.base}/send?token=${TOKEN}`);
  expect(l.requests).toHaveLength(1);
  const r = l.requests[0]!;
  expect(r.method).toBe('POST');
  expect(r.path).toBe('/send');
  expect(r.query.toString()).toBe('');
  expect(r.headers['content-type']).toBe('application/json');
  expect(r.json).toEqual({ token: TOKEN, title: TITLE, content: MARKDOWN, template: 'markdown' });
});

test('topic, channel, webhook and to go into the body; template=txt sends plain text', async () => {
  const l = await api();
  await send(`pushplus+${l.base}/send?token=${TOKEN}&topic=ops&channel=webhook&webhook=dingding1&to=f1a2b3&template=txt`);
  expect(l.requests[0]!.json).toEqual({ token: TOKEN, title: TITLE, content: TXT, template: 'txt', topic: 'ops', channel: 'webhook', webhook: 'dingding1', to: 'f1a2b3' });
});

test('the token may be the last path segment, /send/TOKEN, as pushplus allows; it is still sent in the body', async () => {
  const l = await api();
  await send(`pushplus+${l.base}/send/${TOKEN}?topic=ops`);
  const r = l.requests[0]!;
  expect(r.path).toBe('/send');
  expect(r.json).toEqual({ token: TOKEN, title: TITLE, content: MARKDOWN, template: 'markdown', topic: 'ops' });
});

test('host names cannot inject markdown', async () => {
  const l = await api();
  const notice = sampleNotice();
  notice.recoveries[0]!.name = 'db_1 <script>';
  await send(`pushplus+${l.base}/send?token=${TOKEN}`, notice);
  const lines = (l.requests[0]!.json.content as string).split('\n');
  expect(lines[2]).toMatch(/^- \*\*BACK\*\* db\\_1 \\<script\\>: back online after 2 h 59 min, /);
});

test('5000 offline hosts: content stays within 20000 bytes and ends its list with the exact count left out', async () => {
  const l = await api();
  await send(`pushplus+${l.base}/send?token=${TOKEN}`, sampleNotice({ offline: 5000 }));
  const content = l.requests[0]!.json.content as string;
  const bytes = Buffer.byteLength(content, 'utf8');
  expect(bytes).toBeLessThanOrEqual(PUSHPLUS_CONTENT_LIMIT);
  expect(bytes).toBeGreaterThan(PUSHPLUS_CONTENT_LIMIT - 100);
  const lines = content.split('\n');
  const hosts = lines.filter((s) => s.startsWith('- **OFFLINE** '));
  expect(hosts[0]).toMatch(/^- \*\*OFFLINE\*\* web-1: offline 84 h 21 min, /);
  expect(lines.slice(-3)).toEqual([`- ... and ${5000 - hosts.length} more`, '', '5000 hosts offline, 0 back online.']);
  expect(lines).toHaveLength(hosts.length + 3);
});

test('an invalid token (903) is permanent and the message names the code, not the token', async () => {
  const l = await api();
  const other = '00000000000000000000000000000000';
  const err = await sendError(`pushplus+${l.base}/send?token=${other}`);
  expect(err.retry).toBe(false);
  expect(err.message).toContain(`pushplus 127.0.0.1:${new URL(l.base).port} refused the message: code 903 无效的用户token (the token is not valid`);
  expect(err.message).not.toContain(other);
});

test('500 is retried; 900 (account restricted for sending too much) is not, as pushplus asks; other codes are permanent', async () => {
  const l = await api();
  const url = `pushplus+${l.base}/send?token=${TOKEN}`;
  l.answer = () => refuse(500, '系统异常，请稍后再试');
  const busy = await sendError(url);
  expect(busy.retry).toBe(true);
  expect(busy.message).toContain('refused the message for now: code 500');
  await assertVendorCodes(l, url, (code) => refuse(code, 'refused'), [
    [900, false, 'refused the message: code 900 refused (', 'the account is restricted for sending too much'],
    [905, false, 'refused the message: code 905 refused (', 'real-name verification'],
    [888, false, 'refused the message: code 888 refused (', 'no points'],
    [999, false, 'refused the message: code 999 refused (', 'refused the request as invalid'],
    [600, false, 'refused the message: code 600 refused', ''],
  ]);
  l.answer = () => ({ status: 200, body: { msg: 'ok' } });
  const noCode = await sendError(url);
  expect(noCode.retry).toBe(false);
  expect(noCode.message).toContain('answered without a code');
});

test('HTTP statuses follow the shared retry table', async () => {
  const l = await api();
  await assertRetryTable(l, `pushplus+${l.base}/send?token=${TOKEN}`, ACCEPTED);
});

test('the token leaks into no error and not into the redacted URL', async () => {
  const l = await api();
  await assertNoSecretLeak(l, `pushplus+${l.base}/send?token=${TOKEN}&topic=ops`, [TOKEN]);
});

test('URLs round-trip to the long form; /send/TOKEN and pushplus://TOKEN render as ?token=', () => {
  const long = `pushplus+https://www.pushplus.plus/send?token=${TOKEN}&topic=ops&channel=wechat`;
  assertRoundTrip(long);
  assertRoundTrip(`pushplus+https://www.pushplus.plus/send?token=${TOKEN}&template=txt&webhook=w1&to=a%2Cb`);
  const c = parseChannelUrl(long);
  expect(c.config).toEqual({ endpoint: 'https://www.pushplus.plus/send', token: TOKEN, template: 'markdown', topic: 'ops', channel: 'wechat' });
  expect(c.kind.render(c.config)).toBe(long);
  expect(c.kind.destinations(c.config)).toEqual(['']);
  expect(c.kind.secrets(c.config)).toEqual([TOKEN]);
  const pathForm = parseChannelUrl(`pushplus+https://www.pushplus.plus/send/${TOKEN}?topic=ops&channel=wechat`);
  expect(pathForm.kind.render(pathForm.config)).toBe(long);
  const short = parseChannelUrl(`pushplus://${TOKEN}?topic=ops&channel=wechat`);
  expect(short.kind.render(short.config)).toBe(long);
  expect(parseChannelUrl(`pushplus+https://www.pushplus.plus/send?token=${TOKEN}&template=markdown`).kind.render(c.config)).toBe(long);
});

test('URL errors name the part and never quote the token', () => {
  const base = 'pushplus+https://www.pushplus.plus/send';
  const cases: [string, string][] = [
    [base, 'query.token'],
    [`${base}?token=`, 'query.token'],
    [`${base}?token=${TOKEN}&token=${TOKEN}`, 'query.token'],
    [`${base}/${TOKEN}?token=${TOKEN}`, 'query.token'],
    [`${base}?token=${TOKEN}%20`, 'query.token'],
    [`${base}?token=${TOKEN}&template=html`, 'query.template'],
    [`${base}?token=${TOKEN}&topic=`, 'query.topic'],
    [`${base}?token=${TOKEN}&topic=a&topic=b`, 'query.topic'],
    [`${base}?token=${TOKEN}&channel=WeChat`, 'query.channel'],
    [`${base}?token=${TOKEN}&title=x`, 'query.title'],
    [`pushplus+https://${TOKEN}@www.pushplus.plus/send`, 'userinfo'],
    [`pushplus+https:///send?token=${TOKEN}`, 'host'],
    [`${base}?token=${TOKEN}#x`, 'fragment'],
    ['pushplus://', 'query.token'],
    [`pushplus://${TOKEN}/send`, 'url'],
  ];
  for (const [url, part] of cases) {
    const err = urlError(url);
    expect({ url, part: err.part }).toEqual({ url, part });
    expect(err.message).not.toContain(TOKEN);
  }
});
