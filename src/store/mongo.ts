import { MongoClient, MongoServerError, type AnyBulkWriteOperation, type Collection, type Db, type Document } from 'mongodb';
import { redactUrl } from '../redact.js';

export interface MongoHandle {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/**
 * The database could not be opened. The message is the driver's, with the URI's password and query masked
 * (the driver quotes the URI in some parse errors); the driver's error is not attached, for the same reason.
 */
export class DatabaseConnectError extends Error {
  override name = 'DatabaseConnectError';
}

/**
 * Connects with short server-selection and socket timeouts, so an unreachable database fails the
 * activity quickly and Temporal's retry policy (not the driver) decides how long to keep trying.
 */
export async function connectMongo(uri: string, dbName: string): Promise<MongoHandle> {
  let client: MongoClient | undefined;
  try {
    client = new MongoClient(uri, {
      serverSelectionTimeoutMS: 5_000,
      connectTimeoutMS: 5_000,
      socketTimeoutMS: 30_000,
      appName: 'hostwatch',
    });
    await client.connect();
  } catch (err) {
    await client?.close().catch(() => undefined);
    throw new DatabaseConnectError(redactUrl(err instanceof Error ? err.message : String(err), uri));
  }
  const connected = client;
  return { client: connected, db: connected.db(dbName), close: () => connected.close() };
}

/**
 * A unique-index violation. MongoDB (and FerretDB on insert) reports code 11000; FerretDB 1.x reports one in an
 * update as an internal error (code 1) whose message names the SQLite UNIQUE constraint.
 */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && (err.code === 11000 || /UNIQUE constraint failed/.test(err.message));
}

/**
 * Operations per bulk write command. FerretDB 1.24 (SQLite) stops answering an `update` command that changes 100 or
 * more existing documents (99 pass; it then holds the database for every connection); test/store/bulk-write.test.ts
 * shows it. Larger batches are sent as several ordered commands of this size.
 */
export const MAX_BULK_OPS = 50;

/** `bulkWrite` in commands of at most {@link MAX_BULK_OPS} operations, in order. */
export async function bulkWriteInBatches<T extends Document>(collection: Collection<T>, ops: readonly AnyBulkWriteOperation<T>[], ordered = true): Promise<void> {
  for (let i = 0; i < ops.length; i += MAX_BULK_OPS) await collection.bulkWrite(ops.slice(i, i + MAX_BULK_OPS), { ordered });
}
