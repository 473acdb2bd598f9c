/**
 * apprise: against a loopback server that keeps Apprise API's documented contract (README "Persistent Storage
 * Solution" and "API Notes"): `POST /notify/{KEY}` and stateless `POST /notify`, JSON `{body (required), title,
 * type: info|success|warning|failure, format: text|markdown|html, tag}`, 200 when sent, 204 when the KEY has no
 * configuration, 424 when a notification failed or no URL matched the tag.
 */
import { afterEach, expect, test } from 'vitest';
import { APPRISE_BODY_LIMIT, apprise } from '../../src/channels/apprise.js';
import { parseChannelUrl, redactedUrl } from '../../src/channels/registry.js';
import { ChannelUrlError } from '../../src/channels/types.js';
import { assertNoSecretLeak, assertRetryTable, assertRoundTrip, loopback, sampleNotice, send, sendError, urlError, type Answer, type Loopback, type Recorded } from './support.js';

const KEY = 'hw-3f9c2a71b0';
const PASSWORD = 'nginx-pass-8Hq1';

let lb: Loopback | undefined;
afterEach(async () => {
  await lb?.close();
  lb = undefined;
});

/**
 * A small Apprise API: configurations by KEY, each a list of tags; a tag expression `a b, c` matches when every
 * tag of one comma-separated group is configured (README "Tagging"). Anything off-contract is a 400.
 */
function fakeApprise(configs: Record<string, string[]>, stateless = false) {
  return (r: Recorded): Answer => {
    const m = /^(?:\/[^/]+)*?\/notify(?:\/([A-Za-z0-9_-]{1,128}))?$/.exec(r.path);
    if (r.method !== 'POST' || !m) return { status: 404, body: 'not found' };
    if (!String(r.headers['content-type']).startsWith('application/json')) return { status: 400, body: 'Bad FORM Payload provided' };
    const p = r.json;
    if (!p || typeof p.body !== 'string' || p.body === '') return { status: 400, body: 'Payload lacks minimum requirements' };
    if (!['info', 'success', 'warning', 'failure'].includes(p.type)) return { status: 400, body: 'An invalid payload type was specified' };
    if (!['text', 'markdown', 'html'].includes(p.format)) return { status: 400, body: 'An invalid body input format was specified' };
    const key = m[1];
    if (key === undefined) {
      if (!stateless || typeof p.urls !== 'string') return { status: 400, body: 'no urls' };
      return { status: 200, body: 'Notification(s) sent.' };
    }
    const tags = configs[key];
    if (!tags) return { status: 204 };
    if (p.tag !== undefined) {
      const groups = String(p.tag).split(',').map((g) => g.trim().split(/\s+/));
      if (!groups.some((g) => g.every((t) => tags.includes(t)))) return { status: 424, body: 'One or more notification could not be sent' };
    }
    return { status: 200, body: 'Notification(s) sent.' };
  };
}

test('POST /notify/KEY with title, body, type failure and format text', async () => {
  lb = await loopback(fakeApprise({ [KEY]: ['devops'] }));
  await send(`apprise+${lb.base}/notify/${KEY}`);
  expect(lb.requests).toHaveLength(1);
  const rec = lb.requests[0]!;
  expect(rec.method).toBe('POST');
  expect(rec.path).toBe(`/notify/${KEY}`);
  expect(rec.query.toString()).toBe('');
  expect(rec.headers['content-type']).toBe('application/json');
  expect(rec.headers.accept).toBe('text/plain');
  expect(rec.headers.authorization).toBeUndefined();
  expect(rec.json).toEqual({
    title: '[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)',
    body: [
      'OFFLINE  web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
      'OFFLINE  web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00',
      'BACK     db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
      '',
      '2 hosts offline, 1 back online.',
    ].join('\n'),
    type: 'failure',
    format: 'text',
  });
});

