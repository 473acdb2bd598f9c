import { MongoClient, type Db } from 'mongodb';

export interface MongoHandle {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/**
 * Connects with short server-selection and socket timeouts, so an unreachable database fails the
 * activity quickly and Temporal's retry policy (not the driver) decides how long to keep trying.
 */
export async function connectMongo(uri: string, dbName: string): Promise<MongoHandle> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    socketTimeoutMS: 30_000,
    appName: 'hostwatch',
  });
  await client.connect();
  return { client, db: client.db(dbName), close: () => client.close() };
}
