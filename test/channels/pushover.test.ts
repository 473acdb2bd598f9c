/**
 * pushover: the Message API request as Pushover documents it (form POST to /1/messages.json with token, user,
 * title ≤ 250, message ≤ 1024 and the optional device, priority, sound, retry/expire), its `{status:1}` answer and
 * `{status:0, errors:[...]}` refusals, the cut, retries, secrets and URL errors.
 */
import { afterEach, expect, test } from 'vitest';
import { parseChannelUrl, redactedUrl } from '../../src/channels/registry.js';
import { assertNoSecretLeak, assertRetryTable, assertRoundTrip, loopback, sampleNotice, send, sendError, urlError, type Answer, type Loopback, type Recorded } from './support.js';

const APP = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
const USER = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG';
const ACCEPTED: Answer = { status: 200, body: { status: 1, request: '647d2300-702c-4b38-8b2f-d56326ae460b' } };

let lb: Loopback | undefined;
afterEach(async () => {
  await lb?.close();
  lb = undefined;
});

const refuse = (errors: string[], field: Record<string, string> = {}): Answer => ({ status: 400, body: { ...field, errors, status: 0, request: 'e2a5b6c0-0000-4000-8000-000000000000' } });

/** Pushover's Message API: a form POST; token and user known; message and title within their limits. */
function pushoverLike(prefix = '') {
  return (r: Recorded): Answer => {
    if (r.method !== 'POST' || r.path !== `${prefix}/1/messages.json`) return { status: 404, body: { status: 0, errors: ['not found'] } };
    if (!String(r.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return refuse(['message cannot be blank']);
    const f = new URLSearchParams(r.body);
    if (f.get('token') !== APP) return refuse(['application token is invalid'], { token: 'invalid' });
    if (f.get('user') !== USER) return refuse(['user identifier is not a valid user, group, or subscribed user key'], { user: 'invalid' });
    const message = f.get('message') ?? '';
    if (!message) return refuse(['message cannot be blank'], { message: 'invalid' });
    if ([...message].length > 1024) return refuse(['message cannot be longer than 1024 characters'], { message: 'invalid' });
    if ([...(f.get('title') ?? '')].length > 250) return refuse(['title cannot be longer than 250 characters'], { title: 'invalid' });
    if (f.get('priority') === '2' && (Number(f.get('retry')) < 30 || !f.get('expire'))) return refuse(['retry and expire are required with emergency priority']);
    return ACCEPTED;
  };
}

const url = (base: string, extra = '') => `pushover+${base}/?token=${APP}&user=${USER}${extra}`;

test('posts the form to /1/messages.json: token, user, title, message, timestamp', async () => {
  lb = await loopback(pushoverLike());
  await send(url(lb.base));
  expect(lb.requests).toHaveLength(1);
  const rec = lb.requests[0]!;
  expect(rec.method).toBe('POST');
  expect(rec.path).toBe('/1/messages.json');
  expect(rec.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
  expect(Object.fromEntries(new URLSearchParams(rec.body))).toEqual({
    token: APP,
    user: USER,
    title: '[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)',
    message: [
      'OFFLINE  web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
      'OFFLINE  web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
      'BACK     db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
      '',
      '2 hosts offline, 1 back online.',
    ].join('\n'),
    timestamp: '1795406400',
  });
});

test('device, priority, sound, and retry/expire for emergency priority are passed on', async () => {
  lb = await loopback(pushoverLike());
  await send(url(lb.base, '&device=phone,tablet&priority=1&sound=siren'));
  let f = new URLSearchParams(lb.requests[0]!.body);
  expect([f.get('device'), f.get('priority'), f.get('sound'), f.get('retry'), f.get('expire')]).toEqual(['phone,tablet', '1', 'siren', null, null]);
  await send(url(lb.base, '&priority=2&retry=60&expire=3600'));
  f = new URLSearchParams(lb.requests[1]!.body);
  expect([f.get('priority'), f.get('retry'), f.get('expire')]).toEqual(['2', '60', '3600']);
});

test('plain text: a host name goes as it is (no html=1)', async () => {
  lb = await loopback(pushoverLike());
  const n = sampleNotice();
  n.offline[0]!.name = 'a<b&c';
  await send(url(lb.base), n);
  const f = new URLSearchParams(lb.requests[0]!.body);
  expect(f.get('message')).toContain('OFFLINE  a<b&c: offline 63 minutes');
  expect(f.has('html')).toBe(false);
});

test('a test notice: the test title and sentence', async () => {
  lb = await loopback(pushoverLike());
  const t = sampleNotice({ test: true });
  await send(url(lb.base), t);
  const f = new URLSearchParams(lb.requests[0]!.body);
  expect(f.get('title')).toBe('[hostwatch] test notice at 2026-11-23 05:00 +01:00 (Europe/Berlin)');
  expect(f.get('message')).toBe('This is a test notice from hostwatch: this destination is set up correctly.');
});

test('5000 offline hosts: the message stays within 1024 characters, with the exact rest', async () => {
  lb = await loopback(pushoverLike());
  await send(url(lb.base), sampleNotice({ offline: 5000 }));
  const message = new URLSearchParams(lb.requests[0]!.body).get('message')!;
  expect(Buffer.byteLength(message)).toBeLessThanOrEqual(1024);
  const lines = message.split('\n');
  const shown = lines.filter((l) => l.startsWith('OFFLINE  ')).length;
  expect(shown).toBeGreaterThan(5);
  expect(lines.slice(-3)).toEqual([`... and ${5000 - shown} more`, '', '5000 hosts offline, 0 back online.']);
});

test('a host name is shown with at most 100 bytes', async () => {
  lb = await loopback(pushoverLike());
  const n = sampleNotice();
  n.offline[0]!.name = 'x'.repeat(3000);
  await send(url(lb.base), n);
  const message = new URLSearchParams(lb.requests[0]!.body).get('message')!;
  expect(Buffer.byteLength(message)).toBeLessThanOrEqual(1024);
  const lines = message.split('\n');
  expect(lines[0]).toBe(`OFFLINE  ${'x'.repeat(97)}…: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00`);
  expect(lines.slice(-3)).toEqual(['BACK     db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00', '', '2 hosts offline, 1 back online.']);
});

test("Pushover's refusals: an invalid token or user is permanent and says why; 200 with status 0 is not a delivery", async () => {
  lb = await loopback(pushoverLike());
  const badUser = await sendError(`pushover+${lb.base}/?token=${APP}&user=${'g'.repeat(30)}`);
  expect(badUser.retry).toBe(false);
  expect(badUser.message).toMatch(/^pushover 127\.0\.0\.1:\d+ answered HTTP 400: .*user identifier is not a valid user/);
  expect(badUser.message).not.toContain(APP);
  lb.answer = () => ({ status: 200, body: { status: 0, errors: ['application is over its monthly limit'] } });
  const zero = await sendError(url(lb.base));
  expect(zero.retry).toBe(false);
  expect(zero.message).toContain('without accepting the message: application is over its monthly limit');
});

test('the API base may carry a path prefix', async () => {
  lb = await loopback(pushoverLike('/po'));
  await send(url(`${lb.base}/po`));
  expect(lb.requests[0]!.path).toBe('/po/1/messages.json');
});

test('retry table', async () => {
  lb = await loopback();
  await assertRetryTable(lb, url(lb.base), ACCEPTED);
});

test('no secret leaks', async () => {
  lb = await loopback();
  await assertNoSecretLeak(lb, url(lb.base), [APP, USER]);
  expect(redactedUrl(parseChannelUrl(url('https://api.pushover.net', '&priority=1')))).toBe('pushover+https://api.pushover.net/?token=***&user=***&priority=1');
});

test('round trip to the long form, https and http', () => {
  assertRoundTrip(url('https://api.pushover.net'));
  assertRoundTrip(url('https://api.pushover.net', '&device=phone&priority=-1&sound=none'));
  assertRoundTrip(url('http://127.0.0.1:8080/po', '&priority=2&retry=30&expire=10800'));
  const c = parseChannelUrl(`pushover+https://api.pushover.net?user=${USER}&priority=0&token=${APP}`);
  expect(c.config).toEqual({ api: 'https://api.pushover.net', token: APP, user: USER, priority: 0 });
  expect(c.kind.render(c.config)).toBe(`pushover+https://api.pushover.net/?token=${APP}&user=${USER}&priority=0`);
  expect(c.kind.destinations(c.config)).toEqual(['']);
});

test('URL errors name the part and never quote the secrets', () => {
  const cases: [string, string][] = [
    [`pushover+https://api.pushover.net/?user=${USER}`, 'query.token'],
    [`pushover+https://api.pushover.net/?token=${APP}x&user=${USER}`, 'query.token'],
    [`pushover+https://api.pushover.net/?token=${APP}`, 'query.user'],
    [`pushover+https://api.pushover.net/?token=${APP}&user=${USER.slice(1)}`, 'query.user'],
    [`pushover+https://api.pushover.net/?token=${APP}&user=${USER}&device=my%20phone`, 'query.device'],
    [`pushover+https://api.pushover.net/?token=${APP}&user=${USER}&priority=3`, 'query.priority'],
    [`pushover+https://api.pushover.net/?token=${APP}&user=${USER}&priority=high`, 'query.priority'],
    [`pushover+https://api.pushover.net/?token=${APP}&user=${USER}&priority=2&expire=3600`, 'query.retry'],
    [`pushover+https://api.pushover.net/?token=${APP}&user=${USER}&priority=2&retry=10&expire=3600`, 'query.retry'],
    [`pushover+https://api.pushover.net/?token=${APP}&user=${USER}&priority=2&retry=60`, 'query.expire'],
    [`pushover+https://api.pushover.net/?token=${APP}&user=${USER}&retry=60`, 'query.retry'],
    [`pushover+https://api.pushover.net/?token=${APP}&user=${USER}&sound=a%2Fb`, 'query.sound'],
    [`pushover+https://api.pushover.net/?token=${APP}&user=${USER}&html=1`, 'query.html'],
    [`pushover+https://api.pushover.net/?token=${APP}&user=${USER}&user=${USER}`, 'query.user'],
  ];
  for (const [u, part] of cases) {
    const err = urlError(u);
    expect({ u, part: err.part }).toEqual({ u, part });
    expect(err.message).not.toContain(APP);
    expect(err.message).not.toContain(USER);
    expect(err.message).not.toContain(USER.slice(1));
  }
});
