/**
 * matrix: the client-server API's send-event request (PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/
 * {txnId}, Bearer token, m.text with an org.matrix.custom.html formatted_body), the homeserver's transaction
 * de-duplication that makes a retried notice land once, its errcode refusals and 429 `retry_after_ms`, the cut,
 * retries, secrets and URL errors.
 */
import { afterEach, expect, test } from 'vitest';
import { parseChannelUrl, redactedUrl } from '../../src/channels/registry.js';
import { assertNoSecretLeak, assertRetryTable, assertRoundTrip, loopback, sampleNotice, send, sendError, urlError, type Answer, type Loopback, type Recorded } from './support.js';

const TOKEN = 'syt_aG9zdHdhdGNo_kV3xQ9mZ2pL7tRw5YbN8_1a2B3c';
const ROOM = '!xKqPzVbRnTmLwYcD:example.org';
/** The room id as a path segment (encodeURIComponent) and as a query value (URLSearchParams). */
const ROOM_PATH = '!xKqPzVbRnTmLwYcD%3Aexample.org';
const ROOM_QUERY = '%21xKqPzVbRnTmLwYcD%3Aexample.org';

let lb: Loopback | undefined;
afterEach(async () => {
  await lb?.close();
  lb = undefined;
});

/**
 * A homeserver: Bearer token checked (M_MISSING_TOKEN / M_UNKNOWN_TOKEN), the user is only in ROOM (M_FORBIDDEN),
 * the content must be an m.text with HTML, an event over 65536 bytes is M_TOO_LARGE; a transaction id already
 * used answers the first event again without posting.
 */
