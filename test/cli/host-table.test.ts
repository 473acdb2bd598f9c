/** The `hosts list` table's STATE counts a host's own or tag grace, as `--json` and the check do (pure). */
import { ObjectId } from 'mongodb';
import { expect, test } from 'vitest';
import { formatHostTable } from '../../src/cli/hosts.js';
import type { HostView } from '../../src/store/hosts-store.js';

const T = Date.UTC(2026, 11, 1, 12, 0, 0);
const host = (name: string, extra: Partial<HostView> = {}): HostView =>
  ({ _id: new ObjectId(), name, active: true, alarm: true, secretKey: 'k', data: { hostname: name }, lastReportAt: new Date(T - 5 * 60_000), createdAt: new Date(T - 86_400_000), ...extra }) as HostView;

test('STATE: silent 5 minutes, offline without a grace, online within its own or its tag grace', () => {
  const table = formatHostTable([host('plain'), host('own', { grace: 600 }), host('tagged', { tags: ['flaky'] })], T, 'UTC', undefined, new Map([['flaky', 1200]]));
  const states = Object.fromEntries(table.split('\n').slice(1).map((row) => row.split(/\s{2,}/).slice(0, 2)));
  expect(states).toEqual({ plain: 'offline', own: 'online', tagged: 'online' });
});
