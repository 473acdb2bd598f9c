/**
 * For `npm run dev`: the demo host and the example rule a newcomer sees fire. "demo-host" reports once, with a
 * `/var` 93 % full; the rule "demo-disk" (disk above 90 %, steps 1 and 10 minutes, for demo-host only) opens an
 * instance with that report. The report states a 2-minute interval, so the host stays online (rule 9) long enough for
 * the rule's first step: a metric instance of a host that is offline is frozen (ALERTING.md "Condition"), and it would
 * otherwise go offline at the same minute. So the inbox gets `DISK  demo-host /var: 93 % (above 90 %)` about a minute
 * after the seeding and the host's OFFLINE notice about three minutes after it.
 */
import { hostname } from 'node:os';
import type { Db } from 'mongodb';
import { ruleBook } from '../../src/alerting/conditions.js';
import { describeRule, type Rule } from '../../src/rules/rule.js';
import { activeConditions } from '../../src/store/host-status.js';
import { DuplicateHostError, HostStore } from '../../src/store/hosts-store.js';
import { DuplicateRuleError, RuleStore, type RuleSpec } from '../../src/store/rules-store.js';

export const DEMO_HOST = 'demo-host';

export const DEMO_RULE: RuleSpec = { name: 'demo-disk', metric: 'disk', op: 'above', threshold: 90, steps: [1, 10], hosts: [DEMO_HOST] };

const GIB = 1024 ** 3;

/** The seeded report: what an agent on a small server would send, with `/var` at 93 %. */
export function demoReport(): Record<string, unknown> {
  return {
    interval: 120,
    hostname: hostname(),
    note: 'seeded by npm run dev',
    uptime: 3 * 86_400 + 4_000,
    load: [0.31, 0.26, 0.2],
    cpu: 7.5,
    cpus: 2,
    memory: { total: 4 * GIB, used: 1.5 * GIB },
    disk: [
      { mount: '/', total: 40 * GIB, used: 16 * GIB },
      { mount: '/var', total: 20 * GIB, used: 18.6 * GIB },
    ],
  };
}

export interface DemoSeed {
  hostAdded: boolean;
  ruleAdded: boolean;
  /** The rule as stored (a newcomer may have changed it since an earlier run: it is left as it is). */
  rule: Rule;
  /**
   * When the rule's open instance on demo-host began: the report's time on a first run, earlier when an earlier run's
   * instance goes on (it never ended: the host has not reported since); undefined if the rule does not breach.
   */
  since?: Date;
}

/**
 * Ensures demo-host and the demo-disk rule exist (either may exist from an earlier run: neither is an error) and
 * records the demo report at `at`, evaluated against every rule, as the report route does.
 */
export async function seedDemo(db: Db, at: Date): Promise<DemoSeed> {
  const hosts = new HostStore(db);
  const rules = new RuleStore(db);
  await Promise.all([hosts.ensureIndexes(), rules.ensureIndexes()]); // unique names make a second run's add an error
  let id: string;
  let hostAdded = true;
  try {
    id = (await hosts.add(DEMO_HOST)).id;
  } catch (err) {
    if (!(err instanceof DuplicateHostError)) throw err;
    id = (await hosts.byName(DEMO_HOST))._id.toHexString();
    hostAdded = false;
  }
  let ruleAdded = true;
  try {
    await rules.add(DEMO_RULE);
  } catch (err) {
    if (!(err instanceof DuplicateRuleError)) throw err;
    ruleAdded = false;
  }
  const all = await rules.all();
  await hosts.recordReport(id, demoReport(), at, all);
  const { createdAt: _c, updatedAt: _u, ...rule } = await rules.byName(DEMO_RULE.name);
  const open = activeConditions(await hosts.byName(DEMO_HOST), at.getTime(), ruleBook(all)).find((c) => c.condition === 'metric' && c.rule === rule.name);
  return { hostAdded, ruleAdded, rule, ...(open?.condition === 'metric' && { since: new Date(open.since) }) };
}

/** What the demo host and its rule will do, as the summary tells it. */
export function demoHint(demo: DemoSeed, at: Date, mailbox: string): string[] {
  const fires =
    demo.since === undefined
      ? 'does not breach on this report'
      : demo.since.getTime() === at.getTime()
        ? `alerts in the ${mailbox} 1-2 minutes from now`
        : `has held since ${demo.since.toISOString()} (an earlier run); its steps count from then`;
  return [
    `${DEMO_HOST} reported once, with /var 93 % full; silent from now on, it is alerted offline 3-4 minutes from now.`,
    `Rule "${demo.rule.name}" (${describeRule(demo.rule)}) ${fires}.`,
  ];
}