function homeserver(prefix = '') {
  const txns = new Map<string, string>();
  const events: { room: string; content: any }[] = [];
  const answer = (r: Recorded): Answer => {
    const m = new RegExp(`^${prefix}/_matrix/client/v3/rooms/([^/]+)/send/([^/]+)/([^/]+)$`).exec(r.path);
    if (r.method !== 'PUT' || !m) return { status: 404, body: { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' } };
    const auth = r.headers.authorization;
    if (!auth) return { status: 401, body: { errcode: 'M_MISSING_TOKEN', error: 'Missing access token' } };
    if (auth !== `Bearer ${TOKEN}`) return { status: 401, body: { errcode: 'M_UNKNOWN_TOKEN', error: 'Invalid access token passed.', soft_logout: false } };
    const room = decodeURIComponent(m[1]!);
    if (room !== ROOM) return { status: 403, body: { errcode: 'M_FORBIDDEN', error: `User @hostwatch:example.org not in room ${room}` } };
    if (decodeURIComponent(m[2]!) !== 'm.room.message') return { status: 400, body: { errcode: 'M_UNKNOWN', error: 'wrong event type' } };
    if (Buffer.byteLength(r.body) > 65536) return { status: 413, body: { errcode: 'M_TOO_LARGE', error: 'event too large' } };
    const c = r.json;
    if (r.headers['content-type'] !== 'application/json' || c?.msgtype !== 'm.text' || typeof c.body !== 'string' || c.format !== 'org.matrix.custom.html' || typeof c.formatted_body !== 'string') {
      return { status: 400, body: { errcode: 'M_BAD_JSON', error: 'Content not JSON or not an m.text' } };
    }
    const txn = decodeURIComponent(m[3]!);
    let id = txns.get(txn);
    if (!id) {
      id = `$event${txns.size + 1}`;
      txns.set(txn, id);
      events.push({ room, content: c });
    }
    return { status: 200, body: { event_id: id } };
  };
  return { answer, events };
}

const url = (base: string) => `matrix+${base}/?token=${TOKEN}&room=${encodeURIComponent(ROOM)}`;

test('PUTs an m.room.message with plain and HTML bodies, the notice id as transaction id', async () => {
  const hs = homeserver();
  lb = await loopback(hs.answer);
  await send(url(lb.base));
  expect(lb.requests).toHaveLength(1);
  const rec = lb.requests[0]!;
  expect(rec.method).toBe('PUT');
  expect(rec.path).toBe(`/_matrix/client/v3/rooms/${ROOM_PATH}/send/m.room.message/hostwatch-check.run-1.d1`);
  expect(rec.query.toString()).toBe('');
  expect(rec.headers.authorization).toBe(`Bearer ${TOKEN}`);
  expect(rec.headers['content-type']).toBe('application/json');
  expect(rec.json).toEqual({
    msgtype: 'm.text',
    body: [
      '[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)',
      '',
      'OFFLINE  web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
      'OFFLINE  web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
      'BACK     db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
      '',
      '2 hosts offline, 1 back online.',
    ].join('\n'),
    format: 'org.matrix.custom.html',
    formatted_body: [
      '<b>[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)</b>',
      '',
      '<b>OFFLINE</b> web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
      '<b>OFFLINE</b> web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
      '<b>BACK</b> db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
      '',
      '2 hosts offline, 1 back online.',
    ].join('<br>'),
  });
  expect(hs.events).toHaveLength(1);
});

test('a retried notice reuses its transaction id, so the room gets it once; another notice is another event', async () => {
  const hs = homeserver();
  lb = await loopback(hs.answer);
  await send(url(lb.base));
  await send(url(lb.base));
  expect(lb.requests).toHaveLength(2);
  expect(lb.requests[1]!.path).toBe(lb.requests[0]!.path);
  expect(hs.events).toHaveLength(1);
  await send(url(lb.base), sampleNotice({ id: 'hostwatch-check.run-2.d1' }));
  expect(lb.requests[2]!.path).toMatch(/\/send\/m\.room\.message\/hostwatch-check\.run-2\.d1$/);
  expect(hs.events).toHaveLength(2);
});

test('a test notice: its time is in the transaction id, so a later test is not dropped as a repeat', async () => {
  const hs = homeserver();
  lb = await loopback(hs.answer);
  const t = sampleNotice({ test: true, id: 'test.d1' });
  await send(url(lb.base), t);
  await send(url(lb.base), { ...t, checkTime: t.checkTime + 60_000 });
  expect(lb.requests[0]!.path).toMatch(/\/send\/m\.room\.message\/test\.d1\.1795406400000$/);
  expect(hs.events).toHaveLength(2);
  expect(hs.events[0]!.content.body).toBe('[hostwatch] test notice at 2026-11-23 05:00 +01:00 (Europe/Berlin)\nThis is a test notice from hostwatch: this destination is set up correctly.');
});

test('escapes &, < and > of a host name in formatted_body only', async () => {
  const hs = homeserver();
  lb = await loopback(hs.answer);
  const n = sampleNotice();
  n.offline[0]!.name = 'a<b&c>';
  await send(url(lb.base), n);
  const c = hs.events[0]!.content;
  expect(c.formatted_body).toContain('<b>OFFLINE</b> a&lt;b&amp;c&gt;: offline 63 minutes');
  expect(c.body).toContain('OFFLINE  a<b&c>: offline 63 minutes');
});

test('5000 offline hosts: the event stays within 65536 bytes, both bodies with the same exact rest', async () => {
  const hs = homeserver();
  lb = await loopback(hs.answer);
  await send(url(lb.base), sampleNotice({ offline: 5000 }));
  expect(Buffer.byteLength(lb.requests[0]!.body)).toBeLessThanOrEqual(60_000);
  const c = hs.events[0]!.content;
  const plain: string[] = c.body.split('\n');
  const html: string[] = c.formatted_body.split('<br>');
  const shown = plain.filter((l) => l.startsWith('OFFLINE  ')).length;
  expect(shown).toBeGreaterThan(100);
  expect(html.filter((l) => l.startsWith('<b>OFFLINE</b> ')).length).toBe(shown);
  expect(plain.slice(-3)).toEqual([`... and ${5000 - shown} more`, '', '5000 hosts offline, 0 back online.']);
  expect(html.slice(-3)).toEqual([`... and ${5000 - shown} more`, '', '5000 hosts offline, 0 back online.']);
});

test('the homeserver base may carry a path prefix', async () => {
  const hs = homeserver('/matrix');
  lb = await loopback(hs.answer);
  await send(url(`${lb.base}/matrix`));
  expect(lb.requests[0]!.path).toMatch(/^\/matrix\/_matrix\/client\/v3\/rooms\//);
  expect(hs.events).toHaveLength(1);
});

test("the homeserver's refusals: unknown token and not in the room are permanent, M_LIMIT_EXCEEDED waits retry_after_ms", async () => {
  lb = await loopback(homeserver().answer);
  const wrongToken = await sendError(`matrix+${lb.base}/?token=syt_wrong_token_0000&room=${encodeURIComponent(ROOM)}`);
  expect(wrongToken.retry).toBe(false);
  expect(wrongToken.message).toMatch(/^matrix 127\.0\.0\.1:\d+ answered HTTP 401: .*M_UNKNOWN_TOKEN.*\(the access token is not valid/);
  const otherRoom = await sendError(`matrix+${lb.base}/?token=${TOKEN}&room=${encodeURIComponent('!other:example.org')}`);
  expect(otherRoom.retry).toBe(false);
  expect(otherRoom.message).toContain('M_FORBIDDEN');
  expect(otherRoom.message).toContain('invite it and join');
  lb.answer = () => ({ status: 429, body: { errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retry_after_ms: 2500 } });
  const limited = await sendError(url(lb.base));
  expect(limited.retry).toBe(true);
  expect(limited.retryAfterMs).toBe(2500);
  lb.answer = () => ({ status: 200, body: {} });
  const noEvent = await sendError(url(lb.base));
  expect(noEvent.retry).toBe(false);
  expect(noEvent.message).toContain('without an event_id');
});

test('retry table', async () => {
  lb = await loopback();
  await assertRetryTable(lb, url(lb.base), { status: 200, body: { event_id: '$e1' } });
});

test('no secret leaks', async () => {
  lb = await loopback();
  await assertNoSecretLeak(lb, url(lb.base), [TOKEN]);
  expect(redactedUrl(parseChannelUrl(url('https://matrix.example.org')))).toBe(`matrix+https://matrix.example.org/?token=***&room=${ROOM_QUERY}`);
});

test('round trip to the long form, https and http', () => {
  assertRoundTrip(url('https://matrix.example.org'));
  assertRoundTrip(`matrix+http://127.0.0.1:8008/base/?access_token=${TOKEN}&room_id=!abc:localhost`);
  // Room version 12 ids carry no server name.
  assertRoundTrip(`matrix+https://matrix.example.org?token=${TOKEN}&room=!Z8dKq3vTgHfa9LmWcXbR2nYpQs4uE6oJ`);
  const c = parseChannelUrl(`matrix+https://matrix.example.org/?access_token=${TOKEN}&room_id=${encodeURIComponent(ROOM)}`);
  expect(c.config).toEqual({ server: 'https://matrix.example.org', token: TOKEN, room: ROOM });
  expect(c.kind.destinations(c.config)).toEqual(['']);
});

test('URL errors name the part and never quote the secret', () => {
  const cases: [string, string][] = [
    [`matrix+https://matrix.example.org/?room=${encodeURIComponent(ROOM)}`, 'query.token'],
    [`matrix+https://matrix.example.org/?token=${TOKEN}`, 'query.room'],
    [`matrix+https://matrix.example.org/?token=${TOKEN}&room=${encodeURIComponent('#ops:example.org')}`, 'query.room'],
    [`matrix+https://matrix.example.org/?token=${TOKEN}&room=ops`, 'query.room'],
    [`matrix+https://matrix.example.org/?token=${TOKEN}&room=#ops:example.org`, 'fragment'],
    [`matrix+https://matrix.example.org/?token=${TOKEN}&access_token=${TOKEN}&room=${encodeURIComponent(ROOM)}`, 'query.token'],
    [`matrix+https://matrix.example.org/?token=${TOKEN}&room=${encodeURIComponent(ROOM)}&msgtype=m.notice`, 'query.msgtype'],
    [`matrix+https://matrix.example.org/?token=${TOKEN}%20x&room=${encodeURIComponent(ROOM)}`, 'query.token'],
    [`matrix+https://bot:${TOKEN}@matrix.example.org/?token=${TOKEN}&room=${encodeURIComponent(ROOM)}`, 'userinfo'],
  ];
  for (const [u, part] of cases) {
    const err = urlError(u);
    expect({ u, part: err.part }).toEqual({ u, part });
    expect(err.message).not.toContain(TOKEN);
  }
  expect(urlError(`matrix+https://matrix.example.org/?token=${TOKEN}&room=${encodeURIComponent('#ops:example.org')}`).message).toContain('room alias');
});
