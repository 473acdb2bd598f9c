/**
 * Item 1, check cost vs fleet size: fleets with 1 % offline in steady state (already notified, so a check
 * sends nothing). Times schedule trigger → workflow close and counts what the check read.
 */
import type { Db } from 'mongodb';
import { checkPageFilter, HostStore, type CheckPageRequest } from '../src/store/hosts-store.js';
import { createBenchSchedule, triggerCheck, uniqueId } from './lib/check.js';
import { measureRunTree } from './lib/history.js';
import { freshDatabase, notifiedAlerts, seedHosts } from './lib/seed.js';
import { startWorker, type BenchEnv } from './lib/services.js';
import { median } from './lib/stats.js';

export interface FleetRow {
  size: number;
  offline: number;
  /** trigger → close per run, ms. */
  runsMs: number[];
  medianMs: number;
  /** Per check (from the last run): hosts returned to the worker in page results. */
  docsReturned: number;
  pageQueries: number;
  /** Per check (from the last run): documents the database read for the page queries. */
  docsRead: number;
  docsReadSource: string;
  /** `hostsOffline` of the runs' CheckSummary (should equal `offline`). */
  hostsOfflineReported: Array<number | null>;
  problems: string[];
  seedMs: number;
}

export interface FleetResult {
  rows: FleetRow[];
}

const MINUTE = 60_000;

/**
 * The fleet schedule's steps. The first step is an hour, so hosts seeded as "reported 10 s ago" stay online for
 * the whole measurement without being rewritten before every run: on FerretDB 1.24 an updateMany that refreshed
 * 990 hosts' lastReportAt took 12-15 s (about 25 minutes for 99,000). The check's query has the same shape as
 * with the default steps; only the cutoff value differs. Offline hosts (silent 90 min, notified at step 60) are
 * found by every check and owe nothing.
 */
export const FLEET_STEPS = [60, 240, 1440];
/** Seeded data stays steady state for this long (the first step, minus a margin). */
const STEADY_FOR_MS = 55 * MINUTE;

/** A MongoDB plan tree in one line, e.g. `LIMIT ← FETCH ← SORT_MERGE ← (IXSCAN lastReportAt, IXSCAN alerts, IXSCAN alert_outage)`. */
export function planShape(node: any): string {
  if (!node || typeof node !== 'object') return '?';
  const here = `${node.stage ?? '?'}${node.indexName ? ` ${node.indexName}` : ''}`;
  const inputs: any[] = node.inputStages ?? (node.inputStage ? [node.inputStage] : []);
  if (inputs.length === 0) return here;
  const below = inputs.map(planShape);
  return `${here} ← ${below.length > 1 ? `(${below.join(', ')})` : below[0]}`;
}

/** Documents the database reads to answer one page query, and where the figure came from. */
export async function documentsRead(db: Db, req: CheckPageRequest): Promise<{ docs: number; source: string }> {
  const hosts = new HostStore(db).collection;
  const plan = (await hosts.find(checkPageFilter(req)).sort({ _id: 1 }).limit(req.limit).explain('executionStats')) as Record<string, any>;
  const examined = plan.executionStats?.totalDocsExamined;
  if (typeof examined === 'number') return { docs: examined, source: `explain executionStats.totalDocsExamined; winning plan ${planShape(plan.queryPlanner?.winningPlan)}` };
  if (plan.filterPushdown === false) {
    return { docs: await hosts.estimatedDocumentCount(), source: 'explain filterPushdown:false (full scan) → collection size' };
  }
  return { docs: Number.NaN, source: `explain gave no count (${JSON.stringify(plan).slice(0, 120)})` };
}

function isPageRequest(v: unknown): v is CheckPageRequest {
  return typeof v === 'object' && v !== null && typeof (v as CheckPageRequest).cutoff === 'number' && typeof (v as CheckPageRequest).limit === 'number';
}

export async function runFleet(env: BenchEnv, sizes: readonly number[], runs: number, timeoutMs: number): Promise<FleetResult> {
  const rows: FleetRow[] = [];
  for (const size of sizes) {
    const offline = Math.max(1, Math.round(size / 100));
    const db = await freshDatabase(env.mongo.db(`bench_fleet_${size}`));
    const now = Date.now();
    const outage = new Date(now - 90 * MINUTE);
    env.log(`fleet ${size}: seeding ${size - offline} online + ${offline} offline (notified) hosts`);
    const seedMs = await seedHosts(db, [
      { prefix: 'online', count: size - offline, lastReportAt: new Date(now - 10_000) },
      { prefix: 'offline', count: offline, lastReportAt: outage, alerts: notifiedAlerts(outage, 60, new Date(outage.getTime() + 60 * MINUTE)) },
    ]);
    env.log(`fleet ${size}: seeded in ${(seedMs / 1000).toFixed(1)} s`);
    const taskQueue = uniqueId(`bench-fleet-${size}`);
    const worker = await startWorker(env, { db: db.databaseName, taskQueue });
    const row: FleetRow = { size, offline, runsMs: [], medianMs: 0, docsReturned: 0, pageQueries: 0, docsRead: 0, docsReadSource: '-', hostsOfflineReported: [], problems: [], seedMs };
    try {
      const schedule = await createBenchSchedule(env.client, uniqueId(`bench-fleet-${size}`), taskQueue, { steps: FLEET_STEPS });
      let explained: { pages: number } | undefined;
      for (let r = 1; r <= runs; r++) {
        if (Date.now() - now > STEADY_FOR_MS) {
          row.problems.push(`stopped after ${r - 1} runs: online hosts would no longer be online`);
          break;
        }
        const check = await triggerCheck(env.client, schedule, timeoutMs);
        if (check.status !== 'completed' || check.elapsedMs === undefined) {
          row.problems.push(`run ${r}: ${check.status}${check.error ? `: ${check.error}` : ''}`);
          continue;
        }
        row.runsMs.push(check.elapsedMs);
        const reported = (check.result as { hostsOffline?: number | null } | undefined)?.hostsOffline ?? null;
        row.hostsOfflineReported.push(reported);
        const tree = await measureRunTree(env.client, check.workflowId, check.runId);
        const pages = tree.flatMap((m) => m.pageQueries);
        row.docsReturned = pages.reduce((n, p) => n + p.hosts, 0);
        row.pageQueries = pages.length;
        // Explain runs the query again on FerretDB (as long as a check's query): once per size, as every run's
        // page queries have the same shape; again only if the number of pages changes.
        if (explained?.pages !== pages.length) {
          let read = 0;
          const sources = new Set<string>();
          for (const p of pages) {
            if (!isPageRequest(p.request)) {
              sources.add('page input not a CheckPageRequest');
              continue;
            }
            const d = await documentsRead(db, p.request);
            read += d.docs;
            sources.add(d.source);
          }
          row.docsRead = read;
          row.docsReadSource = [...sources].join('; ') || '-';
          explained = { pages: pages.length };
        }
        env.log(`fleet ${size}: run ${r}/${runs} ${check.elapsedMs} ms, ${pages.length} page queries, ${row.docsReturned} hosts returned, hostsOffline ${reported}`);
      }
      await schedule.delete();
    } finally {
      await worker.stop();
    }
    if (row.runsMs.length > 0) row.medianMs = median(row.runsMs);
    if (row.hostsOfflineReported.some((h) => h !== offline)) row.problems.push(`hostsOffline reported ${row.hostsOfflineReported.join(',')}, expected ${offline}`);
    rows.push(row);
    await db.dropDatabase();
  }
  return { rows };
}
