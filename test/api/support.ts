import { BSON } from 'mongodb';
import type { HostStore } from '../../src/store/hosts-store.js';

/** Every host document, sorted by _id, as canonical EJSON text: equal strings mean byte-for-byte equal state. */
export async function snapshot(hosts: HostStore, filter: Record<string, unknown> = {}): Promise<string> {
  const docs = await hosts.collection.find(filter).sort({ _id: 1 }).toArray();
  return BSON.EJSON.stringify(docs, { relaxed: false });
}

export const JSON_HEADERS = { 'content-type': 'application/json' } as const;

export function reportHeaders(key: string, secret: string): Record<string, string> {
  return { ...JSON_HEADERS, 'x-host-key': key, 'x-host-secret': secret };
}

export const SAMPLE_REPORT = {
  hostname: 'web-1',
  os: 'Debian 12',
  uptime: 86_400 * 3 + 3_600,
  load: [0.42, 0.35, 0.3],
  cpu: 12.5,
  memory: { total: 8 * 1024 ** 3, used: 3 * 1024 ** 3 },
  disk: [
    { mount: '/', total: 100 * 1024 ** 3, used: 40 * 1024 ** 3 },
    { mount: '/var', total: 50 * 1024 ** 3, used: 10 * 1024 ** 3 },
  ],
  extra: { anything: ['goes', 1, null, true] },
};
