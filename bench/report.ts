/** Tables for the terminal and the generated part of docs/benchmarks.md. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { MongoClient } from 'mongodb';
import { BIN_DIR } from '../scripts/lib/services.js';
import { redactUrlPasswords } from '../src/redact.js';
import { FLEET_STEPS, type FleetResult } from './fleet.js';
import type { FootprintRow } from './footprint.js';
import type { IdIndexRow } from './id-index.js';
import type { IngestResult } from './lib/ingest.js';
import { ALWAYS_BREACHING, REPORT_VARIANTS, rulesGoalMet, type RulesResult } from './lib/rules.js';
import { REPO_ROOT } from './lib/services.js';
import { formatBytes, formatCount, formatMs, markdownTable, metOrMissed, ratio, textTable } from './lib/stats.js';
import { HISTORY_LIMIT, PAYLOAD_LIMIT, type OutageRow } from './outage.js';

export const DOC_PATH = join(REPO_ROOT, 'docs', 'benchmarks.md');
export const SECTIONS = ['environment', 'idindex', 'fleet', 'outage', 'ingest', 'footprint', 'rules', 'hostpage'] as const;
export type Section = (typeof SECTIONS)[number];

export interface Table {
  title: string;
  goal: string;
  header: string[];
  rows: string[][];
  /** Lines under the table (goal verdict, sources, problems). */
  notes: string[];
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

