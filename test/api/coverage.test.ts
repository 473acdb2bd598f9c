/**
 * The agent interval warning (issue 14 point 4): the pure decision, the coverage cache on FerretDB (lazy, read again
 * only when stale), the ingest's `Hostwatch-Warning` header against the real API on a real port (status and body
 * unchanged), and the agent logging each distinct warning once.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { runAgent } from '../../src/agent/agent.js';
import { buildApi } from '../../src/api/app.js';
import { CoverageCache, intervalWarning, type CoverageView } from '../../src/api/coverage-cache.js';
import { CoverageStore, coverageOf, type CoverageDoc } from '../../src/store/coverage-store.js';
import { freshStore } from '../support/db.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const view = (schedules: CoverageView['schedules'], graces: [string, number][] = []): CoverageView => ({ schedules, tagGraces: new Map(graces) });

test('intervalWarning: the covering schedule with the smallest first step decides; interval plus own or tag grace over half of it warns', () => {
  const all = { _id: 'hostwatch-check', firstStepMinutes: 1, tags: null };
  const prod = { _id: 'check-prod', firstStepMinutes: 10, tags: ['prod'] };
  const lab = { _id: 'check-lab', firstStepMinutes: 60, tags: ['lab'] };
  // 30 s is half of 1 min: not more than half, no warning; 31 s is.
  expect(intervalWarning({}, 30, view([all]))).toBeUndefined();
  expect(intervalWarning({}, 31, view([all]))).toBe(
    'reporting interval 31 s is more than half the first step (1 min) of schedule "hostwatch-check": its first notice for this host comes late or names a later step; report more often, lower the grace, or start that schedule\'s steps later',
  );
  // Only the schedules covering the host count.
  expect(intervalWarning({ tags: ['lab'] }, 600, view([prod, lab]))).toBeUndefined();
  expect(intervalWarning({ tags: ['lab', 'prod'] }, 600, view([prod, lab]))).toMatch(/^reporting interval 10 min is more than half the first step \(10 min\) of schedule "check-prod"/);
  expect(intervalWarning({ tags: ['eu'] }, 600, view([prod, lab]))).toBeUndefined();
  // A grace of the host's own, or of its tag, counts on top of the interval (even with no interval known).
  expect(intervalWarning({ tags: ['prod'] }, 61, view([prod], [['prod', 240]]))).toMatch(/^reporting interval 61 s plus grace 4 min \(tag prod\) is more than half the first step \(10 min\) of schedule "check-prod"/);
  expect(intervalWarning({ tags: ['prod'] }, 60, view([prod], [['prod', 240]]))).toBeUndefined();
  expect(intervalWarning({ grace: 900, tags: ['prod'] }, undefined, view([prod], [['prod', 1]]))).toMatch(/^grace 15 min \(this host's\) is more than half/);
  expect(intervalWarning({}, undefined, view([all]))).toBeUndefined();
  expect(intervalWarning({}, 3600, view([]))).toBeUndefined();
  // Header values are ASCII.
  expect(intervalWarning({}, 120, view([{ _id: 'prüf-check', firstStepMinutes: 1, tags: null }]))).toContain('schedule "pr?f-check"');
});

test('CoverageCache: the first report waits for a read; later ones use it, and read again only once it is stale', async () => {
  const { hosts, mongo } = await freshStore();
  const store = new CoverageStore(mongo.db);
  let now = 1_000_000;
  const cache = new CoverageCache({ coverage: store, tagSettings: hosts.tagSettings }, { now: () => now, refreshMs: 30_000 });
  await store.put(coverageOf('a', { steps: [5, 10], hosts: { tags: ['prod'] }, graceSeconds: 30 }, new Date()));
  expect((await cache.view()).schedules.map((s) => [s._id, s.firstStepMinutes, s.tags])).toEqual([['a', 5, ['prod']]]);
  await store.put(coverageOf('b', {}, new Date()));
  await hosts.tagSettings.setGrace('prod', 120);
  now += 29_000;
  expect((await cache.view()).schedules).toHaveLength(1);
  now += 1_000;
  await cache.view(); // starts the read; the next view has it
  await new Promise((r) => setTimeout(r, 200));
  const fresh = await cache.view();
  expect(fresh.schedules.map((s) => [s._id, s.firstStepMinutes, s.tags, (s as CoverageDoc).graceSeconds])).toEqual([
    ['a', 5, ['prod'], 30],
    ['b', 1, null, 60],
  ]);
  expect([...fresh.tagGraces]).toEqual([['prod', 120]]);
  await mongo.close();
});

test('the ingest answers 204 with a Hostwatch-Warning header when the interval is not well below the first step; the agent logs each distinct warning once', async () => {
  const { hosts, mongo } = await freshStore();
  const coverage = new CoverageStore(mongo.db);
  await coverage.put(coverageOf('hostwatch-check', { steps: [1, 10] }, new Date()));
  const cache = new CoverageCache({ coverage, tagSettings: hosts.tagSettings }, { refreshMs: 100 });
  const app = buildApi({ hosts, coverage: cache });
  await app.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(() => app.close());
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const quiet = await hosts.add('quiet-1');
  const report = (body: object) =>
    fetch(`${url}/api/v1/report`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-host-key': quiet.key, 'x-host-secret': quiet.secret }, body: JSON.stringify(body) });

  const slow = await report({ interval: 45 });
  expect(slow.status).toBe(204);
  expect(await slow.text()).toBe('');
  expect(slow.headers.get('hostwatch-warning')).toMatch(/^reporting interval 45 s is more than half the first step \(1 min\) of schedule "hostwatch-check"/);
  const fine = await report({ interval: 30 });
  expect(fine.status).toBe(204);
  expect(fine.headers.get('hostwatch-warning')).toBeNull();
  // A refused report gets no warning.
  expect((await report({ interval: 0 })).headers.get('hostwatch-warning')).toBeNull();

  // The agent: 45 s against a 1-minute first step warns; a grace on the host's tag changes the text; then a
  // schedule starting at step 10 and none at 1: no warning.
  const agentHost = await hosts.add('agent-1', { tags: ['flaky'] });
  const lines: string[] = [];
  const controller = new AbortController();
  const done = runAgent({ url, key: agentHost.key, secret: agentHost.secret, intervalMs: 45_000 / 150, signal: controller.signal, log: (l) => lines.push(l), collect: async () => ({ interval: 45 }) });
  cleanups.push(async () => {
    controller.abort();
    await done;
  });
  const until = async (what: string, ok: () => boolean) => {
    const deadline = Date.now() + 15_000;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(lines)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const warnings = () => lines.filter((l) => l.includes('warn'));
  await until('the first warning', () => warnings().length === 1);
  await hosts.tagSettings.setGrace('flaky', 300);
  await until('the changed warning', () => warnings().length === 2);
  // 45 s + 5 min is less than half of 15 min.
  await coverage.put(coverageOf('hostwatch-check', { steps: [15, 60] }, new Date()));
  await until('the warning gone', () => warnings().length === 3);
  // More reports without a warning log nothing more.
  const settled = Date.now();
  await until('a second of reports', () => Date.now() - settled > 1_000);
  expect(warnings()).toEqual([
    'hostwatch agent: warning from the server: reporting interval 45 s is more than half the first step (1 min) of schedule "hostwatch-check": its first notice for this host comes late or names a later step; report more often, lower the grace, or start that schedule\'s steps later',
    'hostwatch agent: warning from the server: reporting interval 45 s plus grace 5 min (tag flaky) is more than half the first step (1 min) of schedule "hostwatch-check": its first notice for this host comes late or names a later step; report more often, lower the grace, or start that schedule\'s steps later',
    'hostwatch agent: the server no longer warns about this agent',
  ]);
  expect(lines[0]).toMatch(/^hostwatch agent: first report accepted by /);
  await mongo.close();
}, 60_000);
