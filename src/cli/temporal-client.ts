/** A Temporal client for one CLI command, from TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE; closed when it is done. */
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config.js';
import { UsageError } from './parse.js';

export async function withTemporal<T>(getConfig: () => Readonly<Config>, fn: (client: Client, config: Readonly<Config>) => Promise<T>): Promise<T> {
  const config = getConfig();
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: config.temporal.address, connectTimeout: '5s' });
  } catch (err) {
    throw new UsageError(`cannot reach Temporal at ${config.temporal.address} (TEMPORAL_ADDRESS): ${(err as Error).message}`);
  }
  try {
    return await fn(new Client({ connection, namespace: config.temporal.namespace }), config);
  } finally {
    await connection.close();
  }
}