test('type: success for recoveries only, info for a test notice', async () => {
  lb = await loopback(fakeApprise({ [KEY]: [] }));
  const url = `apprise+${lb.base}/notify/${KEY}`;
  const recovered = { ...sampleNotice(), offline: [], offlineTotal: 0 };
  await send(url, recovered);
  await send(url, sampleNotice({ test: true }));
  expect(lb.requests.map((r) => r.json.type)).toEqual(['success', 'info']);
  expect(lb.requests[0]!.json.title).toBe('[hostwatch] 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)');
  expect(lb.requests[1]!.json).toEqual({
    title: '[hostwatch] test notice at 2026-11-23 05:00 +01:00 (Europe/Berlin)',
    body: 'This is a test notice from hostwatch: this destination is set up correctly.',
    type: 'info',
    format: 'text',
  });
});

test('?tag= is passed as the tag expression; a tag nothing matches is a permanent 424', async () => {
  lb = await loopback(fakeApprise({ [KEY]: ['devops', 'oncall'] }));
  await send(`apprise+${lb.base}/notify/${KEY}?tag=devops%20oncall,admin`);
  expect(lb.requests[0]!.json.tag).toBe('devops oncall,admin');
  const err = await sendError(`apprise+${lb.base}/notify/${KEY}?tag=family`);
  expect(err.retry).toBe(false);
  expect(err.message).toMatch(/^apprise 127\.0\.0\.1:\d+ answered HTTP 424: One or more notification could not be sent$/);
});

test('204 (no configuration under the KEY) is a permanent failure: nothing was sent', async () => {
  lb = await loopback(fakeApprise({}));
  const err = await sendError(`apprise+${lb.base}/notify/${KEY}`);
  expect(err.retry).toBe(false);
  expect(err.message).toMatch(/^apprise 127\.0\.0\.1:\d+ has no configuration for this key \(HTTP 204\): nothing was sent$/);
  expect(err.message).not.toContain(KEY);
});

