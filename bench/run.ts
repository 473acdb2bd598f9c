/**
 * `npm run bench`: hostwatch's scale benchmarks against real services. Prints tables and, unless
 * --no-write, rewrites the generated part of docs/benchmarks.md. See --help.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runFleet } from './fleet.js';
import { runIdIndex } from './id-index.js';
import { footprintRows } from './footprint.js';
import { ingestPresent, runIngest } from './lib/ingest.js';
import { runRules } from './lib/rules.js';
import { historyText, runHistoryBench } from './lib/metric-history-bench.js';
import { hostPageTable, runHostPage } from './lib/host-page.js';
import { startBenchEnv, type BenchEnv } from './lib/services.js';
import { failedOutageRow, runOutage, type OutageRow } from './outage.js';
import { environmentLines, runStamp, fleetTable, idIndexTable, footprintTable, ingestTable, outageTable, rulesTable, tableMarkdown, tableText, writeDocument, type Section, type Table } from './report.js';

const ITEMS = ['idindex', 'fleet', 'outage', 'ingest', 'footprint', 'rules', 'hostpage', 'history'] as const;
type Item = (typeof ITEMS)[number];

const USAGE = `usage: npm run bench -- [options]

  --help                 this text
  --quick                3 runs, fleets of 1,000 and 10,000, one outage of 2,000 hosts
  --only <items>         comma-separated: ${ITEMS.join(',')} (default: all)
  --runs <n>             runs per fleet size, median reported (default 5, --quick 3); also passed to ingest and rules
  --sizes <list>         fleet sizes (default 1000,10000,100000)
  --outages <list>       mass-outage sizes (default 10000,50000); footprint uses these runs
  --check-timeout <min>  give up on (terminate) one fleet check after this many minutes (default 10)
  --outage-timeout <min> give up on (terminate) one outage check after this many minutes (default 45)
  --id-index-sizes <list>  fleet sizes of the _id index comparison (default 1000,10000,50000; FerretDB only)
  --no-id-index          run FerretDB without hostwatch's _id index (the "before" figures; see docs/benchmarks.md)
  --mongo-uri <uri>      use this MongoDB server instead of starting FerretDB (databases bench_* are dropped
                         and recreated there); docs/benchmarks.md says which database was measured
  --no-write             print only; leave docs/benchmarks.md alone
`;

function list(v: string | undefined, name: string): number[] | undefined {
  if (v === undefined) return undefined;
  const out = v.split(',').map((s) => Number(s.trim().replace(/_/g, '')));
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--${name} must be comma-separated whole numbers, got "${v}"`);
  return out;
}

function positive(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${v}"`);
  return n;
}

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean' },
      quick: { type: 'boolean' },
      only: { type: 'string' },
      runs: { type: 'string' },
      sizes: { type: 'string' },
      outages: { type: 'string' },
      'check-timeout': { type: 'string' },
      'outage-timeout': { type: 'string' },
      'no-write': { type: 'boolean' },
      'mongo-uri': { type: 'string' },
      'id-index-sizes': { type: 'string' },
      'no-id-index': { type: 'boolean' },
    },
    strict: true,
  });
  const only = (values.only?.split(',').map((s) => s.trim()) ?? [...ITEMS]) as Item[];
  const unknown = only.filter((i) => !ITEMS.includes(i));
  if (unknown.length) throw new Error(`--only: unknown item ${unknown.join(', ')} (expected ${ITEMS.join(', ')})`);
  const quick = values.quick ?? false;
  return {
    help: values.help ?? false,
    only: new Set(only),
    runs: positive(values.runs, 'runs', quick ? 3 : 5),
    sizes: list(values.sizes, 'sizes') ?? (quick ? [1000, 10_000] : [1000, 10_000, 100_000]),
    outages: list(values.outages, 'outages') ?? (quick ? [2000] : [10_000, 50_000]),
    checkTimeoutMs: positive(values['check-timeout'], 'check-timeout', 10) * 60_000,
    outageTimeoutMs: positive(values['outage-timeout'], 'outage-timeout', 45) * 60_000,
    write: !(values['no-write'] ?? false),
    mongoUri: values['mongo-uri'],
    idIndexSizes: list(values['id-index-sizes'], 'id-index-sizes') ?? (quick ? [1000, 10_000] : [1000, 10_000, 50_000]),
    idIndex: !(values['no-id-index'] ?? false),
  };
}

/** Adds the machine's load around a measurement to its table: other work on a small machine inflates times. */
function noteLoad(t: Table, before: number): Table {
  const after = os.loadavg()[0]!;
  t.notes.push(runStamp(process.argv.slice(2)));
  t.notes.push(`1-minute load average before / after: ${before.toFixed(1)} / ${after.toFixed(1)} on ${os.cpus().length} cores${Math.max(before, after) > os.cpus().length ? ' (the machine was busy with other work: times are inflated)' : ''}.`);
  return t;
}

