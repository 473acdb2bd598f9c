/**
 * Ingest throughput with metric rules (issue 12, item 5): POST /api/v1/report through the real API process with
 * the ten rules of bench/lib/rules.ts in the `rules` collection, against the same API with none, in the same run.
 *
 *   tsx bench/rules.ts [--json] [--mongo-uri URI] [--hosts N] [--duration S] [--connections 64] [--runs R]
 *
 * Without --mongo-uri a FerretDB is started in a temporary directory. N hosts are registered through
 * HostStore.add. Each run has two halves, "none" and "rules", in alternating order from run to run so drift hits
 * both. A half: the hosts' rule state is removed (one `$unset` by `_id` per host), the `rules` collection emptied
 * or filled through RuleStore.add, and a fresh API process started (`node --import tsx src/api/server.ts`, whose
 * RuleCache reads the rules at start); every host reports once (with the rules this opens their instances), a
 * 2 s warm-up, a check of a few host documents (instances present with the rules, absent without), then
 * autocannon with C connections for S seconds, each request for the next host in turn and each host's four
 * report bodies in turn. Every figure is the median of R runs. Progress and (with --json) the table go to
 * stderr; stdout gets the table, or with --json exactly one JSON line.
 */
import type { ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { Db } from 'mongodb';
import { freePort, stopChild } from '../scripts/lib/services.js';
import { describeRule } from '../src/rules/rule.js';
import { isConditionDoc } from '../src/store/condition-state.js';
import { HostStore } from '../src/store/hosts-store.js';
import { RuleStore, type RuleSpec } from '../src/store/rules-store.js';
import { apiRun, drainApi, registerHosts, reportEveryHost, sleep, startApi, SETTLE_MS, type ApiSample, type BenchHost, benchDatabase, cleanUpOnSignal, type Cleanup } from './lib/api-process.js';
import { ALWAYS_BREACHING, BENCH_RULES, TYPICAL_RULES, breachingShare, evaluationMicros, halfOrder, ruleBenchReports, rulesRow, type RulesResult } from './lib/rules.js';
import { rulesTable, tableText } from './report.js';
import { log, scriptArgs } from './lib/script-args.js';

const HELP = `usage: tsx bench/rules.ts [options]

  --json                one JSON line on stdout (the table goes to stderr)
  --mongo-uri URI       use this database server instead of starting a FerretDB
  --hosts N             hosts registered and reported for (default 1000)
  --duration S          seconds per measurement (default 10)
  --connections LIST    concurrent clients, comma-separated (default 64, the ingest goal's)
  --runs R              runs (each: one half without rules, one with); each figure is the median (default 3)
  --typical             the rules without the one every report breaches (about one host in ten carries an
                        instance) instead of the worst case (every host does)
  --help                this text
`;

type Half = 'none' | 'rules';

const { positiveInt } = scriptArgs('bench/rules', HELP);

/** Removes what reports and rules left in the host documents, so each half starts from the same documents. */
async function resetHosts(db: Db, hosts: readonly BenchHost[]): Promise<void> {
  const coll = db.collection('hosts');
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < hosts.length; i = next++) await coll.updateOne({ _id: hosts[i]!._id }, { $unset: { alerts: '', lastUptime: '', back: '' } });
  };
  await Promise.all(Array.from({ length: 8 }, lane));
}

/** Empties the `rules` collection and, for the "rules" half, adds `rules` through the store. */
async function setRules(store: RuleStore, half: Half, rules: readonly RuleSpec[]): Promise<void> {
  await store.collection.deleteMany({});
  if (half === 'rules') for (const spec of rules) await store.add(spec);
}

