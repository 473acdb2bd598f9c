/**
 * gotify: against a loopback server that keeps Gotify's `POST /message` contract (api/message.go CreateMessage):
 * the application token in `X-Gotify-Key`, JSON `{title, message (required), priority}`, 401 without a valid
 * token, 400 without a message, 200 with the stored message (`id`, `appid`, `date`...).
 */
import { afterEach, expect, test } from 'vitest';
import { GOTIFY_MESSAGE_LIMIT, gotify } from '../../src/channels/gotify.js';
import { parseChannelUrl, redactedUrl } from '../../src/channels/registry.js';
import { assertNoSecretLeak, assertRetryTable, assertRoundTrip, loopback, sampleNotice, send, sendError, urlError, type Answer, type Loopback, type Recorded } from './support.js';

const TOKEN = 'AKq3vN8x.Zp_2wL';

let lb: Loopback | undefined;
afterEach(async () => {
  await lb?.close();
  lb = undefined;
});

const stored = (m: { title?: string; message?: string; priority?: number }): Answer => ({
  status: 200,
  body: { id: 25, appid: 5, date: '2026-11-23T05:00:00.123+01:00', ...m },
});

/** A small Gotify: one application with `token`, served under `prefix`. */
function fakeGotify(token: string, prefix = '') {
  return (r: Recorded): Answer => {
    if (r.method !== 'POST' || r.path !== `${prefix}/message`) return { status: 404, body: { error: 'Not Found', errorCode: 404, errorDescription: 'page not found' } };
    const key = r.headers['x-gotify-key'] ?? r.query.get('token') ?? String(r.headers.authorization ?? '').replace(/^Bearer /, '');
    if (key !== token) return { status: 401, body: { error: 'Unauthorized', errorCode: 401, errorDescription: 'you need to provide a valid access token or user credentials to access this api' } };
    const m = r.json;
    if (!m || typeof m.message !== 'string' || m.message === '') return { status: 400, body: { error: 'Bad Request', errorCode: 400, errorDescription: "Field 'message' is required" } };
    if (m.priority !== undefined && !Number.isInteger(m.priority)) return { status: 400, body: { error: 'Bad Request', errorCode: 400, errorDescription: 'json: cannot unmarshal priority' } };
    return stored(m);
  };
}

test('POST /message with X-Gotify-Key and title, message, priority 8', async () => {
  lb = await loopback(fakeGotify(TOKEN));
  await send(`gotify+${lb.base}/?token=${TOKEN}`);
  expect(lb.requests).toHaveLength(1);
  const rec = lb.requests[0]!;
  expect(rec.method).toBe('POST');
  expect(rec.path).toBe('/message');
  // The token only in the header: not in the query, where proxies log it.
  expect(rec.query.toString()).toBe('');
  expect(rec.headers['x-gotify-key']).toBe(TOKEN);
  expect(rec.headers['content-type']).toBe('application/json');
  expect(rec.json).toEqual({
    title: '[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)',
    message: [
      'OFFLINE  web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
      'OFFLINE  web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
      'BACK     db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
      '',
      '2 hosts offline, 1 back online.',
    ].join('\n'),
    priority: 8,
  });
});

test('priority 5 for recoveries only and a test notice; ?priority= wins', async () => {
  lb = await loopback(fakeGotify(TOKEN));
  const url = `gotify+${lb.base}/?token=${TOKEN}`;
  await send(url, { ...sampleNotice(), offline: [], offlineTotal: 0 });
  await send(url, sampleNotice({ test: true }));
  await send(`${url}&priority=0`);
  await send(`${url}&priority=10`);
  expect(lb.requests.map((r) => r.json.priority)).toEqual([5, 5, 0, 10]);
  expect(lb.requests[1]!.json).toEqual({
    title: '[hostwatch] test notice at 2026-11-23 05:00 +01:00 (Europe/Berlin)',
    message: 'This is a test notice from hostwatch: this destination is set up correctly.',
    priority: 5,
  });
});

test('a path prefix (Gotify behind a reverse proxy) is kept; with or without the trailing slash', async () => {
  lb = await loopback(fakeGotify(TOKEN, '/gotify'));
  await send(`gotify+${lb.base}/gotify/?token=${TOKEN}`);
  await send(`gotify+${lb.base}/gotify?token=${TOKEN}`);
  expect(lb.requests.map((r) => r.path)).toEqual(['/gotify/message', '/gotify/message']);
});

