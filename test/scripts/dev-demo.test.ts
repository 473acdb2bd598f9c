/**
 * What `npm run dev` seeds (scripts/lib/dev-demo.ts) on a fresh FerretDB database: demo-host, its report and the
 * demo-disk rule; a second run changes nothing but the report; and the check, run on what was stored, sends the
 * rule's first step while the host is still online, then the host's offline notice.
 */
import { expect, test } from 'vitest';
import { ruleBook } from '../../src/alerting/conditions.js';
import { DEFAULT_STEPS, evaluateHost } from '../../src/alerting/policy.js';
import type { Destination, HostSnapshot } from '../../src/alerting/types.js';
import { parseReport } from '../../src/api/validate.js';
import { RuleStore } from '../../src/store/rules-store.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import { DEMO_HOST, DEMO_RULE, demoHint, demoReport, seedDemo } from '../../scripts/lib/dev-demo.js';
import { freshStore } from '../support/db.js';

const SEC = 1_000;
const OPS: Destination = { key: 'mailto:you@example.com', target: 'you@example.com', kind: 'mailto', label: 'you@example.com', fromStep: 0 };
const POLICY = { steps: DEFAULT_STEPS, graceMs: 60 * SEC };

async function snapshot(hosts: HostStore): Promise<HostSnapshot> {
  const page = await hosts.loadCheckPage({ cutoff: Date.now() + 86_400_000, limit: 10 });
  const host = page.hosts.find((h) => h.name === DEMO_HOST);
  expect(host, 'demo-host in the check page').toBeDefined();
  return host!;
}

test('the demo report is one the API accepts', () => {
  const report = demoReport();
  expect(parseReport(JSON.stringify(report))).toEqual(report);
});

test('npm run dev seeds demo-host and the demo-disk rule, whose first step fires while the host is online; a second run adds nothing', async () => {
  const { mongo, hosts } = await freshStore();
  const rules = new RuleStore(mongo.db);
  const at = new Date(Date.UTC(2026, 10, 23, 10, 0, 0));

  const first = await seedDemo(mongo.db, at);
  expect(first).toMatchObject({ hostAdded: true, ruleAdded: true, rule: { ...DEMO_RULE, id: expect.any(String) }, since: at });
  const stored = await hosts.byName(DEMO_HOST);
  expect(stored.lastReportAt).toEqual(at);
  expect(Object.values(stored.alerts ?? {})).toMatchObject([{ condition: 'metric', name: 'demo-disk', metric: 'disk', item: '/var', value: 93, threshold: 90, start: at }]);
  expect(demoHint(first, at, 'inbox')).toEqual([
    'demo-host reported once, with /var 93 % full; silent from now on, it is alerted offline 3-4 minutes from now.',
    'Rule "demo-disk" (disk above 90 %) alerts in the inbox 1-2 minutes from now.',
  ]);

  // The check on what was stored: a minute on, the rule's step 1 and nothing else; the host states a 2-minute
  // interval, so it is online until 3 minutes; from then on it is offline, and its metric instance is frozen.
  const book = ruleBook(await rules.all());
  const host = await snapshot(hosts);
  expect(evaluateHost(host, at.getTime() + 59 * SEC, POLICY, [OPS], book).lines).toEqual([]);
  for (const seconds of [60, 179]) {
    const { lines } = evaluateHost(host, at.getTime() + seconds * SEC, POLICY, [OPS], book);
    expect(lines.map((l) => l.line)).toEqual([expect.objectContaining({ kind: 'metric', name: DEMO_HOST, rule: 'demo-disk', item: '/var', value: 93, step: 1 })]);
  }
  const later = evaluateHost(host, at.getTime() + 181 * SEC, POLICY, [OPS], book);
  expect(later.lines.map((l) => l.line.kind)).toEqual(['offline']);

  // A second `npm run dev`: the host and the rule exist (not an error, nothing added), the open instance goes on.
  const again = new Date(at.getTime() + 30 * 60 * SEC);
  const second = await seedDemo(mongo.db, again);
  expect(second).toMatchObject({ hostAdded: false, ruleAdded: false, rule: { id: first.rule.id }, since: at });
  expect(demoHint(second, again, 'inbox')[1]).toBe(`Rule "demo-disk" (disk above 90 %) has held since ${at.toISOString()} (an earlier run); its steps count from then.`);
  expect(await hosts.collection.countDocuments({ name: DEMO_HOST })).toBe(1);
  expect((await rules.list()).map((r) => r.name)).toEqual(['demo-disk']);
  expect(Object.keys((await hosts.byName(DEMO_HOST)).alerts ?? {})).toHaveLength(1);

  await mongo.db.dropDatabase();
  await mongo.close();
});

test('a newcomer\'s own changes to demo-disk are kept by the next run, and the summary says what they mean', async () => {
  const { mongo, hosts } = await freshStore();
  const rules = new RuleStore(mongo.db);
  await seedDemo(mongo.db, new Date());
  await rules.update('demo-disk', { threshold: 99 });
  const at = new Date();
  const seed = await seedDemo(mongo.db, at);
  expect(seed).toMatchObject({ ruleAdded: false, rule: { threshold: 99 } });
  // 93 % is at or below the new threshold: the report ends the instance opened at 90 %, and opens none.
  expect(seed.since).toBeUndefined();
  expect(Object.values((await hosts.byName(DEMO_HOST)).alerts ?? {})).toMatchObject([{ name: 'demo-disk', endAt: at, endValue: 93 }]);
  expect(demoHint(seed, at, 'inbox')[1]).toBe('Rule "demo-disk" (disk above 99 %) does not breach on this report.');
  await mongo.db.dropDatabase();
  await mongo.close();
});
