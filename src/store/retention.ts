/**
 * Deleting what retention removes, in bounded batches (housekeeping, docs/history.md "Housekeeping and retention").
 * A batch finds up to `batch` matching `_id`s (on FerretDB 1.x any such query reads the whole collection, so one
 * query per batch) and deletes them one by one by `_id` (the only filter FerretDB serves from an index), calling
 * `onProgress` after each: an activity heartbeats with it. Deleting what is already gone changes nothing, so a
 * retried batch is harmless.
 */
import type { Collection, Document, Filter } from 'mongodb';

export interface PruneResult {
  deleted: number;
  /** More matching documents may remain (the batch limit was reached). */
  more: boolean;
}

export async function pruneBatches<T extends Document>(
  collection: Collection<T>,
  filter: Filter<T>,
  opts: { batch?: number; maxBatches?: number; onProgress?: (deleted: number) => void } = {},
): Promise<PruneResult> {
  const batch = opts.batch ?? 500;
  const maxBatches = opts.maxBatches ?? 10;
  let deleted = 0;
  for (let b = 0; b < maxBatches; b++) {
    const ids = await collection.find(filter, { projection: { _id: 1 } }).limit(batch).toArray();
    for (const { _id } of ids) {
      deleted += (await collection.deleteOne({ _id } as Filter<T>)).deletedCount;
      opts.onProgress?.(deleted);
    }
    if (ids.length < batch) return { deleted, more: false };
  }
  return { deleted, more: true };
}
