import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { ObjectId } from 'mongodb';
import { decodeDestKey, notifiedWrite } from '../../src/store/alert-state.js';
import { HostStore } from '../../src/store/hosts-store.js';
import { connectMongo, type MongoHandle } from '../../src/store/mongo.js';

/** A fresh, uniquely named database on the suite's FerretDB, with hostwatch's indexes. */
export async function freshStore(): Promise<{ mongo: MongoHandle; hosts: HostStore; dbName: string; uri: string }> {
  const uri = inject('mongoUri');
  const dbName = `t_${randomBytes(6).toString('hex')}`;
  const mongo = await connectMongo(uri, dbName);
  const hosts = new HostStore(mongo.db);
  await hosts.ensureIndexes();
  return { mongo, hosts, dbName, uri };
}

/** Adds a host that last reported at `lastReportAt` (epoch ms); returns its id. */
export async function addReportedHost(hosts: HostStore, name: string, lastReportAt: number, opts: { alarm?: boolean; active?: boolean } = {}): Promise<string> {
  const { id } = await hosts.add(name, opts);
  await hosts.recordReport(id, { hostname: name }, new Date(lastReportAt));
  return id;
}

/** The destination key of the address most tests send to. */
export const OPS = 'mailto:ops@example.com';

/** Records that `dests` were notified of `step` for the outage that began at `outage`, at `at` (as a check would). */
export async function markNotified(hosts: HostStore, hostId: string, outage: number, step: number, at: number, dests: readonly string[] = [OPS]): Promise<void> {
  await hosts.applyHostWrites([notifiedWrite(hostId, outage, Object.fromEntries(dests.map((d) => [d, step])))], [...dests], at);
}

/** Per destination, the step notified for the host's current outage; undefined when it has none. */
export async function currentSteps(hosts: HostStore, id: string | ObjectId): Promise<Record<string, number> | undefined> {
  const doc = await hosts.collection.findOne({ _id: typeof id === 'string' ? new ObjectId(id) : id });
  if (!doc?.alerts || !doc.lastReportAt) return undefined;
  const sent = doc.alerts[`offline_${doc.lastReportAt.getTime()}`]?.sent;
  return sent && Object.fromEntries(Object.entries(sent).map(([k, v]) => [decodeDestKey(k), v]));
}
