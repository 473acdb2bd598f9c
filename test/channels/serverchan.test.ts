/**
 * serverchan: against a loopback Server酱 that checks what sctapi.ftqq.com checks (the SendKey in the path, a form
 * with title at most 32 characters and desp at most 32 KB) and answers with its codes; Turbo and ServerChan³
 * addresses, the form field by field, the cut, retries, secrets, URL errors.
 */
import { afterEach, expect, test } from 'vitest';
import { parseChannelUrl } from '../../src/channels/registry.js';
import { SERVERCHAN_DESP_LIMIT } from '../../src/channels/serverchan.js';
import { assertNoSecretLeak, assertRetryTable, assertRoundTrip, loopback, sampleNotice, send, sendError, urlError, type Answer, type Loopback, type Recorded } from './support.js';

const SENDKEY = 'SCT246810TqZx7Lm3Np9Rs5Vw1Yb4Cd8Fg';
const SC3_KEY = 'sctp4821tK7pQ2mX9vB5nL3wR8';

const DESP = [
  '## [hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)',
  '',
  '- **OFFLINE** web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
  '- **OFFLINE** web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
  '- **BACK** db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
  '',
  '2 hosts offline, 1 back online.',
].join('\n');

let lb: Loopback | undefined;
afterEach(async () => {
  await lb?.close();
  lb = undefined;
});

const refuse = (code: number, message: string): Answer => ({ status: 200, body: { message, code, info: message.replace(/^\[\w+\]/, ''), args: [null] } });
const ACCEPTED: Answer = { status: 200, body: { code: 0, message: '', data: { pushid: '1663686', readkey: 'SCTPmUPAz9ljk3Q', error: 'SUCCESS', errno: 0 } } };