test("a wrong token is Gotify's permanent 401; a 2xx without a message id is refused", async () => {
  lb = await loopback(fakeGotify(TOKEN));
  const wrong = await sendError(`gotify+${lb.base}/?token=Anot-the-token1`);
  expect(wrong.retry).toBe(false);
  expect(wrong.message).toMatch(/^gotify 127\.0\.0\.1:\d+ answered HTTP 401: \{"error":"Unauthorized","errorCode":401,/);
  lb.answer = () => ({ status: 200, body: { ok: true } });
  const noId = await sendError(`gotify+${lb.base}/?token=${TOKEN}`);
  expect(noId.retry).toBe(false);
  expect(noId.message).toMatch(/^gotify 127\.0\.0\.1:\d+ answered HTTP 200 without a message id: not a Gotify answer$/);
});

test('5000 offline hosts: the message is cut to 32 KiB ending "... and N more"', async () => {
  lb = await loopback(fakeGotify(TOKEN));
  await send(`gotify+${lb.base}/?token=${TOKEN}`, sampleNotice({ offline: 5000 }));
  const message = lb.requests[0]!.json.message as string;
  expect(GOTIFY_MESSAGE_LIMIT).toBe(32_768);
  expect(Buffer.byteLength(message)).toBeLessThanOrEqual(GOTIFY_MESSAGE_LIMIT);
  const lines = message.split('\n');
  const shown = lines.filter((l) => l.startsWith('OFFLINE  ')).length;
  expect(shown).toBeGreaterThan(100);
  expect(lines).toHaveLength(shown + 3);
  expect(lines.slice(-3)).toEqual([`... and ${5000 - shown} more`, '', '5000 hosts offline, 0 back online.']);
  expect(lines[shown - 1]).toMatch(new RegExp(`^OFFLINE  web-${shown}: `));
  expect(Buffer.byteLength(message) + Buffer.byteLength(lines[shown - 1]!) + 1).toBeGreaterThan(GOTIFY_MESSAGE_LIMIT);
});

test('retry classification: 2xx accepted, 408/429/5xx retried with Retry-After, other 4xx permanent', async () => {
  lb = await loopback();
  await assertRetryTable(lb, `gotify+${lb.base}/?token=${TOKEN}`, stored({ message: 'x' }));
});

test('no token in errors or the redacted URL', async () => {
  lb = await loopback();
  await assertNoSecretLeak(lb, `gotify+${lb.base}/?token=${TOKEN}&priority=7`, [TOKEN]);
  expect(redactedUrl(parseChannelUrl(`gotify+https://push.example/?token=${TOKEN}&priority=7`))).toBe('gotify+https://push.example/?token=***&priority=7');
});

test('render gives the canonical long form and parses back to the same config', () => {
  const c = gotify.parse(new URL(`gotify+https://Push.Example:443/gotify?priority=%207&token=${TOKEN}`));
  expect(c).toEqual({ base: 'https://push.example/gotify/', token: TOKEN, priority: 7 });
  expect(gotify.render(c)).toBe(`gotify+https://push.example/gotify/?token=${TOKEN}&priority=7`);
  expect(gotify.render(gotify.parse(new URL(`gotify+http://10.0.0.3:8080?token=${TOKEN}`)))).toBe(`gotify+http://10.0.0.3:8080/?token=${TOKEN}`);
  for (const url of [`gotify+https://push.example/?token=${TOKEN}`, `gotify+http://127.0.0.1:8080/a/b/?token=${TOKEN}&priority=0`, 'gotify+https://push.example/?token=A%26b%3Dc%2B']) {
    assertRoundTrip(url);
  }
  expect(gotify.destinations(c)).toEqual(['']);
  expect(gotify.secrets(c)).toEqual([TOKEN]);
});

test('URL errors name the part and never quote the token', () => {
  const cases: [string, string][] = [
    [`gotify+ftp://push.example/?token=${TOKEN}`, 'scheme'],
    [`gotify+https:///?token=${TOKEN}`, 'host'],
    ['gotify+https://push.example/', 'query.token'],
    // The token in the path (another tool's form) is refused without being quoted.
    [`gotify+https://push.example/${TOKEN}`, 'query.token'],
    ['gotify+https://push.example/?token=', 'query.token'],
    [`gotify+https://push.example/?token=${TOKEN}%0A`, 'query.token'],
    [`gotify+https://push.example/?token=${TOKEN}&token=${TOKEN}`, 'query.token'],
    [`gotify+https://push.example/?token=${TOKEN}&priority=11`, 'query.priority'],
    [`gotify+https://push.example/?token=${TOKEN}&priority=-1`, 'query.priority'],
    [`gotify+https://push.example/?token=${TOKEN}&priority=high`, 'query.priority'],
    [`gotify+https://push.example/?token=${TOKEN}&priority=2.5`, 'query.priority'],
    [`gotify+https://push.example/?token=${TOKEN}&appid=3`, 'query.appid'],
    [`gotify+https://user:${TOKEN}@push.example/?token=${TOKEN}`, 'userinfo'],
    [`gotify+https://push.example/?token=${TOKEN}#x`, 'fragment'],
  ];
  for (const [url, part] of cases) {
    const err = urlError(url);
    expect({ url, part: err.part }).toEqual({ url, part });
    expect(err.message).not.toContain(TOKEN);
  }
});
