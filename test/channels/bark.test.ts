/**
 * bark: against a loopback bark-server that does what bark-server does (POST /push with a JSON body, the device key
 * looked up, basic auth when set, the APNs payload of at most 4096 bytes) and answers as it does; the push field by
 * field, the 3000-byte body cut, retries, secrets, URL errors.
 */
import { afterEach, expect, test } from 'vitest';
import { BARK_BODY_LIMIT } from '../../src/channels/bark.js';
import { parseChannelUrl } from '../../src/channels/registry.js';
import { assertNoSecretLeak, assertRetryTable, assertRoundTrip, loopback, sampleNotice, send, sendError, urlError, type Answer, type Loopback, type Recorded } from './support.js';

const DEVICE_KEY = 'ynJ5Ft4atkMkWeo2PAvFhF';
const USER = 'hostwatch';
const PASSWORD = 'bark-Pa55-w0rd';

const TITLE = '[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)';
const BODY = [
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

/** JSON as Go's encoding/json writes it: <, > and & as \u003c, \u003e, \u0026. */
const goJson = (v: unknown) => JSON.stringify(v).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);

/**
 * What bark-server does with POST /push: basic auth when it has a user, the device key looked up, then the APNs
 * payload (aps.alert title and body, the other fields beside it) pushed, which APNs refuses over 4096 bytes.
 */
function barkServer(prefix = '', auth?: { user: string; password: string }) {
  return (r: Recorded): Answer => {
    const now = Math.floor(Date.now() / 1000);
    if (auth) {
      const expected = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
      if (r.headers.authorization !== expected) return { status: 401, body: 'Unauthorized' };
    }
    if (r.method !== 'POST' || r.path !== `${prefix}/push`) return { status: 404, body: { code: 404, message: 'Cannot GET', timestamp: now } };
    if (!String(r.headers['content-type']).startsWith('application/json') || r.json === undefined) {
      return { status: 400, body: { code: 400, message: 'request bind failed: unexpected end of JSON input', timestamp: now } };
    }
    const { device_key: key, title, body, ...ext } = r.json as Record<string, unknown>;
    if (key === undefined || key === '') return { status: 400, body: { code: 400, message: 'device key is empty', timestamp: now } };
    if (key !== DEVICE_KEY) return { status: 400, body: { code: 400, message: `failed to get device token: failed to get [${String(key)}] device token from database`, timestamp: now } };
    const payload = goJson({ aps: { alert: { title, body }, sound: '1107.caf', category: 'myNotificationCategory', 'mutable-content': 1 }, ...ext });
    if (Buffer.byteLength(payload, 'utf8') > 4096) return { status: 500, body: { code: 500, message: 'push failed: APNS push failed: PayloadTooLarge', timestamp: now } };
    return { status: 200, body: { code: 200, message: 'success', timestamp: now } };
  };
}

test('posts JSON to /push with the device key in the body, grouped as hostwatch', async () => {
  lb = await loopback(barkServer());
  await send(`bark+${lb.base}/${DEVICE_KEY}`);
  expect(lb.requests).toHaveLength(1);
  const r = lb.requests[0]!;
  expect(r.method).toBe('POST');
  expect(r.path).toBe('/push');
  expect(r.query.toString()).toBe('');
  expect(r.headers['content-type']).toBe('application/json');
  expect(r.headers.authorization).toBeUndefined();
  expect(r.json).toEqual({ device_key: DEVICE_KEY, title: TITLE, body: BODY, group: 'hostwatch' });
});

test("the URL's Bark parameters go into the push as they are", async () => {
  lb = await loopback(barkServer());
  await send(`bark+${lb.base}/${DEVICE_KEY}?group=ops&sound=alarm&level=critical&volume=7&icon=https://example.com/hw.png&isArchive=1&url=https://status.example.com/`);
  expect(lb.requests[0]!.json).toEqual({
    device_key: DEVICE_KEY,
    title: TITLE,
    body: BODY,
    group: 'ops',
    sound: 'alarm',
    level: 'critical',
    volume: 7,
    icon: 'https://example.com/hw.png',
    isArchive: '1',
    url: 'https://status.example.com/',
  });
});

