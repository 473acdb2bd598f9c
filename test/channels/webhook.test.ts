/**
 * webhook: the version 1 body field by field, the signature checked the way a receiver checks it (HMAC-SHA256
 * recomputed over the raw body bytes, compared in constant time), the Idempotency-Key across a retry, basic auth
 * from userinfo, the 256 KiB cut, retries, secrets and URL errors.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, expect, test } from 'vitest';
import { deliver, parseChannelUrl, redactedUrl } from '../../src/channels/registry.js';
import { ChannelUrlError } from '../../src/channels/types.js';
import { webhook, WEBHOOK_BODY_LIMIT } from '../../src/channels/webhook.js';
import { assertNoSecretLeak, assertRetryTable, assertRoundTrip, CONDITION_FOOTER, CONDITION_LINES, CONDITION_TITLE, conditionNotice, loopback, sampleNotice, send, sendError, urlError, type Loopback, type Recorded } from './support.js';

const SECRET = 'whsec-7Qk2pLx9Zr';
const PASSWORD = 'hook-pass-4Tz8';

let lb: Loopback | undefined;
afterEach(async () => {
  await lb?.close();
  lb = undefined;
});

/** What a receiver does: recompute the HMAC over the bytes it received and compare in constant time. */
function signatureValid(rec: Recorded, secret: string): boolean {
  const header = rec.headers['x-hostwatch-signature'];
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', secret).update(Buffer.from(rec.body, 'utf8')).digest();
  const got = Buffer.from(header.slice('sha256='.length), 'hex');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** A loopback port nothing listens on: one the system just handed out and was closed again. */
async function closedPort(): Promise<number> {
  const probe = await loopback();
  const port = Number(new URL(probe.base).port);
  await probe.close();
  return port;
}

test('posts the version 1 body, signed, with the notice id as Idempotency-Key', async () => {
  lb = await loopback();
  const notice = sampleNotice();
  await send(`webhook+${lb.base}/hooks/hostwatch?team=ops&secret=${SECRET}&x=a%20b`, notice);
  expect(lb.requests).toHaveLength(1);
  const rec = lb.requests[0]!;
  expect(rec.method).toBe('POST');
  expect(rec.path).toBe('/hooks/hostwatch');
  expect(rec.query.toString()).toBe('team=ops&x=a+b');
  expect(rec.query.has('secret')).toBe(false);
  expect(rec.headers['content-type']).toBe('application/json');
  expect(rec.headers['idempotency-key']).toBe('hostwatch-check.run-1.d1');
  expect(rec.headers.authorization).toBeUndefined();
  expect(signatureValid(rec, SECRET)).toBe(true);
  expect(signatureValid(rec, 'another-secret')).toBe(false);
  expect(rec.body).not.toContain(SECRET);
  expect(rec.json).toEqual({
    version: 1,
    kind: 'hostwatch.notice',
    id: 'hostwatch-check.run-1.d1',
    run: 'hostwatch-check.run-1',
    test: false,
    checkTime: '2026-11-23T04:00:00.000Z',
    timezone: 'Europe/Berlin',
    title: '[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)',
    counts: { offline: 2, recovered: 1, alerts: 0, resolved: 0 },
    lines: [
      {
        kind: 'offline',
        host: 'web-1',
        hostId: 'h0',
        step: 60,
        offlineMs: 63 * 60_000,
        lastReportAt: '2026-11-23T02:57:00.000Z',
        text: 'OFFLINE  web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
      },
      {
        kind: 'offline',
        host: 'web-2',
        hostId: 'h1',
        step: 60,
        offlineMs: 62 * 60_000,
        lastReportAt: '2026-11-23T02:58:00.000Z',
        text: 'OFFLINE  web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
      },
      {
        kind: 'recovered',
        host: 'db-1',
        hostId: 'db',
        wentSilentAt: '2026-11-23T01:00:00.000Z',
        seenAgainAt: '2026-11-23T03:59:00.000Z',
        goneMs: 3 * 3600_000 - 60_000,
        text: 'BACK     db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
      },
    ],
    more: 0,
    text: [
      'OFFLINE  web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
      'OFFLINE  web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
      'BACK     db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
      '',
      '2 hosts offline, 1 back online.',
    ].join('\n'),
  });
});

test('metric-rule, reboot and resolved lines: their fields, kinds and counts', async () => {
  lb = await loopback();
  const notice = conditionNotice();
  const resolved = notice.recoveries[1]!;
  if (resolved.kind === 'resolved') delete resolved.endValue;
  await send(`webhook+${lb.base}/in?secret=${SECRET}`, notice);
  const body = lb.requests[0]!.json;
  expect(signatureValid(lb.requests[0]!, SECRET)).toBe(true);
  expect(body.title).toBe(CONDITION_TITLE);
  expect(body.counts).toEqual({ offline: 1, recovered: 1, alerts: 3, resolved: 1 });
  expect(body.more).toBe(0);
  const text = expect.any(String);
  const rule = { metric: 'disk', op: 'above', threshold: 90 };
  expect(body.lines).toEqual([
    { kind: 'offline', host: 'web-1', hostId: 'h1', step: 60, offlineMs: 63 * 60_000, lastReportAt: '2026-11-23T02:57:00.000Z', text },
    { kind: 'metric', host: 'web-2', hostId: 'h2', rule: 'disk full', ...rule, item: '/var', value: 93, peak: 95, step: 5, heldMs: 12 * 60_000, since: '2026-11-23T03:48:00.000Z', text },
    { kind: 'metric', host: 'app-1', hostId: 'h3', rule: 'cpu busy', metric: 'cpu', item: '', op: 'above', threshold: 80, value: 97.5, peak: 99, step: 5, heldMs: 7 * 60_000, since: '2026-11-23T03:53:00.000Z', text },
    { kind: 'reboot', host: 'db-2', hostId: 'h4', rule: 'reboots', at: '2026-11-23T03:58:00.000Z', uptime: 180, previousUptime: 43_440, text },
    { kind: 'recovered', host: 'db-1', hostId: 'db', wentSilentAt: '2026-11-23T01:00:00.000Z', seenAgainAt: '2026-11-23T03:59:00.000Z', goneMs: 3 * 3600_000 - 60_000, text },
    // No endValue: the mount was no longer reported.
    { kind: 'resolved', host: 'web-3', hostId: 'h5', rule: 'disk full', ...rule, item: '/data', peak: 97, since: '2026-11-23T02:55:00.000Z', endedAt: '2026-11-23T03:59:00.000Z', heldMs: 64 * 60_000, text },
  ]);
  const texts = body.lines.map((l: { text: string }) => l.text);
  expect(texts.slice(0, 5)).toEqual(CONDITION_LINES.slice(0, 5));
  expect(texts[5]).toBe('RESOLVED  web-3 /data: disk no longer reported after 64 minutes above 90 % (peak 97 %), from 2026-11-23 03:55:00 +01:00 to 2026-11-23 04:59:00 +01:00');
  expect(body.text).toBe([...texts, '', CONDITION_FOOTER].join('\n'));
});

test('a retried notice carries the same Idempotency-Key, body and signature', async () => {
  let calls = 0;
  lb = await loopback(() => (++calls === 1 ? { status: 503, body: 'busy' } : { status: 202 }));
  const notice = sampleNotice({ id: 'hostwatch-check.run-9.d3' });
  const url = `webhook+${lb.base}/in?secret=${SECRET}`;
  const first = await sendError(url, notice);
  expect(first.retry).toBe(true);
  await send(url, notice);
  expect(lb.requests).toHaveLength(2);
  const [a, b] = lb.requests as [Recorded, Recorded];
  expect(a.headers['idempotency-key']).toBe('hostwatch-check.run-9.d3');
  expect(b.headers['idempotency-key']).toBe('hostwatch-check.run-9.d3');
  expect(b.body).toBe(a.body);
  expect(b.headers['x-hostwatch-signature']).toBe(a.headers['x-hostwatch-signature']);
  expect(signatureValid(b, SECRET)).toBe(true);
  // Another notice: another key.
  await send(url, sampleNotice({ id: 'hostwatch-check.run-9.d4' }));
  expect(lb.requests[2]!.headers['idempotency-key']).toBe('hostwatch-check.run-9.d4');
});

test('without a secret the body is not signed; userinfo becomes basic auth and leaves the URL', async () => {
  lb = await loopback();
  await send(`webhook+${lb.base.replace('http://', 'http://alerts:' + PASSWORD + '@')}/in`);
  const rec = lb.requests[0]!;
  expect(rec.headers['x-hostwatch-signature']).toBeUndefined();
  expect(rec.headers.authorization).toBe(`Basic ${Buffer.from(`alerts:${PASSWORD}`).toString('base64')}`);
  expect(rec.path).toBe('/in');
  expect(rec.json.version).toBe(1);
});

test('non-ASCII host names: the signature covers the UTF-8 bytes as sent', async () => {
  lb = await loopback();
  const notice = sampleNotice();
  notice.offline[0] = { ...notice.offline[0]!, name: 'büro-drucker-東京' };
  await send(`webhook+${lb.base}/in?secret=${SECRET}`, notice);
  const rec = lb.requests[0]!;
  expect(rec.json.lines[0].host).toBe('büro-drucker-東京');
  expect(Number(rec.headers['content-length'])).toBe(Buffer.byteLength(rec.body, 'utf8'));
  expect(signatureValid(rec, SECRET)).toBe(true);
});

test('a test notice: test true, no lines, the test title and sentence', async () => {
  lb = await loopback();
  await send(`webhook+${lb.base}/in?secret=${SECRET}`, sampleNotice({ test: true }));
  const body = lb.requests[0]!.json;
  expect(body).toMatchObject({
    test: true,
    title: '[hostwatch] test notice at 2026-11-23 05:00 +01:00 (Europe/Berlin)',
    counts: { offline: 0, recovered: 0, alerts: 0, resolved: 0 },
    lines: [],
    more: 0,
    text: 'This is a test notice from hostwatch: this destination is set up correctly.',
  });
});

test('5000 offline hosts: the body stays within 256 KiB, the rest counted in more and "... and N more"', async () => {
  lb = await loopback();
  await send(`webhook+${lb.base}/in?secret=${SECRET}`, sampleNotice({ offline: 5000 }));
  const rec = lb.requests[0]!;
  const bytes = Buffer.byteLength(rec.body, 'utf8');
  expect(bytes).toBeLessThanOrEqual(WEBHOOK_BODY_LIMIT);
  expect(WEBHOOK_BODY_LIMIT).toBe(262_144);
  expect(signatureValid(rec, SECRET)).toBe(true);
  const body = rec.json;
  const shown = body.lines.length as number;
  expect(shown).toBeGreaterThan(100);
  expect(shown).toBeLessThan(5000);
  expect(body.more).toBe(5000 - shown);
  expect(body.counts).toEqual({ offline: 5000, recovered: 0, alerts: 0, resolved: 0 });
  // Most severe first: web-1 has been offline longest.
  expect(body.lines[0].host).toBe('web-1');
  expect(body.lines[shown - 1].host).toBe(`web-${shown}`);
  const text = (body.text as string).split('\n');
  expect(text.slice(-3)).toEqual([`... and ${5000 - shown} more`, '', '5000 hosts offline, 0 back online.']);
  expect(text).toHaveLength(shown + 3);
  // The cut is tight: one more line (its JSON, a comma, its text and a newline) would not have fit.
  const next = { ...body.lines[shown - 1], host: `web-${shown + 1}` };
  expect(bytes + Buffer.byteLength(JSON.stringify(next)) + 1 + Buffer.byteLength(next.text) + 1).toBeGreaterThan(WEBHOOK_BODY_LIMIT);
});

test('retry classification: 2xx accepted, 408/429/5xx retried with Retry-After, other 4xx permanent', async () => {
  lb = await loopback();
  await assertRetryTable(lb, `webhook+${lb.base}/in?secret=${SECRET}`, { status: 204 });
});

test('no secret in errors or the redacted URL', async () => {
  lb = await loopback();
  await assertNoSecretLeak(lb, `webhook+${lb.base}/in?secret=${SECRET}`, [SECRET]);
  // The helper cannot take userinfo (it points the URL at a closed port by replacing the base), so here by hand.
  const url = `webhook+${lb.base.replace('http://', `http://alerts:${PASSWORD}@`)}/in?secret=${SECRET}`;
  expect(redactedUrl(parseChannelUrl(url))).toBe(`webhook+${lb.base.replace('http://', 'http://alerts:***@')}/in?secret=***`);
  lb.answer = (r) => ({ status: 401, body: `${JSON.stringify(r.headers)} ${r.body}` });
  const refused = await sendError(url);
  expect(refused.retry).toBe(false);
  expect(refused.message).not.toContain(PASSWORD);
  expect(refused.message).not.toContain(Buffer.from(`alerts:${PASSWORD}`).toString('base64'));
  expect(refused.message).not.toContain(SECRET);
  // A port that really is closed (the helper's port 1 is one fetch refuses to dial: "bad port").
  const port = await closedPort();
  const down = await sendError(url.replace(/:\d+\//, `:${port}/`));
  expect(down.retry).toBe(true);
  expect(down.message).toBe(`webhook 127.0.0.1:${port}: ECONNREFUSED`);
});

test('render gives the canonical long form and parses back to the same config', () => {
  const config = webhook.parse(new URL('webhook+https://u:p%40ss@Hooks.Example.com:443/a/b?team=ops&secret=s3cr%2Bet&x=a%20b'));
  expect(config).toEqual({ endpoint: 'https://hooks.example.com/a/b?team=ops&x=a%20b', username: 'u', password: 'p@ss', secret: 's3cr+et' });
  expect(parseChannelUrl('webhook+https://u:p%40ss@Hooks.Example.com:443/a/b?team=ops&secret=s3cr%2Bet&x=a%20b').kind).toBe(webhook);
  expect(webhook.render(config)).toBe('webhook+https://u:p%40ss@hooks.example.com/a/b?team=ops&x=a%20b&secret=s3cr%2Bet');
  expect(webhook.render(webhook.parse(new URL('webhook+http://10.0.0.5:8080')))).toBe('webhook+http://10.0.0.5:8080/');
  for (const url of [
    'webhook+https://hooks.example.com/a/b?team=ops&secret=s3cr%2Bet',
    'webhook+http://127.0.0.1:9000/in',
    'webhook+https://:only-pass@h.example/in?secret=a%26b%3Dc',
    'webhook+https://h.example/in?secret=x&a=1&a=2',
  ]) {
    assertRoundTrip(url);
  }
  expect(webhook.secrets(webhook.parse(new URL(`webhook+https://a:${PASSWORD}@h/in?secret=${SECRET}`)))).toEqual([SECRET, PASSWORD, Buffer.from(`a:${PASSWORD}`).toString('base64')]);
  expect(webhook.destinations(webhook.parse(new URL('webhook+https://h/')))).toEqual(['']);
});

test('URL errors name the part and never quote the secret', () => {
  expect(urlError(`webhook+ftp://h.example/in?secret=${SECRET}`).part).toBe('scheme');
  const direct = (() => {
    try {
      webhook.parse(new URL(`webhook+ftp://h.example/in?secret=${SECRET}`));
    } catch (err) {
      return err as ChannelUrlError;
    }
    throw new Error('expected a refusal');
  })();
  expect(direct).toBeInstanceOf(ChannelUrlError);
  expect(direct.part).toBe('scheme');
  const cases: [string, string][] = [
    [`webhook+https:///in?secret=${SECRET}`, 'host'],
    ['webhook+https://h.example/in?secret=', 'query.secret'],
    [`webhook+https://h.example/in?secret=${SECRET}&secret=${SECRET}x`, 'query.secret'],
    [`webhook+https://h.example/in?secret=${SECRET}#frag`, 'fragment'],
  ];
  for (const [url, part] of cases) {
    const err = urlError(url);
    expect({ url, part: err.part }).toEqual({ url, part });
    expect(err.message).not.toContain(SECRET);
  }
});

test('deliver masks a secret the receiver echoes in a refusal', async () => {
  lb = await loopback((r) => ({ status: 400, body: `bad signature ${String(r.headers['x-hostwatch-signature'])} for secret ${SECRET}` }));
  const channel = parseChannelUrl(`webhook+${lb.base}/in?secret=${SECRET}`);
  await expect(deliver(channel, '', sampleNotice(), { timeoutMs: 5_000 })).rejects.toMatchObject({ retry: false, message: expect.stringMatching(/^webhook 127\.0\.0\.1:\d+ answered HTTP 400: bad signature sha256=[0-9a-f]{64} for secret \*\*\*$/) });
});