test('a path prefix (reverse proxy) and basic auth from userinfo', async () => {
  lb = await loopback(fakeApprise({ [KEY]: [] }));
  await send(`apprise+${lb.base.replace('http://', `http://ops:${PASSWORD}@`)}/apprise/notify/${KEY}`);
  const rec = lb.requests[0]!;
  expect(rec.path).toBe(`/apprise/notify/${KEY}`);
  expect(rec.headers.authorization).toBe(`Basic ${Buffer.from(`ops:${PASSWORD}`).toString('base64')}`);
});

test('stateless form: POST /notify with the Apprise URLs in the body', async () => {
  lb = await loopback(fakeApprise({}, true));
  const urls = 'tgram://123456:AAbot-token/987, mailto://u:p@example.com';
  await send(`apprise+${lb.base}/notify?urls=${encodeURIComponent(urls)}&tag=ops`);
  const rec = lb.requests[0]!;
  expect(rec.path).toBe('/notify');
  expect(rec.json).toMatchObject({ urls, tag: 'ops', type: 'failure', format: 'text' });
  const channel = parseChannelUrl(`apprise+${lb.base}/notify?urls=${encodeURIComponent(urls)}`);
  expect(redactedUrl(channel)).toBe(`apprise+${lb.base}/notify?urls=***`);
  expect(apprise.secrets(apprise.parse(new URL(`apprise+${lb.base}/notify?urls=${encodeURIComponent(urls)}`)))).toEqual([urls, 'tgram://123456:AAbot-token/987', 'mailto://u:p@example.com']);
});

test('5000 offline hosts: the body is cut to 32 KiB ending "... and N more"', async () => {
  lb = await loopback(fakeApprise({ [KEY]: [] }));
  await send(`apprise+${lb.base}/notify/${KEY}`, sampleNotice({ offline: 5000 }));
  const body = lb.requests[0]!.json.body as string;
  expect(APPRISE_BODY_LIMIT).toBe(32_768);
  expect(Buffer.byteLength(body)).toBeLessThanOrEqual(APPRISE_BODY_LIMIT);
  const lines = body.split('\n');
  const shown = lines.filter((l) => l.startsWith('OFFLINE  ')).length;
  expect(shown).toBeGreaterThan(100);
  expect(lines).toHaveLength(shown + 3);
  expect(lines.slice(-3)).toEqual([`... and ${5000 - shown} more`, '', '5000 hosts offline, 0 back online.']);
  expect(lines[shown - 1]).toMatch(new RegExp(`^OFFLINE  web-${shown}: `));
});

test('retry classification: 2xx accepted, 408/429/5xx retried with Retry-After, other 4xx permanent', async () => {
  lb = await loopback();
  await assertRetryTable(lb, `apprise+${lb.base}/notify/${KEY}`, { status: 200, body: 'Notification(s) sent.' });
});

test('no secret in errors or the redacted URL', async () => {
  lb = await loopback();
  await assertNoSecretLeak(lb, `apprise+${lb.base}/notify/${KEY}?tag=ops`, [KEY]);
  // Userinfo by hand: the helper re-points URLs at a closed port by replacing the base, which userinfo breaks.
  const url = `apprise+${lb.base.replace('http://', `http://ops:${PASSWORD}@`)}/notify/${KEY}`;
  expect(redactedUrl(parseChannelUrl(url))).toBe(`apprise+${lb.base.replace('http://', 'http://ops:***@')}/notify/***`);
  lb.answer = (r) => ({ status: 400, body: `Payload field mapping failed using KEY: ${KEY} ${String(r.headers.authorization)}` });
  const err = await sendError(url);
  expect(err.message).not.toContain(KEY);
  expect(err.message).not.toContain(PASSWORD);
  expect(err.message).not.toContain(Buffer.from(`ops:${PASSWORD}`).toString('base64'));
});

test('render gives the canonical long form and parses back to the same config', () => {
  const c = apprise.parse(new URL(`apprise+https://Apprise.Example:443/api/notify/${KEY}?tag=devops%20oncall,admin`));
  expect(c).toEqual({ base: 'https://apprise.example/api/', key: KEY, tag: 'devops oncall,admin' });
  expect(apprise.render(c)).toBe(`apprise+https://apprise.example/api/notify/${KEY}?tag=devops%20oncall%2Cadmin`);
  expect(apprise.render(apprise.parse(new URL('apprise+http://10.0.0.2:8000/notify/')))).toBe('apprise+http://10.0.0.2:8000/notify');
  for (const url of [
    `apprise+https://apprise.example/notify/${KEY}`,
    `apprise+http://127.0.0.1:8000/x/y/notify/${KEY}?tag=a`,
    `apprise+https://u:p%3Ass@apprise.example/notify/${KEY}`,
    'apprise+https://apprise.example/notify?urls=json%3A%2F%2Fhost%2Fpath&tag=ops',
    'apprise+https://apprise.example/notify',
  ]) {
    assertRoundTrip(url);
  }
  expect(apprise.destinations(c)).toEqual(['']);
  expect(apprise.secrets(c)).toEqual([KEY]);
});

test('URL errors name the part and never quote the key', () => {
  const cases: [string, string][] = [
    [`apprise+ftp://apprise.example/notify/${KEY}`, 'scheme'],
    [`apprise+https:///notify/${KEY}`, 'host'],
    ['apprise+https://apprise.example/', 'path'],
    [`apprise+https://apprise.example/${KEY}`, 'path'],
    [`apprise+https://apprise.example/notify/${KEY}.bad`, 'path'],
    [`apprise+https://apprise.example/notify/${'k'.repeat(129)}`, 'path'],
    [`apprise+https://apprise.example/notify/${KEY}?urls=json%3A%2F%2Fh`, 'query.urls'],
    ['apprise+https://apprise.example/notify?urls=', 'query.urls'],
    [`apprise+https://apprise.example/notify/${KEY}?tag=`, 'query.tag'],
    [`apprise+https://apprise.example/notify/${KEY}?tag=a&tag=b`, 'query.tag'],
    [`apprise+https://apprise.example/notify/${KEY}?priority=5`, 'query.priority'],
    [`apprise+https://apprise.example/notify/${KEY}#x`, 'fragment'],
  ];
  for (const [url, part] of cases) {
    const err = urlError(url);
    expect({ url, part: err.part }).toEqual({ url, part });
    expect(err.message).not.toContain(KEY);
  }
  const direct = (() => {
    try {
      apprise.parse(new URL(`apprise+ftp://apprise.example/notify/${KEY}`));
    } catch (err) {
      return err as ChannelUrlError;
    }
    throw new Error('expected a refusal');
  })();
  expect(direct.part).toBe('scheme');
});