function safe(fn: () => string): string {
  try {
    return fn();
  } catch (err) {
    return `unknown (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
}

export async function environmentLines(mongo: MongoClient): Promise<string[]> {
  const cpu = os.cpus();
  const osName = safe(() => /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os.type());
  const build = (await mongo.db('admin').command({ buildInfo: 1 }).catch(() => ({}))) as Record<string, unknown>;
  const pkg = (name: string) => safe(() => String(readJson(join(REPO_ROOT, 'node_modules', name, 'package.json')).version));
  const temporalVersion = safe(() => execFileSync(join(BIN_DIR, 'temporal'), ['--version'], { encoding: 'utf8' }).trim());
  return [
    `- Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, ${osName} (kernel ${os.release()})`,
    `- Node ${process.version}; ${temporalVersion}; ${
      build.ferretdbVersion === undefined
        ? `MongoDB ${String(build.version ?? '?')}`
        : `FerretDB ${String(build.ferretdbVersion)} (SQLite backend, reports MongoDB ${String(build.version ?? '?')})`
    }`,
    `- npm packages: mongodb ${pkg('mongodb')}, @temporalio/client ${pkg('@temporalio/client')}, @temporalio/worker ${pkg('@temporalio/worker')}, @temporalio/workflow ${pkg('@temporalio/workflow')}`,
  ];
}

/** Date, hostwatch commit and command of a measurement: each section says when and how it was measured. */
export function runStamp(argv: readonly string[]): string {
  const commit = safe(() => execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim());
  const dirty = safe(() => (execFileSync('git', ['status', '--porcelain', '--', 'src', 'bench'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim() ? ' with uncommitted changes' : ''));
  // A --mongo-uri may carry a password: the command is written into docs/benchmarks.md without it.
  const command = redactUrlPasswords(argv.join(' '));
  return `Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, hostwatch commit ${commit}${dirty}, \`npm run bench${argv.length ? ` -- ${command}` : ''}\`.`;
}

export function idIndexTable(rows: readonly IdIndexRow[], connections: number, durationSec: number): Table {
  return {
    title: "0. FerretDB's `_id` statements, without and with the extra index",
    goal: 'Goal: at least 500 `updateOne({_id})` per second at 10,000 and 50,000 hosts, not falling with fleet size.',
    header: ['hosts', 'updates/s without', 'failed without', 'updates/s with', 'failed with', 'speed-up', 'UPDATE plan without', 'UPDATE plan with', 'goal'],
    rows: rows.map((r) => [formatCount(r.hosts), r.withoutUps.toFixed(1), String(r.withoutErrors), r.withUps.toFixed(0), String(r.withErrors), `${ratio(r.withUps, r.withoutUps) ?? '?'}×`, `\`${r.planWithout}\``, `\`${r.planWith}\``, r.hosts < 10_000 ? '-' : metOrMissed(r.withUps >= 500 && r.withErrors === 0)]),
    notes: [
      `Same run, same documents: a FerretDB started without the index, hosts seeded, ${connections} driver loops of \`updateOne({_id}, {$set: {data, lastReportAt}})\` for ${durationSec} s; then the index is added (scripts/lib/ferretdb-id-index.ts) and the loops run again. A failed update is SQLITE_BUSY (FerretDB's 10 s busy timeout ran out while the other writers scanned); failures are not in the rate. Plans are SQLite's \`EXPLAIN QUERY PLAN\` of FerretDB's own update statement.`,
    ],
  };
}

export function fleetTable(r: FleetResult): Table {
  const rows = r.rows.map((x) => [
    formatCount(x.size),
    formatCount(x.offline),
    x.runsMs.length ? formatMs(x.medianMs) : 'no run completed',
    x.runsMs.map((m) => formatMs(m)).join(', '),
    String(x.pageQueries),
    formatCount(x.docsReturned),
    Number.isNaN(x.docsRead) ? '?' : formatCount(x.docsRead),
  ]);
  const sorted = [...r.rows].filter((x) => x.runsMs.length > 0).sort((a, b) => a.size - b.size);
  const small = sorted[0];
  const large = sorted.at(-1);
  const notes: string[] = [];
  if (small && large && small !== large) {
    const q = ratio(large.medianMs, small.medianMs);
    const few = large.runsMs.length < 3 ? ` (only ${large.runsMs.length} run${large.runsMs.length === 1 ? '' : 's'} of the largest fleet completed)` : '';
    notes.push(
      `Ratio ${formatCount(large.size)} / ${formatCount(small.size)} hosts (medians of the same run): **${q ?? '?'}×** → goal ≤ 2×: **${metOrMissed(q === undefined ? undefined : q <= 2)}**` +
        few +
        (large.size !== 100_000 || small.size !== 1000 ? ' (the goal names 100,000 vs 1,000 hosts; these sizes differ)' : ''),
    );
  } else notes.push('Ratio: needs two fleet sizes → goal not measured.');
  notes.push(
    `Steady state: online hosts reported 10 s before the runs, offline hosts 90 min before and are already notified at step 60; the schedule's steps are ${JSON.stringify(FLEET_STEPS)} so the online hosts stay online for the whole measurement without rewriting them (refreshing 990 hosts with updateMany took 12-15 s on FerretDB). Every check finds the offline hosts and sends nothing; its \`hostsOffline\` is checked against the seeded count.`,
  );
  const sources = [...new Set(r.rows.map((x) => x.docsReadSource))];
  notes.push(`Documents returned: sum of \`hosts.length\` of the page activity results in the check's history (parent and child runs). Documents read: per page query, ${sources.join('; ')}.`);
  for (const x of r.rows) {
    notes.push(`${formatCount(x.size)} hosts: seeded (insertMany, batches of 1,000) in ${formatMs(x.seedMs)}.`);
    for (const p of x.problems) notes.push(`**Problem** at ${formatCount(x.size)} hosts: ${p}`);
  }
  return {
    title: '1. Check cost vs fleet size',
    goal: 'Goal: a check over 100,000 hosts costs no more than twice one over 1,000 hosts (1 % offline, steady state: already notified, nothing sent).',
    header: ['hosts', 'offline', 'trigger → close (median)', 'runs', 'page queries / check', 'hosts returned / check', 'documents read / check'],
    rows,
    notes,
  };
}

export function outageTable(rows: readonly OutageRow[]): Table {
  const notes: string[] = [];
  const table = rows.map((o) => {
    const payloadOk = o.largestPayloadBytes <= PAYLOAD_LIMIT;
    const historyOk = o.largestHistoryBytes <= HISTORY_LIMIT;
    const stateOk = o.recordedStep1 === o.silent && o.withAlertState === o.silent;
    const digestOk = o.digest.digests === 1 && o.digest.subjectOk && o.digest.textOk;
    const met = o.status === 'completed' && payloadOk && historyOk && stateOk && digestOk;
    notes.push(
      `${formatCount(o.silent)} silent: status ${o.status}${o.error ? ` (${o.error})` : ''}; subject "${o.digest.subject}"; ` +
        `largest payload in ${o.largestPayloadAt}; history size from ${o.historySource}; seeded in ${formatMs(o.seedMs)}.`,
    );
    return [
      `${formatCount(o.silent)} (+${o.online} online)`,
      o.elapsedMs !== undefined ? formatMs(o.elapsedMs) : '-',
      `${o.runs} (${o.children} children)`,
      `${o.digest.digests}${digestOk ? ' ok' : ' WRONG'}`,
      `${o.digest.listed} listed + ${o.digest.more ?? 0} more`,
      `${formatCount(o.recordedStep1)} / ${formatCount(o.silent)}${o.withAlertState !== o.silent ? ` (${formatCount(o.withAlertState)} with state)` : ''}`,
      `${formatBytes(o.largestPayloadBytes)}${payloadOk ? '' : ' > 512 KiB'}`,
      `${formatBytes(o.largestHistoryBytes)}, ${formatCount(o.largestHistoryEvents)} events${historyOk ? '' : ' > 4 MiB'}`,
      metOrMissed(met),
    ];
  });
  return {
    title: '2. Mass outage',
    goal: 'Goal: one check sends one digest (at most 200 lines, exact counts), records step 1 for every silent host, no payload above 512 KiB and no run history above 4 MiB.',
    header: ['silent hosts', 'trigger → close', 'workflow runs', 'digests', 'digest lines', 'hosts at step 1', 'largest payload', 'largest history (one run)', 'goal'],
    rows: table,
    notes,
  };
}

export function ingestTable(r: IngestResult | { missing: string }): Table {
  const base = {
    title: '3. Ingest throughput',
    goal: 'Goal: the API reaches at least 60 % of the raw database update rate for the same documents; at 64 connections at least 500 reports/s with p99 under 500 ms.',
    header: ['connections', 'API reports/s', 'p50', 'p99', 'non-2xx', 'raw updates/s', 'API / raw', 'goal'],
  };
  if ('missing' in r) return { ...base, rows: [], notes: [r.missing] };
  return {
    ...base,
    rows: r.rows.map((x) => [String(x.connections), x.apiRps.toFixed(0), `${x.p50Ms} ms`, `${x.p99Ms} ms`, String(x.non2xx), x.rawUps.toFixed(0), x.ratio.toFixed(2), metOrMissed(x.ratio >= 0.6 && x.non2xx === 0 && (x.connections < 64 || (x.apiRps >= 500 && x.p99Ms < 500)))]),
    notes: [`${formatCount(r.hosts)} hosts, ${r.durationSec} s per measurement, median of ${r.runs} runs (bench/ingest.ts).`],
  };
}

const percent = (x: number) => `${Math.round(x * 100)} %`;

export function rulesTable(r: RulesResult): Table {
  const share = Object.entries(r.breaching)
    .map(([name, s]) => `${name} ${percent(s)}`)
    .join(', ');
  return {
    title: '5. Ingest with metric rules',
    goal: 'Goal (issue 12): with 10 metric rules in the `rules` collection the API ingests at least 90 % of the reports per second it ingests with none, same run, no failed report.',
    header: ['connections', 'reports/s, no rules', 'reports/s, 10 rules', 'p50 none / rules', 'p99 none / rules', 'non-2xx', 'rules / none', 'per run', 'goal'],
    rows: r.rows.map((x) => [
      String(x.connections),
      x.noneRps.toFixed(0),
      x.rulesRps.toFixed(0),
      `${x.noneP50Ms} / ${x.rulesP50Ms} ms`,
      `${x.noneP99Ms} / ${x.rulesP99Ms} ms`,
      String(x.non2xx),
      percent(x.ratio),
      x.runRatios.map(percent).join(', '),
      `≥ 90 %: ${metOrMissed(rulesGoalMet(x))}`,
    ]),
    notes: [
      `${formatCount(r.hosts)} hosts, ${r.durationSec} s per measurement, median of ${r.runs} runs (bench/rules.ts). Each run has a half without rules and one with them, in alternating order; each half starts from the same host documents (rule state removed), fills or empties the \`rules\` collection through RuleStore.add and starts its own API process (\`src/api/server.ts\`, RuleCache read at start); every host reports once and a 2 s warm-up precedes the measurement.`,
      `Rules: ${r.rules.map((s) => `\`${s}\``).join('; ')}.`,
      `Hosts whose reports breach each rule: ${share}. ${ALWAYS_BREACHING in r.breaching ? `\`${ALWAYS_BREACHING}\` breaches on every report (the worst case: every host document carries an instance)` : 'No rule breaches on every report (`--typical`: only the hosts over cpu-high or disk-warning carry an instance)'}, so each breaching report's write also updates its open instance (each host sends ${REPORT_VARIANTS} reports in turn, its \`/\` disk 0.25 GiB fuller each time, so the value changes every report); the reports carry \`cpus: 2\` for the per-CPU loads; uptime does not go backwards, so \`reboot\` is evaluated and never opens.`,
      `Rule evaluation alone (\`ruleStateFields\` over the same reports, in the bench process): ${r.evaluationUs} µs per report${r.rows[0] && r.rows[0].rulesRps > 0 ? `; at ${r.rows[0].connections} connections with the rules the API completed one report every ${(1000 / r.rows[0].rulesRps).toFixed(2)} ms` : ''}.`,
    ],
  };
}

