/**
 * ntfy: against a loopback server that keeps ntfy's documented "Publish as JSON" contract (docs/publish.md): a POST
 * to the root URL (not the topic URL) of `{topic, message, title, tags, priority}`, topic `^[-_A-Za-z0-9]{1,64}$`,
 * priority 1-5, a message of at most 4,096 bytes in a JSON body of at most 8,192 (server.go: 2 × the message
 * limit), `Authorization: Bearer <token>` or Basic, answered with the stored message as JSON.
 */
import { afterEach, expect, test } from 'vitest';
import { NTFY_MESSAGE_LIMIT, ntfy } from '../../src/channels/ntfy.js';
import { parseChannelUrl, redactedUrl } from '../../src/channels/registry.js';
import { assertNoSecretLeak, assertRetryTable, assertRoundTrip, loopback, sampleNotice, send, sendError, urlError, type Answer, type Loopback, type Recorded } from './support.js';

const TOPIC = 'hw-alerts-7f3kq9';
const TOKEN = 'tk_h7Wm2xQpL9vRt4nZc8yKd3sFj6Ub1';
const PASSWORD = 'ntfy-pass-5Rw2';

let lb: Loopback | undefined;
afterEach(async () => {
  await lb?.close();
  lb = undefined;
});

/** The publish answer ntfy gives: the message as stored. */
const published = (m: { topic: string; title?: string; message?: string; priority?: number; tags?: string[] }): Answer => ({
  status: 200,
  body: { id: 'sPs71M8A2T', time: 1795406400, expires: 1795449600, event: 'message', ...m },
});

/** A small ntfy server: one protected topic, readable with `auth` (an exact Authorization header value). */
function fakeNtfy(auth: string) {
  return (r: Recorded): Answer => {
    if (r.method !== 'POST' && r.method !== 'PUT') return { status: 405, body: { code: 40500, http: 405, error: 'method not allowed' } };
    if (r.path !== '/' && !r.path.endsWith('/')) return { status: 400, body: { code: 40017, http: 400, error: 'invalid request: request body must be message JSON' } };
    if (Buffer.byteLength(r.body) > 2 * 4096) return { status: 413, body: { code: 41303, http: 413, error: 'JSON body too large' } };
    const m = r.json;
    if (!m || typeof m !== 'object') return { status: 400, body: { code: 40017, http: 400, error: 'invalid request: request body must be message JSON' } };
    if (typeof m.topic !== 'string' || !/^[-_A-Za-z0-9]{1,64}$/.test(m.topic)) return { status: 400, body: { code: 40009, http: 400, error: 'invalid request: topic invalid' } };
    if (m.priority !== undefined && ![1, 2, 3, 4, 5].includes(m.priority)) return { status: 400, body: { code: 40007, http: 400, error: 'invalid priority parameter' } };
    if (m.tags !== undefined && (!Array.isArray(m.tags) || m.tags.some((t: unknown) => typeof t !== 'string'))) return { status: 400, body: { code: 40017, http: 400, error: 'invalid request' } };
    if (typeof m.message === 'string' && Buffer.byteLength(m.message) > 4096) return { status: 413, body: { code: 41301, http: 413, error: 'attachment too large, or bandwidth limit reached' } };
    if (r.headers.authorization !== auth) return { status: 403, body: { code: 40301, http: 403, error: 'forbidden' } };
    return published(m);
  };
}

test('publishes JSON to the root URL with topic, title, message, priority 4 and tags, with the bearer token', async () => {
  lb = await loopback(fakeNtfy(`Bearer ${TOKEN}`));
  await send(`ntfy+${lb.base}/${TOPIC}?token=${TOKEN}`);
  expect(lb.requests).toHaveLength(1);
  const rec = lb.requests[0]!;
  expect(rec.method).toBe('POST');
  expect(rec.path).toBe('/');
  expect(rec.query.toString()).toBe('');
  expect(rec.headers['content-type']).toBe('application/json');
  expect(rec.headers.authorization).toBe(`Bearer ${TOKEN}`);
  expect(rec.json).toEqual({
    topic: TOPIC,
    title: '[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)',
    message: [
      'OFFLINE  web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
      'OFFLINE  web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
      'BACK     db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
      '',
      '2 hosts offline, 1 back online.',
    ].join('\n'),
    priority: 4,
    tags: ['warning'],
  });
});