test('a self-hosted bark-server under a path prefix, behind basic auth', async () => {
  lb = await loopback(barkServer('/bark', { user: USER, password: PASSWORD }));
  await send(`bark+http://${USER}:${PASSWORD}@${lb.base.slice('http://'.length)}/bark/${DEVICE_KEY}?level=timeSensitive`);
  const r = lb.requests[0]!;
  expect(r.path).toBe('/bark/push');
  expect(r.json).toEqual({ device_key: DEVICE_KEY, title: TITLE, body: BODY, group: 'hostwatch', level: 'timeSensitive' });
  const err = await sendError(`bark+http://${USER}:wrong-password@${lb.base.slice('http://'.length)}/bark/${DEVICE_KEY}`);
  expect(err.retry).toBe(false);
  expect(err.message).toContain('answered HTTP 401');
});

test('an unknown device key (HTTP 400 from bark-server) is permanent and not quoted back', async () => {
  lb = await loopback(barkServer());
  const other = 'Zz9Yy8Xx7Ww6Vv5Uu4Tt3S';
  const err = await sendError(`bark+${lb.base}/${other}`);
  expect(err.retry).toBe(false);
  expect(err.message).toContain(`bark 127.0.0.1:${new URL(lb.base).port} answered HTTP 400`);
  expect(err.message).toContain('failed to get device token');
  expect(err.message).not.toContain(other);
});

test('5000 offline hosts: the body stays within 3000 bytes, the APNs payload within 4096, ending with the exact count left out', async () => {
  lb = await loopback(barkServer());
  await send(`bark+${lb.base}/${DEVICE_KEY}?group=ops&sound=alarm&level=critical&volume=7&icon=https://example.com/hw.png`, sampleNotice({ offline: 5000 }));
  const body = lb.requests[0]!.json.body as string;
  const bytes = Buffer.byteLength(body, 'utf8');
  expect(bytes).toBeLessThanOrEqual(BARK_BODY_LIMIT);
  expect(bytes).toBeGreaterThan(BARK_BODY_LIMIT - 100);
  const lines = body.split('\n');
  const hosts = lines.filter((s) => s.startsWith('OFFLINE  '));
  expect(hosts[0]).toMatch(/^OFFLINE {2}web-1: offline 84 h 21 min, /);
  expect(lines.slice(-3)).toEqual([`... and ${5000 - hosts.length} more`, '', '5000 hosts offline, 0 back online.']);
  expect(lines).toHaveLength(hosts.length + 3);
});

test("names full of <, > and & still fit once bark-server's JSON escapes them", async () => {
  lb = await loopback(barkServer());
  const notice = sampleNotice({ offline: 300 });
  for (const line of notice.offline) line.name = `<&${line.name}&>`;
  await send(`bark+${lb.base}/${DEVICE_KEY}`, notice);
  const body = lb.requests[0]!.json.body as string;
  expect(Buffer.byteLength(goJson(body), 'utf8') - 2).toBeLessThanOrEqual(BARK_BODY_LIMIT);
  expect(body).toContain('OFFLINE  <&web-1&>: offline 6 h 1 min');
  expect(body).toMatch(/\.\.\. and \d+ more\n\n300 hosts offline, 0 back online\.$/);
});

test('an HTTP 200 answer with a code other than 200 is permanent, and so is one without a code', async () => {
  lb = await loopback(barkServer());
  lb.answer = () => ({ status: 200, body: { code: 400, message: 'batch push count exceeds the maximum limit: 10' } });
  const err = await sendError(`bark+${lb.base}/${DEVICE_KEY}`);
  expect(err.retry).toBe(false);
  expect(err.message).toContain('refused the push: code 400 batch push count exceeds the maximum limit: 10');
  lb.answer = () => ({ status: 200, body: { ok: true } });
  expect((await sendError(`bark+${lb.base}/${DEVICE_KEY}`)).message).toContain('answered without a code');
});

