/**
 * The `maintenance` collection (src/store/maintenance-store.ts) and the check's page (HostStore.loadCheckPage) on
 * FerretDB: the snapshot of a host named by or tagged with a window active at the check time carries it.
 */
import { beforeAll, expect, test } from 'vitest';
import { normalizeWindow } from '../../src/maintenance/windows.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import { DuplicateWindowError, UnknownWindowError } from '../../src/store/maintenance-store.js';
import { addReportedHost, freshStore } from '../support/db.js';

const at = (iso: string) => Date.parse(iso);
let hosts: HostStore;

beforeAll(async () => {
  hosts = (await freshStore()).hosts;
});

const add = async (input: Record<string, unknown>) => {
  const w = normalizeWindow({ timezone: 'UTC', ...input }, hosts.maintenance.newIds(), at('2026-01-01T00:00:00Z'));
  await hosts.maintenance.add(w);
  return w;
};

test('add, list by name, unique names, remove by name or id', async () => {
  const a = await add({ name: 'b-window', hosts: ['x'], kind: 'weekly', days: ['mon'], start: '01:00', end: '02:00', reason: 'why' });
  const b = await add({ name: 'a-window', tags: ['lab'], kind: 'cron', cron: '0 3 * * *', durationMinutes: 30 });
  expect(await hosts.maintenance.list()).toEqual([b, a]);
  await expect(add({ name: 'a-window', tags: ['lab'], kind: 'cron', cron: '0 3 * * *', durationMinutes: 30 })).rejects.toThrow(DuplicateWindowError);
  expect(await hosts.maintenance.remove(a.id)).toEqual(a);
  expect(await hosts.maintenance.remove('a-window')).toEqual(b);
  await expect(hosts.maintenance.remove('a-window')).rejects.toThrow(UnknownWindowError);
  expect(await hosts.maintenance.list()).toEqual([]);
});

test('the check page: hosts in an active window (by name or tag) carry it, the longest lasting one; none without a check time', async () => {
  const t = at('2026-06-01T10:30:00Z');
  const { id: webId } = await hosts.add('web-1', { tags: ['prod'] });
  await hosts.recordReport(webId, { hostname: 'web-1' }, new Date(t - 3_600_000));
  await addReportedHost(hosts, 'db-1', t - 3_600_000);
  await addReportedHost(hosts, 'free-1', t - 3_600_000);
  const short = await add({ name: 'short', hosts: ['web-1', 'db-1'], kind: 'once', from: '2026-06-01T10:00Z', to: '2026-06-01T11:00Z' });
  const long = await add({ name: 'long', tags: ['prod'], kind: 'once', from: '2026-06-01T10:00Z', to: '2026-06-01T12:00Z' });
  await add({ name: 'later', tags: ['prod'], kind: 'once', from: '2026-06-02T10:00Z', to: '2026-06-02T12:00Z' });

  const page = await hosts.loadCheckPage({ cutoff: t, checkTime: t, limit: 10 });
  const by = Object.fromEntries(page.hosts.map((h) => [h.name, h.maintenance]));
  expect(by).toEqual({ 'web-1': { id: long.id, name: 'long', until: at('2026-06-01T12:00:00Z') }, 'db-1': { id: short.id, name: 'short', until: at('2026-06-01T11:00:00Z') }, 'free-1': undefined });
  expect((await hosts.loadCheckPage({ cutoff: t, limit: 10 })).hosts.every((h) => h.maintenance === undefined)).toBe(true);
  const after = await hosts.loadCheckPage({ cutoff: t, checkTime: at('2026-06-01T12:00:00Z'), limit: 10 });
  expect(after.hosts.every((h) => h.maintenance === undefined)).toBe(true);
});