/** Throws unless the first hosts carry an open ALWAYS_BREACHING instance with the rules, and no instance without. */
async function checkHosts(db: Db, hosts: readonly BenchHost[], half: Half, typical: boolean): Promise<void> {
  if (typical) {
    // about one host in ten breaches: some host must carry an instance with the rules, none without
    const any = await db.collection('hosts').countDocuments({ alerts: { $exists: true } });
    if ((half === 'rules') !== any > 0) throw new Error(`${half === 'rules' ? 'with' : 'without'} the rules, ${any} hosts carry rule instances`);
    return;
  }
  for (const h of hosts.slice(0, 3)) {
    const doc = await db.collection('hosts').findOne({ _id: h._id }, { projection: { alerts: 1 } });
    const instances = Object.values((doc?.alerts ?? {}) as Record<string, unknown>).filter(isConditionDoc);
    const open = instances.some((i) => i.name === ALWAYS_BREACHING && i.endAt === undefined);
    if (half === 'rules' && !open) throw new Error(`with the rules, host ${h._id.toHexString()} has no open "${ALWAYS_BREACHING}" instance: the API did not evaluate them`);
    if (half === 'none' && instances.length > 0) throw new Error(`without rules, host ${h._id.toHexString()} has ${instances.length} rule instances`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      'mongo-uri': { type: 'string' },
      hosts: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      runs: { type: 'string' },
      typical: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const nHosts = positiveInt(values.hosts, '--hosts', 1000);
  const durationSec = positiveInt(values.duration, '--duration', 10);
  const runs = positiveInt(values.runs, '--runs', 3);
  const RULES = values.typical ? TYPICAL_RULES : BENCH_RULES;
  const connectionCounts = (values.connections ?? '64').split(',').map((c) => positiveInt(c.trim(), '--connections', 1));

  const cleanup: Cleanup = [];
  cleanUpOnSignal('bench/rules', cleanup, log);
  try {
    const { uri, dbName, client } = await benchDatabase('rules', { ...(values['mongo-uri'] !== undefined && { mongoUri: values['mongo-uri'] }), maxPoolSize: 32, cleanup, log });
    const db = client.db(dbName);
    const store = new HostStore(db);
    await store.ensureIndexes();
    const ruleStore = new RuleStore(db);
    await ruleStore.ensureIndexes();
    const t0 = performance.now();
    const reports: Record<string, unknown>[][] = [];
    const hosts = await registerHosts(store, nHosts, (name, i) => (reports[i] = ruleBenchReports(name, i, new Date())));
    log(`registered ${nHosts} hosts in ${((performance.now() - t0) / 1000).toFixed(1)} s (database ${dbName})`);
    const breaching = Object.fromEntries(breachingShare(RULES, reports));
    const evaluationUs = Math.round(evaluationMicros(RULES, reports) * 100) / 100;
    log(`rule evaluation alone: ${evaluationUs} µs per report`);

    const port = await freePort();
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, MONGODB_URI: uri, MONGODB_DB: dbName, PORT: String(port), LOG_FORMAT: 'text' };
    let api: ChildProcess | undefined;
    cleanup.unshift(async () => {
      if (api) await stopChild(api);
    });

    const samples = new Map(connectionCounts.map((c) => [c, { none: [] as ApiSample[], rules: [] as ApiSample[] }]));
    for (let r = 0; r < runs; r++) {
      for (const half of halfOrder(r)) {
        await resetHosts(db, hosts);
        await setRules(ruleStore, half, RULES);
        api = await startApi(env, port);
        await reportEveryHost(port, hosts, Math.min(16, nHosts));
        await apiRun(port, hosts, Math.min(16, nHosts), 2);
        await drainApi(port, hosts[0]!);
        await checkHosts(db, hosts, half, values.typical === true);
        await sleep(SETTLE_MS);
        for (const c of connectionCounts) {
          const a = await apiRun(port, hosts, c, durationSec);
          await drainApi(port, hosts[0]!);
          samples.get(c)![half].push(a);
          log(`run ${r + 1}/${runs}, ${half === 'none' ? 'no rules' : `${RULES.length} rules`}, ${c} connections: ${a.rps.toFixed(1)} reports/s, p50 ${a.p50Ms} ms, p99 ${a.p99Ms} ms, non-2xx ${a.non2xx}${a.non2xx > 0 ? ` (${a.detail})` : ''}`);
          await sleep(SETTLE_MS);
        }
        await stopChild(api);
        api = undefined;
      }
    }
    const result: RulesResult = {
      rows: connectionCounts.map((c) => rulesRow(c, samples.get(c)!.none, samples.get(c)!.rules)),
      hosts: nHosts,
      durationSec,
      runs,
      rules: RULES.map((s) => `${s.name}: ${describeRule(s)}`),
      breaching,
      evaluationUs,
    };
    const text = tableText(rulesTable(result));
    if (values.json) {
      log(text);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      process.stdout.write(`${text}\n`);
    }
    if (result.rows.some((row) => row.non2xx > 0)) {
      log(`non-2xx answers at ${result.rows.filter((row) => row.non2xx > 0).map((row) => row.connections).join(', ')} connections`);
      process.exitCode = 1;
    }
  } finally {
    for (const c of cleanup.splice(0)) await c().catch((err) => log(`cleanup: ${err instanceof Error ? err.message : String(err)}`));
  }
}

main().catch((err) => {
  log(`bench/rules: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