export function footprintTable(rows: readonly FootprintRow[]): Table {
  return {
    title: '4. Worker footprint',
    goal: 'Resident memory (VmRSS of the worker process, `node --import tsx src/worker.ts`): idle after start and one empty check; peak sampled every 200 ms during the mass-outage check.',
    header: ['scenario', 'idle RSS', 'peak RSS', 'samples'],
    rows: rows.map((f) => [f.scenario, f.idleBytes !== undefined ? formatBytes(f.idleBytes) : '-', f.peakBytes !== undefined ? formatBytes(f.peakBytes) : '-', String(f.samples)]),
    notes: [],
  };
}

export function tableText(t: Table): string {
  return [`== ${t.title}`, t.goal, '', t.rows.length ? textTable(t.header, t.rows) : '(no rows)', ...t.notes.map((n) => `* ${n.replace(/\*\*/g, '')}`), ''].join('\n');
}

export function tableMarkdown(t: Table): string {
  return [`### ${t.title}`, '', t.goal, '', ...(t.rows.length ? [markdownTable(t.header, t.rows), ''] : []), ...t.notes.map((n) => `- ${n}`), ''].join('\n');
}

const begin = (s: string) => `<!-- bench:${s}:begin -->`;
const end = (s: string) => `<!-- bench:${s}:end -->`;

