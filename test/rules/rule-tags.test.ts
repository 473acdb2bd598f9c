/**
 * Rules that select hosts by tag (issue 14 point 1): the pure match, at ingest through the real report route on
 * FerretDB (the host's tags come with the host the API reads to authenticate), in the check (a tag rule's instance
 * is kept for a tagged host and dropped once the host no longer carries the tag), in `hosts list`, and the CLI.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ObjectId } from 'mongodb';
import { buildApi } from '../../src/api/app.js';
import { RuleCache } from '../../src/api/rule-cache.js';
import { emptyEvaluation, evaluateHosts, ruleBook, type Destination } from '../../src/alerting/index.js';
import { appliesTo, checkRule, InvalidRuleError, type Rule } from '../../src/rules/rule.js';
import { isConditionDoc } from '../../src/store/condition-state.js';
import { activeConditions } from '../../src/store/host-status.js';
import { HostStore } from '../../src/store/hosts-store.js';
import { RuleStore } from '../../src/store/rules-store.js';
import { reportHeaders } from '../api/support.js';
import { hostwatchCli } from '../support/cli.js';
import { freshStore } from '../support/db.js';
import { diskReport } from '../support/rule-sim.js';

const T = Date.UTC(2026, 11, 1, 12, 0, 0);
const OPS: Destination = { key: 'mailto:ops@example.com', target: 'ops@example.com', kind: 'mailto', label: 'ops@example.com', fromStep: 0 };
let hosts: HostStore;
let rules: RuleStore;
let cache: RuleCache;
let app: FastifyInstance;
let env: Record<string, string>;
let close: () => Promise<void>;
let clock = T;

beforeAll(async () => {
  const fresh = await freshStore();
  hosts = fresh.hosts;
  rules = new RuleStore(fresh.mongo.db);
  await rules.ensureIndexes();
  cache = new RuleCache(rules, { refreshMs: 200 });
  await cache.start();
  app = buildApi({ hosts, rules: cache, now: () => new Date(clock), authLimits: { perSource: 10_000, perKey: 10_000, windowMs: 60_000 } });
  env = { MONGODB_URI: fresh.uri, MONGODB_DB: fresh.dbName, HOSTWATCH_TIMEZONE: 'UTC' };
  close = () => fresh.mongo.close();
});
afterAll(async () => {
  cache?.stop();
  await app?.close();
  await close?.();
});

test('appliesTo: a rule with neither hosts nor tags applies to every host; otherwise a named host or one carrying any tag', () => {
  expect(appliesTo({}, { name: 'x' })).toBe(true);
  expect(appliesTo({}, 'x')).toBe(true);
  expect(appliesTo({ tags: ['prod'] }, { name: 'web-1', tags: ['eu', 'prod'] })).toBe(true);
  expect(appliesTo({ tags: ['prod', 'lab'] }, { name: 'lab-1', tags: ['lab'] })).toBe(true);
  expect(appliesTo({ tags: ['prod'] }, { name: 'web-1', tags: ['eu'] })).toBe(false);
  expect(appliesTo({ tags: ['prod'] }, { name: 'web-1' })).toBe(false);
  expect(appliesTo({ tags: ['prod'] }, 'web-1')).toBe(false);
  expect(appliesTo({ hosts: ['db-1'], tags: ['prod'] }, { name: 'db-1' })).toBe(true);
  expect(appliesTo({ hosts: ['db-1'], tags: ['prod'] }, { name: 'web-1', tags: ['prod'] })).toBe(true);
  expect(appliesTo({ hosts: ['db-1'], tags: ['prod'] }, { name: 'web-2', tags: ['lab'] })).toBe(false);
});

test('checkRule refuses empty or malformed tags, naming the field', () => {
  const rule = (tags: string[]): Rule => ({ id: 'r', name: 'r', metric: 'cpu', op: 'above', threshold: 90, steps: [], tags });
  expect(checkRule(rule(['prod', 'zone:a'])).tags).toEqual(['prod', 'zone:a']);
  for (const tags of [[], ['Prod'], ['a b'], ['-x'], ['x'.repeat(65)]]) {
    expect(() => checkRule(rule(tags))).toThrow(InvalidRuleError);
    try {
      checkRule(rule(tags));
    } catch (err) {
      expect((err as InvalidRuleError).field).toBe('tags');
    }
  }
});

test('at ingest, in the check and in lists, a tag rule applies to the hosts carrying the tag, and follows tag and untag', async () => {
  const prodDisk = await rules.add({ name: 'prod-disk', metric: 'disk', op: 'above', threshold: 90, steps: [1], tags: ['prod'] });
  const named = await rules.add({ name: 'lab-disk', metric: 'disk', op: 'above', threshold: 90, steps: [1], hosts: ['lab-1'] });
  await cache.refresh();
  const web = await hosts.add('web-1', { tags: ['prod', 'eu'] });
  const lab = await hosts.add('lab-1', { tags: ['lab'] });
  const bare = await hosts.add('bare-1');
  const post = (h: { key: string; secret: string }, pct: number) =>
    app.inject({ method: 'POST', url: '/api/v1/report', headers: reportHeaders(h.key, h.secret), payload: JSON.stringify(diskReport({ '/': pct }, { interval: 300 })) });
  const rulesOf = async (id: string) => {
    const doc = await hosts.collection.findOne({ _id: new ObjectId(id) });
    return Object.values(doc?.alerts ?? {}).filter(isConditionDoc).map((c) => c.name).sort();
  };
  await waitFor(async () => (await rules.all()).length === 2 && cache.current().length === 2);

  clock = T;
  for (const h of [web, lab, bare]) expect((await post(h, 95)).statusCode).toBe(204);
  expect(await rulesOf(web.id)).toEqual(['prod-disk']);
  expect(await rulesOf(lab.id)).toEqual(['lab-disk']);
  expect(await rulesOf(bare.id)).toEqual([]);

  // Tagged later: the next report opens the instance (the API reads the host, tags included, for each report).
  await hosts.addTags('bare-1', ['prod']);
  clock = T + 60_000;
  expect((await post(bare, 96)).statusCode).toBe(204);
  expect(await rulesOf(bare.id)).toEqual(['prod-disk']);

  // The check sees the tags: it keeps the tag rule's instances and notifies them once due (the hosts report every
  // 5 minutes, so they are online and their instances escalate).
  const book = ruleBook(await rules.all());
  const check = async (at: number) => {
    const page = await hosts.loadCheckPage({ cutoff: at, limit: 100 });
    return { page, evaluation: evaluateHosts(page.hosts, at, { steps: [1], graceMs: 60_000 }, [OPS], emptyEvaluation(), book) };
  };
  let { page, evaluation } = await check(T + 3 * 60_000);
  expect(page.hosts.find((h) => h.name === 'web-1')!.tags).toEqual(['eu', 'prod']);
  const metricHosts = (e: typeof evaluation) => e.lines.filter((l) => l.line.kind === 'metric').map((l) => l.line.name).sort();
  expect(metricHosts(evaluation)).toEqual(['bare-1', 'lab-1', 'web-1']);
  expect(evaluation.writes.flatMap((w) => w.drop)).toEqual([]);

  // hosts list (activeConditions with the rule book) shows it for the tagged hosts.
  const known = ruleBook(await rules.all());
  const webDoc = await hosts.byName('web-1');
  expect(activeConditions(webDoc, T + 3 * 60_000, known).map((c) => c.rule)).toEqual(['prod-disk']);

  // Untagged: lists no longer show it, and the next check drops the instance without a line.
  await hosts.removeTags('web-1', ['prod']);
  const untagged = await hosts.byName('web-1');
  expect(activeConditions(untagged, T + 3 * 60_000, known)).toEqual([]);
  ({ evaluation } = await check(T + 3 * 60_000));
  expect(metricHosts(evaluation)).toEqual(['bare-1', 'lab-1']);
  const webWrite = evaluation.writes.find((w) => w.hostId === web.id)!;
  expect(webWrite.drop).toEqual([expect.stringMatching(new RegExp(`^metric_${prodDisk.id}_`))]);
  expect(named.tags).toBeUndefined();
});

test('rules add --tag, update --tag/--no-tags/--all-hosts through the CLI; a bad tag is refused naming --tag', async () => {
  const cli = (...args: string[]) => hostwatchCli(['rules', ...args], env);
  const added = await cli('add', 'prod-cpu', '--metric', 'cpu', '--above', '95', '--tag', 'Prod', '--tag', 'eu', '--host', 'db-1');
  expect(added.stderr).toBe('');
  expect(added.stdout).toBe('added rule "prod-cpu": cpu above 95 %; steps 5,60,240,1440 min; hosts db-1,tag:eu,tag:prod\n');
  expect((await rules.byName('prod-cpu')).tags).toEqual(['eu', 'prod']);

  const bad = await cli('add', 'bad-cpu', '--metric', 'cpu', '--above', '95', '--tag', 'a b');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toBe('hostwatch: --tag: invalid tag "a b": use 1 to 64 characters of letters, digits, ".", "_", "-" and ":", starting with a letter or digit\n');
  await expect(rules.byName('bad-cpu')).rejects.toThrow('no rule named "bad-cpu"');

  expect((await cli('update', 'prod-cpu', '--tag', 'lab')).stdout).toBe('updated rule "prod-cpu": cpu above 95 %; steps 5,60,240,1440 min; hosts db-1,tag:lab\n');
  expect((await cli('update', 'prod-cpu', '--no-tags')).stdout).toBe('updated rule "prod-cpu": cpu above 95 %; steps 5,60,240,1440 min; hosts db-1\n');
  expect((await rules.byName('prod-cpu')).tags).toBeUndefined();
  await cli('update', 'prod-cpu', '--tag', 'lab');
  expect((await cli('update', 'prod-cpu', '--all-hosts')).stdout).toBe('updated rule "prod-cpu": cpu above 95 %; steps 5,60,240,1440 min; every host\n');
  const json = JSON.parse((await cli('list', '--json')).stdout) as { name: string; tags: string[] | null }[];
  expect(json.find((r) => r.name === 'prod-disk')!.tags).toEqual(['prod']);
  expect(json.find((r) => r.name === 'prod-cpu')!.tags).toBeNull();
}, 120_000);

async function waitFor(ok: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
