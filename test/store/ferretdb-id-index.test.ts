import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, expect, test } from 'vitest';
import { ensureIdIndexes, idIndexName, idStatementPlans } from '../../scripts/lib/ferretdb-id-index.js';
import { startFerretDb } from '../../scripts/lib/services.js';
import { HostStore } from '../../src/store/hosts-store.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

// Its own FerretDB (not the suite's), so it can be restarted on the same files.
const dataDir = mkdtempSync(join(tmpdir(), 'hostwatch-idindex-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const DB = 'idx';
const file = join(dataDir, `${DB}.sqlite`);

async function withFerret<T>(idIndex: boolean, fn: (client: MongoClient) => Promise<T>): Promise<T> {
  const ferret = await startFerretDb({ dataDir, idIndex });
  const client = await MongoClient.connect(ferret.uri);
  try {
    return await fn(client);
  } finally {
    await client.close();
    await ferret.stop();
  }
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within 10 s: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const indexed = () => {
  const plans = idStatementPlans(file, 'hosts');
  return plans.find.includes('USING INDEX hostwatch_id_') && plans.update.includes('USING INDEX hostwatch_id_');
};

test("FerretDB's own _id statements search the extra index after a start, a restart and a re-created collection", async () => {
  // Without the index (as FerretDB leaves it), both statements scan the table.
  const before = await withFerret(false, async (client) => {
    await new HostStore(client.db(DB)).ensureIndexes();
    const plans = idStatementPlans(file, 'hosts');
    const coll = client.db(DB).collection('hosts');
    return { plans, indexes: await coll.indexes(), stats: await client.db(DB).command({ collStats: 'hosts' }) };
  });
  expect(before.plans.find).toMatch(/^SCAN/);
  expect(before.plans.update).toMatch(/^SCAN/);

  await withFerret(true, async (client) => {
    await eventually(indexed, 'index after start');
    const coll = client.db(DB).collection('hosts');
    // FerretDB's view of its indexes is unchanged: same list, same per-index sizes reported.
    expect(await coll.indexes()).toEqual(before.indexes);
    const stats = await client.db(DB).command({ collStats: 'hosts' });
    expect(Object.keys(stats.indexSizes).sort()).toEqual(Object.keys(before.stats.indexSizes).sort());
    expect(stats.nindexes).toBe(before.stats.nindexes);
    // Reads and writes by _id still work through FerretDB.
    const store = new HostStore(client.db(DB));
    const { id } = await store.add('web-1');
    expect(await store.recordReport(id, { hostname: 'web-1' }, new Date())).toBe(true);
    expect((await store.byName('web-1')).data).toEqual({ hostname: 'web-1' });
  });

  await withFerret(true, async (client) => {
    await eventually(indexed, 'index after restart');
    await client.db(DB).collection('hosts').drop();
    await new HostStore(client.db(DB)).ensureIndexes();
    await eventually(indexed, 'index on the re-created collection');
    const store = new HostStore(client.db(DB));
    await store.add('web-2');
    expect((await store.list()).map((h) => h.name)).toEqual(['web-2']);
  });
});

test('ensureIdIndexes is idempotent and names the tables it indexed', async () => {
  await withFerret(false, async (client) => {
    await client.db(DB).collection('other').insertOne({ a: 1 });
    const first = ensureIdIndexes(file, ['other']);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatch(/^other/);
    expect(ensureIdIndexes(file, ['other'])).toEqual([]);
    expect(idStatementPlans(file, 'other').find).toContain(`USING INDEX ${idIndexName(first[0]!)}`);
  });
});