/** Seconds per id-index measurement: 10, or 5 for --quick-sized runs. */
function quickDuration(runs: number): number {
  return runs < 5 ? 5 : 10;
}

function log(line: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let opts;
  try {
    opts = options(argv);
  } catch (err) {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  const tables: Partial<Record<Section, Table>> = {};
  let env: BenchEnv | undefined;
  let failure: unknown;
  let environment: string[] = [];
  try {
    if (opts.only.has('idindex') && opts.mongoUri === undefined) {
      const load = os.loadavg()[0]!;
      const [connections, durationSec] = [16, quickDuration(opts.runs)];
      tables.idindex = noteLoad(idIndexTable(await runIdIndex(opts.idIndexSizes, { connections, durationSec, log }), connections, durationSec), load);
      console.log(tableText(tables.idindex));
    }
    env = await startBenchEnv(log, opts.mongoUri, opts.idIndex);
    environment = await environmentLines(env.mongo);
    if (opts.only.has('fleet')) {
      const load = os.loadavg()[0]!;
      tables.fleet = noteLoad(fleetTable(await runFleet(env, opts.sizes, opts.runs, opts.checkTimeoutMs)), load);
      console.log(tableText(tables.fleet));
    }
    if (opts.only.has('outage') || opts.only.has('footprint')) {
      const sizes = opts.only.has('outage') ? opts.outages : [Math.max(...opts.outages)];
      const rows: OutageRow[] = [];
      const load = os.loadavg()[0]!;
      for (const n of sizes) {
        try {
          rows.push(await runOutage(env, n, opts.outageTimeoutMs));
        } catch (err) {
          log(`outage ${n}: failed: ${err instanceof Error ? err.message : String(err)}`);
          rows.push(failedOutageRow(n, err));
        }
      }
      if (opts.only.has('outage')) {
        tables.outage = noteLoad(outageTable(rows), load);
        console.log(tableText(tables.outage));
      }
      if (opts.only.has('footprint')) {
        tables.footprint = noteLoad(footprintTable(footprintRows(rows)), load);
        console.log(tableText(tables.footprint));
      }
    }
    if (opts.only.has('ingest')) {
      if (!ingestPresent()) {
        console.log('ingest: bench/ingest.ts not present');
      } else {
        const load = os.loadavg()[0]!;
        tables.ingest = noteLoad(ingestTable(await runIngest(env.db.uri, opts.runs, log)), load);
        console.log(tableText(tables.ingest));
      }
    }
    if (opts.only.has('hostpage')) {
      const load = os.loadavg()[0]!;
      tables.hostpage = noteLoad(hostPageTable(await runHostPage(env.db.uri, opts.runs, log)), load);
      console.log(tableText(tables.hostpage));
    }
    if (opts.only.has('rules')) {
      const load = os.loadavg()[0]!;
      tables.rules = noteLoad(rulesTable(await runRules(env.db.uri, opts.runs, log)), load);
      console.log(tableText(tables.rules));
    }
    if (opts.only.has('history')) {
      // Metric history (bench/history.ts): printed only; docs/benchmarks.md's "Metric history" section is written by hand.
      const load = os.loadavg()[0]!;
      console.log(historyText(await runHistoryBench(env.db.uri, opts.runs, log)));
      console.log(`1-minute load average before / after: ${load.toFixed(1)} / ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`);
    }
  } catch (err) {
    failure = err;
  } finally {
    await env?.stop(failure !== undefined);
  }
  const measured = Object.fromEntries(Object.entries(tables).map(([k, t]) => [k, tableMarkdown(t)])) as Partial<Record<Section, string>>;
  if (opts.write && Object.keys(measured).length > 0) {
    measured.environment = ['### Machine and versions (latest run)', '', ...environment, ''].join('\n');
    log(`wrote ${writeDocument(measured)}`);
  }
  if (failure) {
    console.error('bench failed:', failure);
    process.exit(1);
  }
}

void main();
