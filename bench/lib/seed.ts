/** Inserts host documents (the HostDoc shape) straight into a database, in batches. */
import { randomBytes } from 'node:crypto';
import { ObjectId, type Db } from 'mongodb';
import { encodeDestKey } from '../../src/store/alert-state.js';
import { hashSecret } from '../../src/store/credentials.js';
import { HostStore, type HostDoc } from '../../src/store/hosts-store.js';
import { RECIPIENT } from './services.js';

export const SEED_BATCH = 1000;

export interface HostGroup {
  /** Names are `<prefix>-<n>`, n from 1. */
  prefix: string;
  count: number;
  lastReportAt: Date;
  /** Alert state to seed (the `alerts` field). */
  alerts?: HostDoc['alerts'];
}

/** A realistic report, shaped like the agent's (src/agent/metrics.ts `Metrics`); `i` varies the figures. */
export function agentReport(name: string, i: number, at: Date): Record<string, unknown> {
  const gib = 1024 ** 3;
  return {
    hostname: name,
    os: 'linux 6.8.0-49-generic',
    uptime: 86_400 + i * 37,
    load: [0.42, 0.35 + (i % 10) / 10, 0.3],
    cpu: (i * 7) % 100,
    memory: { total: 16 * gib, used: ((i % 12) + 2) * gib },
    disk: [{ mount: '/', total: 200 * gib, used: ((i % 150) + 20) * gib }],
    collectedAt: at.toISOString(),
  };
}

export function hostDoc(prefix: string, n: number, lastReportAt: Date, alerts?: HostDoc['alerts']): HostDoc {
  const name = `${prefix}-${n}`;
  return {
    _id: new ObjectId(),
    name,
    active: true,
    alarm: true,
    secretKey: `hwk_${randomBytes(12).toString('hex')}`,
    secretHash: hashSecret(randomBytes(24).toString('base64url')),
    data: agentReport(name, n, lastReportAt),
    lastReportAt,
    createdAt: new Date(lastReportAt.getTime() - 30 * 86_400_000),
    ...(alerts && { alerts }),
  };
}

/** Drops `dbName`, creates hostwatch's indexes and returns the database. */
export async function freshDatabase(db: Db): Promise<Db> {
  await db.dropDatabase();
  await new HostStore(db).ensureIndexes();
  return db;
}

/** Inserts every group with insertMany in batches of {@link SEED_BATCH}; returns the elapsed milliseconds. */
export async function seedHosts(db: Db, groups: readonly HostGroup[]): Promise<number> {
  const hosts = new HostStore(db).collection;
  const started = performance.now();
  for (const g of groups) {
    for (let from = 1; from <= g.count; from += SEED_BATCH) {
      const batch: HostDoc[] = [];
      for (let n = from; n < from + SEED_BATCH && n <= g.count; n++) batch.push(hostDoc(g.prefix, n, g.lastReportAt, g.alerts));
      await hosts.insertMany(batch, { ordered: false });
    }
  }
  return performance.now() - started;
}

/** `alerts` for an outage that began at `outage` and was notified of `step` to the bench's recipient. */
export function notifiedAlerts(outage: Date, step: number, notifiedAt: Date): NonNullable<HostDoc['alerts']> {
  return { [`offline_${outage.getTime()}`]: { start: outage, notifiedAt, sent: { [encodeDestKey(`mailto:${RECIPIENT}`)]: step } } };
}