/** What Server酱 checks: the key (Turbo: /<key>.send, ServerChan³: /send/<key>.send), then title and desp. */
function serverchanApi(r: Recorded): Answer {
  const m = /^(?:\/send)?\/([^/]+)\.send$/.exec(r.path);
  if (r.method !== 'POST' || !m) return { status: 404, body: 'Not Found' };
  if (m[1] !== SENDKEY && m[1] !== SC3_KEY) return refuse(40001, '[AUTH]用户不存在或者权限不足');
  if (!String(r.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return refuse(20001, '[INPUT]title 不能为空');
  const form = new URLSearchParams(r.body);
  const title = form.get('title') ?? '';
  if (title === '') return refuse(20001, '[INPUT]title 不能为空');
  if ([...title].length > 32) return refuse(20001, '[INPUT]title 最大长度为32');
  if (Buffer.byteLength(form.get('desp') ?? '', 'utf8') > 32 * 1024) return refuse(20001, '[INPUT]desp 最大长度为32KB');
  if ([...(form.get('short') ?? '')].length > 64) return refuse(20001, '[INPUT]short 最大长度为64');
  return ACCEPTED;
}

async function api(): Promise<Loopback> {
  lb = await loopback(serverchanApi);
  return lb;
}

test('posts the form to /SENDKEY.send: the title cut to 32 characters, the whole title heading the markdown desp', async () => {
  const l = await api();
  await send(`serverchan+${l.base}/${SENDKEY}.send`);
  expect(l.requests).toHaveLength(1);
  const r = l.requests[0]!;
  expect(r.method).toBe('POST');
  expect(r.path).toBe(`/${SENDKEY}.send`);
  expect(r.query.toString()).toBe('');
  expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
  expect(Object.fromEntries(new URLSearchParams(r.body))).toEqual({
    title: '[hostwatch] 2 hosts offline, 1 …',
    desp: DESP,
    short: '2 hosts offline, 1 back online.',
  });
});

test('channel, noip, openid and tags from the URL go into the form', async () => {
  const l = await api();
  await send(`serverchan+${l.base}/${SENDKEY}.send?channel=9|66&noip=1&openid=oA1,oB2&tags=${encodeURIComponent('服务器报警|hostwatch')}`);
  const form = new URLSearchParams(l.requests[0]!.body);
  expect([...form.keys()]).toEqual(['title', 'desp', 'short', 'channel', 'noip', 'openid', 'tags']);
  expect([form.get('channel'), form.get('noip'), form.get('openid'), form.get('tags')]).toEqual(['9|66', '1', 'oA1,oB2', '服务器报警|hostwatch']);
});

test('a ServerChan³ key goes to /send/SENDKEY.send on its own host', async () => {
  const l = await api();
  await send(`serverchan+${l.base}/send/${SC3_KEY}.send`);
  expect(l.requests[0]!.path).toBe(`/send/${SC3_KEY}.send`);
  expect(new URLSearchParams(l.requests[0]!.body).get('desp')).toBe(DESP);
});

test('host names cannot inject markdown', async () => {
  const l = await api();
  const notice = sampleNotice();
  notice.offline[1]!.name = 'web_2*[a](b)';
  await send(`serverchan+${l.base}/${SENDKEY}.send`, notice);
  const lines = new URLSearchParams(l.requests[0]!.body).get('desp')!.split('\n');
  expect(lines[3]).toBe('- **OFFLINE** web\\_2\\*\\[a\\](b): offline 62 minutes, last report 2026-11-23 03:58:00 +01:00');
});

test('5000 offline hosts: desp stays within 32 KB and ends its list with the exact count left out', async () => {
  const l = await api();
  await send(`serverchan+${l.base}/${SENDKEY}.send`, sampleNotice({ offline: 5000 }));
  const desp = new URLSearchParams(l.requests[0]!.body).get('desp')!;
  const bytes = Buffer.byteLength(desp, 'utf8');
  expect(bytes).toBeLessThanOrEqual(SERVERCHAN_DESP_LIMIT);
  expect(bytes).toBeGreaterThan(SERVERCHAN_DESP_LIMIT - 100);
  const lines = desp.split('\n');
  const hosts = lines.filter((s) => s.startsWith('- **OFFLINE** '));
  expect(hosts[0]).toMatch(/^- \*\*OFFLINE\*\* web-1: offline 84 h 21 min, /);
  expect(lines[0]).toBe('## [hostwatch] 5000 hosts offline at 2026-11-23 05:00 +01:00 (Europe/Berlin)');
  expect(lines.slice(-3)).toEqual([`- ... and ${5000 - hosts.length} more`, '', '5000 hosts offline, 0 back online.']);
  expect(lines).toHaveLength(2 + hosts.length + 3);
  expect(new URLSearchParams(l.requests[0]!.body).get('title')).toBe('[hostwatch] 5000 hosts offline …');
});

test('a wrong SendKey (40001) is permanent and the message names the code, not the key', async () => {
  const l = await api();
  const other = 'SCT999999TAaBbCcDdEeFfGgHhIiJjKk';
  const err = await sendError(`serverchan+${l.base}/${other}.send`);
  expect(err.retry).toBe(false);
  expect(err.message).toContain(`serverchan 127.0.0.1:${new URL(l.base).port} refused the message: code 40001 [AUTH]用户不存在或者权限不足`);
  expect(err.message).not.toContain(other);
});

test("the day's quota used up (40001) and a bad input (20001) are permanent; an answer without a code too", async () => {
  const l = await api();
  const url = `serverchan+${l.base}/${SENDKEY}.send`;
  l.answer = () => refuse(40001, '[AUTH]超过当天的发送次数限制[5]');
  const quota = await sendError(url);
  expect(quota.retry).toBe(false);
  expect(quota.message).toContain('code 40001 [AUTH]超过当天的发送次数限制[5]');
  l.answer = () => refuse(20001, '[INPUT]title 不能为空');
  expect((await sendError(url)).retry).toBe(false);
  l.answer = () => ({ status: 200, body: { data: null } });
  const noCode = await sendError(url);
  expect(noCode.retry).toBe(false);
  expect(noCode.message).toContain('answered without a code');
});

test('HTTP statuses follow the shared retry table', async () => {
  const l = await api();
  await assertRetryTable(l, `serverchan+${l.base}/${SENDKEY}.send`, ACCEPTED);
});

test('the SendKey leaks into no error and not into the redacted URL', async () => {
  const l = await api();
  await assertNoSecretLeak(l, `serverchan+${l.base}/${SENDKEY}.send?channel=9`, [SENDKEY]);
  await assertNoSecretLeak(l, `serverchan+${l.base}/send/${SC3_KEY}.send`, [SC3_KEY]);
});

test('URLs round-trip to the long form; serverchan://SENDKEY picks the host for its kind of key', () => {
  const long = `serverchan+https://sctapi.ftqq.com/${SENDKEY}.send?channel=9%7C66&noip=1`;
  assertRoundTrip(long);
  assertRoundTrip(`serverchan+https://4821.push.ft07.com/send/${SC3_KEY}.send?tags=a%7Cb`);
  const c = parseChannelUrl(long);
  expect(c.config).toEqual({ endpoint: `https://sctapi.ftqq.com/${SENDKEY}.send`, sendKey: SENDKEY, channel: '9|66', noip: '1' });
  expect(c.kind.render(c.config)).toBe(long);
  expect(c.kind.destinations(c.config)).toEqual(['']);
  expect(c.kind.secrets(c.config)).toEqual([SENDKEY]);
  const turbo = parseChannelUrl(`serverchan://${SENDKEY}`);
  expect(turbo.kind.render(turbo.config)).toBe(`serverchan+https://sctapi.ftqq.com/${SENDKEY}.send`);
  const sc3 = parseChannelUrl(`serverchan://${SC3_KEY}`);
  expect(sc3.kind.render(sc3.config)).toBe(`serverchan+https://4821.push.ft07.com/send/${SC3_KEY}.send`);
});

test('URL errors name the part and never quote the SendKey', () => {
  const base = `serverchan+https://sctapi.ftqq.com/${SENDKEY}.send`;
  const cases: [string, string][] = [
    ['serverchan+https://sctapi.ftqq.com/', 'path'],
    [`serverchan+https://sctapi.ftqq.com/${SENDKEY}`, 'path'],
    [`serverchan+https://sctapi.ftqq.com/${SENDKEY}%20x.send`, 'path.sendkey'],
    [`serverchan+https://sctapi.ftqq.com/${SC3_KEY}.send`, 'host'],
    [`${base}?title=x`, 'query.title'],
    [`${base}?channel=wechat`, 'query.channel'],
    [`${base}?channel=9|66|1`, 'query.channel'],
    [`${base}?channel=9&channel=66`, 'query.channel'],
    [`${base}?noip=0`, 'query.noip'],
    [`${base}?openid=a%20b`, 'query.openid'],
    [`${base}?tags=`, 'query.tags'],
    [`serverchan+https://${SENDKEY}@sctapi.ftqq.com/x.send`, 'userinfo'],
    [`serverchan+https:///${SENDKEY}.send`, 'host'],
    [`${base}#x`, 'fragment'],
    ['serverchan://', 'path.sendkey'],
    [`serverchan://${SENDKEY}/x`, 'url'],
  ];
  for (const [url, part] of cases) {
    const err = urlError(url);
    expect({ url, part: err.part }).toEqual({ url, part });
    expect(err.message).not.toContain(SENDKEY);
    expect(err.message).not.toContain(SC3_KEY);
  }
});