test('priority 3 and a check mark for recoveries only and for a test notice; ?priority= and ?tags= win', async () => {
  lb = await loopback(fakeNtfy(`Bearer ${TOKEN}`));
  const url = `ntfy+${lb.base}/${TOPIC}?token=${TOKEN}`;
  await send(url, { ...sampleNotice(), offline: [], offlineTotal: 0 });
  await send(url, sampleNotice({ test: true }));
  await send(`${url}&priority=urgent&tags=server,hostwatch`);
  await send(`${url}&priority=2`);
  expect(lb.requests.map((r) => [r.json.priority, r.json.tags])).toEqual([
    [3, ['white_check_mark']],
    [3, ['test_tube']],
    [5, ['warning', 'server', 'hostwatch']],
    [2, ['warning']],
  ]);
  expect(lb.requests[1]!.json.message).toBe('This is a test notice from hostwatch: this destination is set up correctly.');
});

test('user:password@ becomes basic auth; a path prefix is kept and the topic moves into the body', async () => {
  lb = await loopback(fakeNtfy(`Basic ${Buffer.from(`alerts:${PASSWORD}`).toString('base64')}`));
  await send(`ntfy+${lb.base.replace('http://', `http://alerts:${PASSWORD}@`)}/ntfy/${TOPIC}`);
  const rec = lb.requests[0]!;
  expect(rec.path).toBe('/ntfy/');
  expect(rec.json.topic).toBe(TOPIC);
});

test('a wrong token is the server\'s permanent 403', async () => {
  lb = await loopback(fakeNtfy(`Bearer ${TOKEN}`));
  const err = await sendError(`ntfy+${lb.base}/${TOPIC}?token=tk_wrong0000000000000000000000000`);
  expect(err.retry).toBe(false);
  expect(err.message).toMatch(/^ntfy 127\.0\.0\.1:\d+ answered HTTP 403: \{"code":40301,"http":403,"error":"forbidden"\}$/);
});

test('a 2xx that is not a publish answer (no message id) is refused', async () => {
  lb = await loopback(() => ({ status: 200, body: '<html>welcome</html>' }));
  const html = await sendError(`ntfy+${lb.base}/${TOPIC}`);
  expect(html.retry).toBe(false);
  expect(html.message).toMatch(/^ntfy 127\.0\.0\.1:\d+ answered HTTP 200 with a body that is not a JSON object$/);
  lb.answer = () => ({ status: 200, body: { ok: true } });
  const noId = await sendError(`ntfy+${lb.base}/${TOPIC}`);
  expect(noId.retry).toBe(false);
  expect(noId.message).toMatch(/^ntfy 127\.0\.0\.1:\d+ answered HTTP 200 without a message id: not an ntfy publish answer$/);
});

test('5000 offline hosts: the message is cut to 4,096 bytes ending "... and N more"', async () => {
  lb = await loopback(fakeNtfy(`Bearer ${TOKEN}`));
  await send(`ntfy+${lb.base}/${TOPIC}?token=${TOKEN}`, sampleNotice({ offline: 5000 }));
  const rec = lb.requests[0]!;
  expect(Buffer.byteLength(rec.body)).toBeLessThanOrEqual(8192);
  const message = rec.json.message as string;
  expect(NTFY_MESSAGE_LIMIT).toBe(4096);
  expect(Buffer.byteLength(message)).toBeLessThanOrEqual(4096);
  const lines = message.split('\n');
  const shown = lines.filter((l) => l.startsWith('OFFLINE  ')).length;
  expect(shown).toBeGreaterThan(10);
  expect(lines).toHaveLength(shown + 3);
  expect(lines.slice(-3)).toEqual([`... and ${5000 - shown} more`, '', '5000 hosts offline, 0 back online.']);
  expect(lines[0]).toMatch(/^OFFLINE  web-1: /);
  // One more host line would not have fit.
  expect(Buffer.byteLength(message) + Buffer.byteLength(lines[shown - 1]!) + 1).toBeGreaterThan(4096);
});

test('retry classification: 2xx accepted, 408/429/5xx retried with Retry-After, other 4xx permanent', async () => {
  lb = await loopback();
  await assertRetryTable(lb, `ntfy+${lb.base}/${TOPIC}?token=${TOKEN}`, published({ topic: TOPIC }));
});

test('no secret (topic, token, password) in errors or the redacted URL', async () => {
  lb = await loopback();
  await assertNoSecretLeak(lb, `ntfy+${lb.base}/${TOPIC}?token=${TOKEN}&priority=high`, [TOPIC, TOKEN]);
  expect(redactedUrl(parseChannelUrl(`ntfy+https://ntfy.sh/${TOPIC}?token=${TOKEN}&priority=high`))).toBe('ntfy+https://ntfy.sh/***?token=***&priority=4');
  // Userinfo by hand: the helper re-points URLs at a closed port by replacing the base, which userinfo breaks.
  const url = `ntfy+${lb.base.replace('http://', `http://alerts:${PASSWORD}@`)}/${TOPIC}`;
  expect(redactedUrl(parseChannelUrl(url))).toBe(`ntfy+${lb.base.replace('http://', 'http://alerts:***@')}/***`);
  lb.answer = (r) => ({ status: 401, body: `${String(r.headers.authorization)} ${r.body}` });
  const err = await sendError(url);
  for (const s of [TOPIC, PASSWORD, Buffer.from(`alerts:${PASSWORD}`).toString('base64')]) expect(err.message).not.toContain(s);
});

test('render gives the canonical long form and parses back to the same config', () => {
  const c = ntfy.parse(new URL(`ntfy+https://NTFY.example:443/sub/${TOPIC}?priority=HIGH&tags=a,%20b,,c&token=${TOKEN}`));
  expect(c).toEqual({ base: 'https://ntfy.example/sub/', topic: TOPIC, token: TOKEN, priority: 4, tags: ['a', 'b', 'c'] });
  expect(ntfy.render(c)).toBe(`ntfy+https://ntfy.example/sub/${TOPIC}?token=${TOKEN}&priority=4&tags=a,b,c`);
  for (const url of [
    `ntfy+https://ntfy.sh/${TOPIC}`,
    `ntfy+http://127.0.0.1:8080/${TOPIC}?priority=min`,
    `ntfy+https://me:p%40ss@ntfy.example/${TOPIC}?tags=x%2Cy`,
    `ntfy+https://:${TOKEN}@ntfy.example/${TOPIC}`,
  ]) {
    assertRoundTrip(url);
  }
  expect(ntfy.destinations(c)).toEqual(['']);
  expect(ntfy.secrets(c)).toEqual([TOPIC, TOKEN]);
});

test('URL errors name the part and never quote the topic or token', () => {
  const cases: [string, string][] = [
    [`ntfy+ftp://ntfy.sh/${TOPIC}?token=${TOKEN}`, 'scheme'],
    [`ntfy+https:///${TOPIC}?token=${TOKEN}`, 'host'],
    [`ntfy+https://ntfy.sh/?token=${TOKEN}`, 'path'],
    [`ntfy+https://ntfy.sh?token=${TOKEN}`, 'path'],
    [`ntfy+https://ntfy.sh/${TOPIC}.x?token=${TOKEN}`, 'path'],
    [`ntfy+https://ntfy.sh/${TOPIC}/?token=${TOKEN}`, 'path'],
    [`ntfy+https://ntfy.sh/${'t'.repeat(65)}`, 'path'],
    [`ntfy+https://ntfy.sh/${TOPIC}?token=`, 'query.token'],
    [`ntfy+https://ntfy.sh/${TOPIC}?token=${TOKEN}%20x`, 'query.token'],
    [`ntfy+https://u:${PASSWORD}@ntfy.sh/${TOPIC}?token=${TOKEN}`, 'query.token'],
    [`ntfy+https://ntfy.sh/${TOPIC}?token=${TOKEN}&priority=0`, 'query.priority'],
    [`ntfy+https://ntfy.sh/${TOPIC}?token=${TOKEN}&priority=6`, 'query.priority'],
    [`ntfy+https://ntfy.sh/${TOPIC}?token=${TOKEN}&priority=loud`, 'query.priority'],
    [`ntfy+https://ntfy.sh/${TOPIC}?token=${TOKEN}&tags=,`, 'query.tags'],
    [`ntfy+https://ntfy.sh/${TOPIC}?token=${TOKEN}&title=x`, 'query.title'],
    [`ntfy+https://ntfy.sh/${TOPIC}?token=${TOKEN}&token=${TOKEN}`, 'query.token'],
    [`ntfy+https://ntfy.sh/${TOPIC}?token=${TOKEN}#x`, 'fragment'],
  ];
  for (const [url, part] of cases) {
    const err = urlError(url);
    expect({ url, part: err.part }).toEqual({ url, part });
    for (const s of [TOPIC, TOKEN, PASSWORD]) expect(err.message).not.toContain(s);
  }
});
