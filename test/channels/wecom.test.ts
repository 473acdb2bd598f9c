/**
 * wecom: against a loopback group robot that checks what WeCom checks (the key, the markdown body, content within
 * 4096 bytes) and answers with WeCom's HTTP 200 errcodes; the content line by line, the 4096-byte cut, retries,
 * secrets, URL errors.
 */
import { afterEach, expect, test } from 'vitest';
import { parseChannelUrl } from '../../src/channels/registry.js';
import { WECOM_CONTENT_LIMIT } from '../../src/channels/wecom.js';
import { assertNoSecretLeak, assertRetryTable, assertVendorCodes, assertRoundTrip, loopback, sampleNotice, send, sendError, urlError, type Answer, type Loopback, type Recorded } from './support.js';

const KEY = '693a91f6-7b2c-4bc4-97a0-0ec2a1fa5aaa';

const CONTENT = [
  '**[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)**',
  '<font color="warning">OFFLINE</font> web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
  '<font color="warning">OFFLINE</font> web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
  '<font color="info">BACK</font> db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
  '',
  '2 hosts offline, 1 back online.',
].join('\n');

let lb: Loopback | undefined;
afterEach(async () => {
  await lb?.close();
  lb = undefined;
});

const refuse = (errcode: number, errmsg: string): Answer => ({ status: 200, body: { errcode, errmsg } });

/** What qyapi.weixin.qq.com/cgi-bin/webhook/send checks, with its answers. */
function wecomRobot(r: Recorded): Answer {
  if (r.method !== 'POST' || r.path !== '/cgi-bin/webhook/send') return { status: 404, body: 'not found' };
  if (r.query.get('key') !== KEY) {
    return refuse(93000, 'invalid webhook url, hint: [1795000000_7_a1b2c3], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=93000');
  }
  if (r.json === undefined) return refuse(40035, 'invalid json');
  if (r.json.msgtype !== 'markdown') return refuse(40008, 'invalid message type');
  const content = r.json.markdown?.content;
  if (typeof content !== 'string' || content === '') return refuse(44004, 'empty content');
  if (Buffer.byteLength(content, 'utf8') > 4096) return refuse(40058, 'markdown.content exceed max length 4096');
  return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
}

async function robot(): Promise<Loopback> {
  lb = await loopback(wecomRobot);
  return lb;
}

test('posts the markdown content with the key, the title bold and each state coloured', async () => {
  const l = await robot();
  await send(`wecom+${l.base}/cgi-bin/webhook/send?key=${KEY}`);
  expect(l.requests).toHaveLength(1);
  const r = l.requests[0]!;
  expect(r.method).toBe('POST');
  expect(r.path).toBe('/cgi-bin/webhook/send');
  expect(r.query.toString()).toBe(`key=${KEY}`);
  expect(r.headers['content-type']).toBe('application/json');
  expect(r.json).toEqual({ msgtype: 'markdown', markdown: { content: CONTENT } });
});

test('host names cannot inject markdown or font tags', async () => {
  const l = await robot();
  const notice = sampleNotice();
  notice.recoveries[0]!.name = 'db_<font color="info">ok</font>';
  await send(`wecom+${l.base}/cgi-bin/webhook/send?key=${KEY}`, notice);
  const lines = (l.requests[0]!.json.markdown.content as string).split('\n');
  expect(lines[3]).toMatch(/^<font color="info">BACK<\/font> db\\_\\<font color="info"\\>ok\\<\/font\\>: back online after /);
});

test('5000 offline hosts: the content stays within 4096 bytes and ends its lines with the exact count left out', async () => {
  const l = await robot();
  await send(`wecom+${l.base}/cgi-bin/webhook/send?key=${KEY}`, sampleNotice({ offline: 5000 }));
  const content = l.requests[0]!.json.markdown.content as string;
  const bytes = Buffer.byteLength(content, 'utf8');
  expect(bytes).toBeLessThanOrEqual(WECOM_CONTENT_LIMIT);
  expect(bytes).toBeGreaterThan(WECOM_CONTENT_LIMIT - 120);
  const lines = content.split('\n');
  const hosts = lines.filter((s) => s.startsWith('<font color="warning">OFFLINE</font> '));
  expect(hosts[0]).toMatch(/^<font color="warning">OFFLINE<\/font> web-1: offline 84 h 21 min, /);
  expect(lines[0]).toBe('**[hostwatch] 5000 hosts offline at 2026-11-23 05:00 +01:00 (Europe/Berlin)**');
  expect(lines.slice(-3)).toEqual([`... and ${5000 - hosts.length} more`, '', '5000 hosts offline, 0 back online.']);
  expect(lines).toHaveLength(1 + hosts.length + 3);
});

