/**
 * Failed-authentication limits are shared by the API processes on one database (auth-limiter.ts with
 * AuthFailureStore): failures spread over two processes exhaust one limit and both answer 429. Two real
 * `src/api/server.ts` processes, then two buildApi instances on separate MongoClients with an injected clock.
 */
import { expect, test } from 'vitest';
import { freePort } from '../../scripts/lib/services.js';
import { buildApi } from '../../src/api/app.js';
import { AuthFailureLimiter } from '../../src/api/auth-limiter.js';
import { AuthFailureStore, authId } from '../../src/store/auth-failures-store.js';
import { connectMongo } from '../../src/store/mongo.js';
import { startTsProcess, untilHealthy } from '../support/cli.js';
import { freshStore } from '../support/db.js';
import { reportHeaders } from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


test('two API processes on one database: failures spread over both exhaust one limit, both answer 429, other keys and the host itself still report', async () => {
  const { mongo, hosts, dbName, uri } = await freshStore();
  const victim = await hosts.add('victim');
  const other = await hosts.add('other');
  const env = { MONGODB_URI: uri, MONGODB_DB: dbName, ADMIN_TOKEN: '', TRUST_PROXY: '127.0.0.1', AUTH_FAILURES_PER_KEY: '4', AUTH_FAILURES_PER_SOURCE: '6', AUTH_FAILURE_WINDOW: '3600' };
  // Shared windows are aligned to whole hours here: keep the whole test inside one.
  const left = 3_600_000 - (Date.now() % 3_600_000);
  if (left < 90_000) await sleep(left + 1_000);
  const ports = [await freePort(), await freePort()];
  const apis = ports.map((port) => startTsProcess(['src/api/server.ts'], { ...env, PORT: String(port) }));
  try {
    await Promise.all(apis.map((p, i) => untilHealthy(p, ports[i]!)));
    const send = (i: number, key: string, secret: string, from: string) =>
      fetch(`http://127.0.0.1:${ports[i]}/api/v1/report`, { method: 'POST', headers: { ...reportHeaders(key, secret), 'x-forwarded-for': from }, body: '{"cpu":1}' });

    // The host reports through process 0 before the attack.
    expect((await send(0, victim.key, victim.secret, '192.0.2.10')).status).toBe(204);
    // 4 wrong secrets, 2 on each process: in memory alone neither would reach the limit of 4.
    for (let i = 1; i <= 4; i++) expect((await send(i % 2, victim.key, `guess-${i}`, `203.0.113.${i}`)).status).toBe(401);
    await sleep(2_000); // more than the 1 s refresh
    for (const i of [0, 1]) {
      const r = await send(i, victim.key, victim.secret, `203.0.113.${50 + i}`); // right secret, new source
      expect(r.status, `process ${i}`).toBe(429);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(60);
    }
    // The host's own address is trusted on both (process 1 learns it from the database), and other keys are unaffected.
    expect((await send(1, victim.key, victim.secret, '192.0.2.10')).status).toBe(204);
    for (const i of [0, 1]) expect((await send(i, other.key, other.secret, `203.0.113.${60 + i}`)).status).toBe(204);

    // One source: 6 failures with made-up keys, 3 on each process; then both refuse it, even with right credentials.
    for (let i = 0; i < 6; i++) expect((await send(i % 2, `made-up-${i}`, 'x', '198.51.100.7')).status).toBe(401);
    await sleep(2_000);
    for (const i of [0, 1]) expect((await send(i, other.key, other.secret, '198.51.100.7')).status, `process ${i}`).toBe(429);
    expect((await send(1, other.key, other.secret, '198.51.100.8')).status).toBe(204);

    // Stored by hash only: no key, secret or address in the limiter's collections.
    const stored = JSON.stringify(await Promise.all(['auth_failures', 'auth_blocks', 'auth_trust'].map((c) => mongo.db.collection(c).find().toArray())));
    for (const raw of [victim.key, victim.secret, other.key, '198.51.100.7', '192.0.2.10', 'guess-1']) expect(stored).not.toContain(raw);
    expect(await mongo.db.collection('auth_blocks').countDocuments()).toBe(2);

    for (const p of apis) p.child.kill('SIGTERM');
    expect(await Promise.all(apis.map((p) => p.exited))).toEqual([0, 0]);
    for (const p of apis) expect(p.err()).toBe('');
  } finally {
    for (const p of apis) p.child.kill('SIGKILL');
    await mongo.close();
  }
}, 240_000);

test('two buildApi instances on separate clients: concurrent failures are all counted, the window ends for both, sweep deletes ended documents', async () => {
  const { mongo, hosts, dbName, uri } = await freshStore();
  const second = await connectMongo(uri, dbName);
  const T = Date.UTC(2026, 10, 23, 12, 0, 0);
  let clock = T;
  const limits = { perSource: 10, perKey: 4, windowMs: 60_000 };
  const limiters = [mongo, second].map((m) => new AuthFailureLimiter(limits, undefined, { store: new AuthFailureStore(m.db), clock: () => clock, refreshMs: 60_000 }));
  const apps = limiters.map((authLimiter) => buildApi({ hosts, authLimiter, now: () => new Date(clock), trustProxy: '127.0.0.1' }));
  try {
    await Promise.all(limiters.map((l) => l.start()));
    const host = await hosts.add('h');
    const send = (i: number, key: string, secret: string, from: string) =>
      apps[i]!.inject({ method: 'POST', url: '/api/v1/report', remoteAddress: '127.0.0.1', headers: { ...reportHeaders(key, secret), 'x-forwarded-for': from }, payload: '{}' });

    // 10 failures at once, 5 per instance, from one source: each is counted once.
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => send(i % 2, `k-${i}`, 'x', '203.0.113.9')));
    expect(burst.map((r) => r.statusCode)).toEqual(Array(10).fill(401));
    const store = new AuthFailureStore(mongo.db);
    const slots = (await store.failures.find().toArray()).map((d) => d._id).filter((id) => id.startsWith(authId('s:203.0.113.9')));
    expect(slots.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `${authId('s:203.0.113.9')}:${T}:${i + 1}`).sort());
    await Promise.all(limiters.map((l) => l.refresh()));
    clock += 20_000;
    for (const i of [0, 1]) {
      const r = await send(i, host.key, host.secret, '203.0.113.9');
      expect(r.statusCode).toBe(429);
      expect(r.headers['retry-after']).toBe('40');
    }
    clock = T + limits.windowMs; // the shared window has ended
    await Promise.all(limiters.map((l) => l.refresh()));
    for (const i of [0, 1]) expect((await send(i, host.key, host.secret, '203.0.113.9')).statusCode).toBe(204);

    // A new window after the old one ended starts again at 1.
    expect((await send(1, 'k-0', 'x', '203.0.113.9')).statusCode).toBe(401);
    expect(await store.failures.countDocuments({ _id: `${authId('s:203.0.113.9')}:${T + limits.windowMs}:1` })).toBe(1);

    expect(await store.sweep(clock + 1)).toBeGreaterThan(0); // the ended counters and block
    expect(await store.blocks.countDocuments()).toBe(0);
    expect(await store.trust.countDocuments()).toBe(1); // trusted for a day
    expect(await store.sweep(clock + 60_001)).toBeGreaterThan(0); // the new window's counters
    expect(await store.failures.countDocuments()).toBe(0);
  } finally {
    for (const l of limiters) l.stop();
    await Promise.all(apps.map((a) => a.close()));
    await second.close();
    await mongo.close();
  }
});
