import type { Db } from 'mongodb';
import type { Config } from '../config.js';
import { connectMongo, type MongoHandle } from '../store/mongo.js';
import { UsageError } from './parse.js';

/**
 * Opens the database for one CLI command, runs `fn` on a store over it, and closes it. Errors that are the user's
 * to fix (`isUserError`: an unknown or duplicate name, a bad URL) become usage errors (exit code 2).
 */
export async function withStore<S, T>(
  getConfig: () => Readonly<Config>,
  open: (db: Db) => S,
  isUserError: (err: unknown) => boolean,
  fn: (store: S, config: Readonly<Config>) => Promise<T>,
): Promise<T> {
  const config = getConfig();
  let mongo: MongoHandle;
  try {
    mongo = await connectMongo(config.mongo.uri, config.mongo.db);
  } catch (err) {
    // The URI is not printed: it may hold a password.
    throw new UsageError(`cannot reach MongoDB (MONGODB_URI): ${(err as Error).message}`);
  }
  try {
    return await fn(open(mongo.db), config);
  } catch (err) {
    if (isUserError(err)) throw new UsageError((err as Error).message);
    throw err;
  } finally {
    await mongo.close();
  }
}