test('HTTP statuses follow the shared retry table', async () => {
  lb = await loopback(barkServer());
  await assertRetryTable(lb, `bark+${lb.base}/${DEVICE_KEY}`, { status: 200, body: { code: 200, message: 'success', timestamp: 1 } });
});

test('neither the device key nor the basic auth password leaks into an error or the redacted URL', async () => {
  lb = await loopback(barkServer());
  await assertNoSecretLeak(lb, `bark+${lb.base}/${DEVICE_KEY}`, [DEVICE_KEY]);
  await assertNoSecretLeak(lb, `bark+http://${USER}:${PASSWORD}@${lb.base.slice('http://'.length)}/bark/${DEVICE_KEY}`, [DEVICE_KEY, PASSWORD]);
});

test('URLs round-trip to the long form; the short form bark://DEVICE_KEY means api.day.app', () => {
  const long = `bark+https://api.day.app/${DEVICE_KEY}?group=ops&level=timeSensitive`;
  assertRoundTrip(long);
  assertRoundTrip(`bark+https://${USER}:${PASSWORD}@push.example.com:8443/bark/${DEVICE_KEY}?sound=alarm&volume=0&isArchive=0&url=https%3A%2F%2Fx.example%2F`);
  const c = parseChannelUrl(long);
  expect(c.config).toEqual({ server: 'https://api.day.app', deviceKey: DEVICE_KEY, group: 'ops', level: 'timeSensitive' });
  expect(c.kind.render(c.config)).toBe(long);
  expect(c.kind.destinations(c.config)).toEqual(['']);
  expect(c.kind.secrets(c.config)).toEqual([DEVICE_KEY]);
  const self = parseChannelUrl(`bark+https://${USER}:${PASSWORD}@push.example.com/bark/${DEVICE_KEY}`);
  expect(self.config).toEqual({ server: 'https://push.example.com/bark', deviceKey: DEVICE_KEY, user: USER, password: PASSWORD });
  expect(self.kind.secrets(self.config)).toEqual([DEVICE_KEY, PASSWORD]);
  const short = parseChannelUrl(`bark://${DEVICE_KEY}?group=ops&level=timeSensitive`);
  expect(short.kind.render(short.config)).toBe(long);
});

test('URL errors name the part and never quote a secret', () => {
  const base = `bark+https://api.day.app/${DEVICE_KEY}`;
  const cases: [string, string][] = [
    ['bark+https://api.day.app/', 'path.device_key'],
    [`bark+https://api.day.app/${DEVICE_KEY}/Title/Body`, 'path'],
    [`bark+https://api.day.app/${DEVICE_KEY},${DEVICE_KEY}x`, 'path.device_key'],
    [`${base}?foo=1`, 'query.foo'],
    [`${base}?group=a&group=b`, 'query.group'],
    [`${base}?group=`, 'query.group'],
    [`${base}?level=urgent`, 'query.level'],
    [`${base}?volume=11`, 'query.volume'],
    [`${base}?sound=a%20b`, 'query.sound'],
    [`${base}?icon=ftp://x/y.png`, 'query.icon'],
    [`${base}?url=nope`, 'query.url'],
    [`${base}?isArchive=yes`, 'query.isArchive'],
    [`bark+https://:${PASSWORD}@push.example.com/${DEVICE_KEY}`, 'userinfo'],
    [`bark+https:///${DEVICE_KEY}`, 'host'],
    [`${base}#${PASSWORD}`, 'fragment'],
    [`bark://${DEVICE_KEY}/Title`, 'url'],
    ['bark://', 'path.device_key'],
  ];
  for (const [url, part] of cases) {
    const err = urlError(url);
    expect({ url, part: err.part }).toEqual({ url, part });
    expect(err.message).not.toContain(DEVICE_KEY);
    expect(err.message).not.toContain(PASSWORD);
  }
});
