/**
 * FerretDB 1.24 stops answering an `update` command that changes 100 or more existing documents (found seeding the
 * host-page bench: the notice log's and the outage log's buckets). Every bulk write of the stores goes through
 * bulkWriteInBatches, which sends at most MAX_BULK_OPS operations per command; this test changes 250 existing
 * documents through it, twice, and checks every change landed.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { bulkWriteInBatches, MAX_BULK_OPS, type MongoHandle } from '../../src/store/mongo.js';
import { freshStore } from '../support/db.js';

let mongo: MongoHandle;
beforeAll(async () => {
  ({ mongo } = await freshStore());
});
afterAll(async () => {
  await mongo?.db.dropDatabase();
  await mongo?.close();
});

test('250 updates of existing documents land, in commands of at most MAX_BULK_OPS', { timeout: 60_000 }, async () => {
  expect(MAX_BULK_OPS).toBeLessThan(100);
  const c = mongo.db.collection<{ _id: string; n?: number; r?: Record<string, number> }>('bulk_probe');
  const ids = Array.from({ length: 250 }, (_, i) => `d${i}`);
  await c.insertMany(ids.map((_id) => ({ _id })));
  for (const round of [1, 2]) {
    await bulkWriteInBatches(c, ids.map((_id, i) => ({ updateOne: { filter: { _id }, update: { $set: { n: round, [`r.k${round}`]: i } }, upsert: true } })));
  }
  const docs = await c.find({}).sort({ _id: 1 }).toArray();
  expect(docs).toHaveLength(250);
  for (const d of docs) expect(d).toMatchObject({ n: 2, r: { k1: Number(d._id.slice(1)), k2: Number(d._id.slice(1)) } });
});
