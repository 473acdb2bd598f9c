/**
 * Item 0: FerretDB's `_id` statements with and without hostwatch's extra SQLite index
 * (scripts/lib/ferretdb-id-index.ts), measured in the same run on the same documents: for each fleet size, a
 * FerretDB started without the index, hosts seeded, `connections` driver loops of `updateOne({_id}, {$set})` for
 * `durationSec`; then the index is added and the same loops run again.
 */
import { join } from 'node:path';
import { MongoClient, type ObjectId } from 'mongodb';
import { ensureIdIndexes, idStatementPlans } from '../scripts/lib/ferretdb-id-index.js';
import { startFerretDb } from '../scripts/lib/services.js';
import { agentReport, freshDatabase, seedHosts } from './lib/seed.js';

export interface IdIndexRow {
  hosts: number;
  withoutUps: number;
  withUps: number;
  /** Updates that failed (FerretDB answers SQLITE_BUSY when writers wait longer than its 10 s busy timeout). */
  withoutErrors: number;
  withErrors: number;
  planWithout: string;
  planWith: string;
}

async function updateRate(client: MongoClient, ids: ObjectId[], connections: number, durationSec: number): Promise<{ ups: number; errors: number }> {
  const coll = client.db('bench_idindex').collection('hosts');
  let next = 0;
  let done = 0;
  let errors = 0;
  const t0 = performance.now();
  const end = t0 + durationSec * 1000;
  const lane = async () => {
    while (performance.now() < end) {
      const i = next++;
      const at = new Date();
      try {
        await coll.updateOne({ _id: ids[i % ids.length]! }, { $set: { data: agentReport(`h-${i}`, i, at), lastReportAt: at } });
        done++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, lane));
  return { ups: done / ((performance.now() - t0) / 1000), errors };
}

export async function runIdIndex(sizes: readonly number[], opts: { connections: number; durationSec: number; log(l: string): void }): Promise<IdIndexRow[]> {
  const rows: IdIndexRow[] = [];
  for (const n of sizes) {
    const ferret = await startFerretDb({ idIndex: false });
    const client = await MongoClient.connect(ferret.uri, { maxPoolSize: opts.connections + 4 });
    try {
      const db = await freshDatabase(client.db('bench_idindex'));
      await seedHosts(db, [{ prefix: 'h', count: n, lastReportAt: new Date() }]);
      const ids = (await db.collection('hosts').find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id as ObjectId);
      const file = join(ferret.dataDir, 'bench_idindex.sqlite');
      const planWithout = idStatementPlans(file, 'hosts').update;
      const without = await updateRate(client, ids, opts.connections, opts.durationSec);
      ensureIdIndexes(file);
      const planWith = idStatementPlans(file, 'hosts').update;
      const withIt = await updateRate(client, ids, opts.connections, opts.durationSec);
      opts.log(`id index, ${n} hosts: ${without.ups.toFixed(1)} updates/s without (${without.errors} failed), ${withIt.ups.toFixed(1)} with (${withIt.errors} failed)`);
      rows.push({ hosts: n, withoutUps: without.ups, withoutErrors: without.errors, withUps: withIt.ups, withErrors: withIt.errors, planWithout, planWith });
    } finally {
      await client.close();
      await ferret.stop();
    }
  }
  return rows;
}
