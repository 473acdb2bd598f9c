/**
 * `npm run api` as a process with LOG_FORMAT=json: start-up, every request and the stop are JSON lines; the host
 * secret, the admin and viewer tokens, any Authorization header and any cookie never appear, only `[redacted]` where they were sent.
 */
import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { freePort } from '../../scripts/lib/services.js';
import { startTsProcess, untilHealthy } from '../support/cli.js';
import { freshStore } from '../support/db.js';
import { reportHeaders, SAMPLE_REPORT } from './support.js';


test('LOG_FORMAT=json: request lines are JSON with time, level and message, and carry no credential', async () => {
  const { hosts, dbName, uri } = await freshStore();
  const { key, secret } = await hosts.add('web-1');
  const adminToken = `admin-${randomBytes(16).toString('hex')}`;
  const wrongSecret = `wrong-${randomBytes(16).toString('hex')}`;
  const viewerToken = `viewer-${randomBytes(16).toString('hex')}`;
  const port = await freePort();
  const api = startTsProcess(['src/api/server.ts'], { PORT: String(port), MONGODB_URI: uri, MONGODB_DB: dbName, ADMIN_TOKEN: adminToken, VIEWER_TOKEN: viewerToken, LOG_FORMAT: 'json' });
  try {
    await untilHealthy(api, port);
    const base = `http://127.0.0.1:${port}`;
    const body = JSON.stringify(SAMPLE_REPORT);
    expect((await fetch(`${base}/api/v1/report`, { method: 'POST', headers: reportHeaders(key, secret), body })).status).toBe(204);
    expect((await fetch(`${base}/api/v1/report`, { method: 'POST', headers: reportHeaders(key, wrongSecret), body })).status).toBe(401);
    expect((await fetch(`${base}/api/v1/hosts`, { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(200);
    expect((await fetch(`${base}/api/v1/hosts`, { headers: { authorization: `Bearer ${wrongSecret}` } })).status).toBe(401);
    const login = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${viewerToken}` });
    expect(login.status).toBe(303);
    expect((await fetch(`${base}/api/v1/status`, { headers: { cookie: `hostwatch_view=${viewerToken}` } })).status).toBe(200);

    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(api.err()).toBe('');
    const raw = api.out();
    for (const credential of [secret, wrongSecret, adminToken, viewerToken]) expect(raw).not.toContain(credential);

    const lines = raw
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown> & { time: string; level: string; message: string });
    for (const l of lines) {
      expect(new Date(l.time).toISOString(), JSON.stringify(l)).toBe(l.time);
      expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).toContain(l.level);
      expect(typeof l.message).toBe('string');
    }
    expect(lines.map((l) => l.message)).toEqual(expect.arrayContaining([`hostwatch api listening on http://localhost:${port} (all interfaces); status page private (viewer or admin token)`, 'hostwatch api: SIGTERM, stopping']));

    // fastify logs each request twice: "incoming request" with the request, "request completed" with the status.
    type Req = { method: string; url: string; headers: Record<string, string> };
    const incoming = lines.filter((l) => l.message === 'incoming request').map((l) => l.req as Req);
    const completed = lines.filter((l) => l.message === 'request completed').map((l) => (l.res as { statusCode: number }).statusCode);
    const reports = incoming.filter((r) => r.url === '/api/v1/report');
    expect(reports).toHaveLength(2);
    for (const r of reports) {
      expect(r).toMatchObject({ method: 'POST', headers: { 'x-host-key': key, 'x-host-secret': '[redacted]', 'content-type': 'application/json' } });
    }
    const admin = incoming.filter((r) => r.url === '/api/v1/hosts');
    expect(admin).toHaveLength(2);
    for (const r of admin) expect(r.headers.authorization).toBe('[redacted]');
    expect(incoming.find((r) => r.url === '/api/v1/status')?.headers.cookie).toBe('[redacted]');
    expect(completed).toEqual(expect.arrayContaining([204, 401, 200, 401]));
  } finally {
    api.child.kill('SIGKILL');
  }
});

test('text mode (the default): the readable start-up and stop lines only, no request log', async () => {
  const { dbName, uri } = await freshStore();
  const port = await freePort();
  const api = startTsProcess(['src/api/server.ts'], { PORT: String(port), MONGODB_URI: uri, MONGODB_DB: dbName, ADMIN_TOKEN: '', LOG_FORMAT: '' });
  try {
    await untilHealthy(api, port);
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(api.out()).toBe(
      `hostwatch api listening on http://localhost:${port} (all interfaces); ADMIN_TOKEN unset, /api/v1/hosts refuses every request; status page private and VIEWER_TOKEN unset: nobody can read it\nhostwatch api: SIGTERM, stopping\n`,
    );
  } finally {
    api.child.kill('SIGKILL');
  }
});