test('an unknown key (93000) is permanent and the message names the code, not the key', async () => {
  const l = await robot();
  const other = '00000000-0000-4000-8000-000000000000';
  const err = await sendError(`wecom+${l.base}/cgi-bin/webhook/send?key=${other}`);
  expect(err.retry).toBe(false);
  expect(err.message).toContain(`wecom 127.0.0.1:${new URL(l.base).port} refused the message: errcode 93000 invalid webhook url`);
  expect(err.message).toContain("copy the robot's Webhook address again");
  expect(err.message).not.toContain(other);
});

test('api freq out of limit (45009) is retried after a minute; -1 (busy) is retried', async () => {
  const l = await robot();
  const url = `wecom+${l.base}/cgi-bin/webhook/send?key=${KEY}`;
  l.answer = () => refuse(45009, 'api freq out of limit, hint: [1795000000_7_d4e5f6]');
  const err = await sendError(url);
  expect({ retry: err.retry, retryAfterMs: err.retryAfterMs }).toEqual({ retry: true, retryAfterMs: 60_000 });
  expect(err.message).toContain('errcode 45009 api freq out of limit');
  l.answer = () => refuse(-1, 'system busy');
  const busy = await sendError(url);
  expect({ retry: busy.retry, retryAfterMs: busy.retryAfterMs }).toEqual({ retry: true, retryAfterMs: undefined });
});

test('every other non-zero errcode is permanent, and so is an answer without one', async () => {
  const l = await robot();
  const url = `wecom+${l.base}/cgi-bin/webhook/send?key=${KEY}`;
  await assertVendorCodes(l, url, (code) => refuse(code, 'refused'), [
    [40008, false, 'errcode 40008 refused'],
    [40058, false, 'errcode 40058 refused'],
    [44004, false, 'errcode 44004 refused'],
    [93004, false, 'errcode 93004 refused'],
    [123456, false, 'errcode 123456 refused'],
  ]);
  l.answer = () => ({ status: 200, body: {} });
  const noCode = await sendError(url);
  expect(noCode.retry).toBe(false);
  expect(noCode.message).toContain('answered without an errcode');
});

test('HTTP statuses follow the shared retry table', async () => {
  const l = await robot();
  await assertRetryTable(l, `wecom+${l.base}/cgi-bin/webhook/send?key=${KEY}`, { status: 200, body: { errcode: 0, errmsg: 'ok' } });
});

test('the key leaks into no error and not into the redacted URL', async () => {
  const l = await robot();
  await assertNoSecretLeak(l, `wecom+${l.base}/cgi-bin/webhook/send?key=${KEY}`, [KEY]);
});

test('URLs round-trip to the long form; the short form wecom://KEY means qyapi.weixin.qq.com', () => {
  const long = `wecom+https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`;
  assertRoundTrip(long);
  assertRoundTrip(`wecom+http://127.0.0.1:8080/cgi-bin/webhook/send?key=${KEY}&debug=1`);
  const c = parseChannelUrl(long);
  expect(c.config).toEqual({ endpoint: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`, key: KEY });
  expect(c.kind.render(c.config)).toBe(long);
  expect(c.kind.destinations(c.config)).toEqual(['']);
  expect(c.kind.secrets(c.config)).toEqual([KEY]);
  const short = parseChannelUrl(`wecom://${KEY}`);
  expect(short.kind.render(short.config)).toBe(long);
});

test('URL errors name the part and never quote the key', () => {
  const base = 'wecom+https://qyapi.weixin.qq.com/cgi-bin/webhook/send';
  const cases: [string, string][] = [
    [base, 'query.key'],
    [`${base}?key=`, 'query.key'],
    [`${base}?key=${KEY}&key=${KEY}`, 'query.key'],
    [`${base}?key=${KEY}%20`, 'query.key'],
    [`wecom+https://${KEY}@qyapi.weixin.qq.com/cgi-bin/webhook/send`, 'userinfo'],
    [`wecom+https:///cgi-bin/webhook/send?key=${KEY}`, 'host'],
    [`${base}?key=${KEY}#x`, 'fragment'],
    ['wecom://', 'query.key'],
    [`wecom://${KEY}/more`, 'url'],
  ];
  for (const [url, part] of cases) {
    const err = urlError(url);
    expect({ url, part: err.part }).toEqual({ url, part });
    expect(err.message).not.toContain(KEY);
  }
});