/** The text between a section's markers in `doc`, if present. */
export function sectionOf(doc: string, s: Section): string | undefined {
  const a = doc.indexOf(begin(s));
  const b = doc.indexOf(end(s));
  return a >= 0 && b > a ? doc.slice(a + begin(s).length, b).trim() : undefined;
}

const HOW_TO_RUN = [
  '## How to run',
  '',
  'After the README set-up (`npm ci`, `npm run provision`):',
  '',
  '```',
  'npm run bench                      # everything, full sizes: about 25 minutes on 2 cores',
  'npm run bench -- --quick           # 3 runs, fleets of 1,000 and 10,000, one outage of 2,000 hosts',
  'npm run bench -- --only idindex,fleet --sizes 1000,10000,100000 --runs 5',
  'npm run bench -- --only outage,footprint --outages 10000,50000',
  'npm run bench -- --only ingest --no-id-index --no-write   # the ingest figures without the _id index (before)',
  'npm run bench -- --only rules      # item 5: ingest with 10 metric rules against none, same run',
  'npx tsx bench/rules.ts --hosts 200 --duration 3 --runs 1   # the same, small and alone (--help for options)',
  'npm run bench -- --only hostpage   # item 6: the host page\'s server time with 90 days of history',
  'npx tsx bench/host-page.ts --fleet 0,1000 --requests 50   # the same alone (--help for options)',
  'npm run bench -- --mongo-uri mongodb://user:pass@db:27017/   # against a MongoDB server instead of FerretDB',
  'npm run bench -- --help',
  '```',
  '',
  'It starts its own FerretDB (temporary directory, with the `_id` index unless `--no-id-index`), Temporal dev',
  'server, SMTP server and hostwatch worker (a separate process), seeds hosts straight into the database, starts',
  'checks by triggering a Temporal Schedule, and stops everything at the end. Item 0 starts FerretDBs of its own,',
  'without the index, and adds it halfway. Sections not measured in a run keep their previous contents.',
  '',
].join('\n');

/**
 * Rewrites the generated part of docs/benchmarks.md (between `<!-- bench:begin -->` and `<!-- bench:end -->`):
 * measured sections are replaced, the others kept. Everything outside the markers (such as "## Findings and
 * fixes" and "## Notes") is preserved; a new file gets an empty "## Notes" section for the maintainers.
 */
export function renderDocument(previous: string | undefined, measured: Partial<Record<Section, string>>): string {
  const old = previous ?? '';
  const parts = SECTIONS.map((s) => {
    const body = measured[s] ?? sectionOf(old, s) ?? `_${s}: not measured yet._`;
    return `${begin(s)}\n${body.trim()}\n${end(s)}`;
  });
  const generated = ['<!-- bench:begin -->', '<!-- Generated by `npm run bench` (bench/report.ts); edit outside these markers. -->', '', HOW_TO_RUN, '## Results', '', ...parts.flatMap((p) => [p, '']), '<!-- bench:end -->'].join('\n');
  const a = old.indexOf('<!-- bench:begin -->');
  const b = old.indexOf('<!-- bench:end -->');
  if (a >= 0 && b > a) return old.slice(0, a) + generated + old.slice(b + '<!-- bench:end -->'.length);
  const findings = /^## Findings and fixes[\s\S]*?(?=^## |(?![\s\S]))/m.exec(old)?.[0]?.trim();
  return [
    '# Benchmarks',
    '',
    'How hostwatch scales: check cost against fleet size, a mass outage, ingest throughput and the worker\'s memory,',
    'measured against the real Temporal dev server and FerretDB.',
    '',
    generated,
    '',
    ...(findings ? [findings, ''] : ['## Findings and fixes', '', '_To be written by the maintainers: causes of missed goals, fixes, before/after._', '']),
    '## Notes',
    '',
    '_For the maintainers._',
    '',
  ].join('\n');
}

export function writeDocument(measured: Partial<Record<Section, string>>): string {
  const previous = existsSync(DOC_PATH) ? readFileSync(DOC_PATH, 'utf8') : undefined;
  writeFileSync(DOC_PATH, renderDocument(previous, measured));
  return DOC_PATH;
}
