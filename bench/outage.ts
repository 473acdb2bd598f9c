/**
 * Item 2 (mass outage) and item 4 (worker footprint): N hosts go silent at once; one triggered check must send
 * one correct digest, record every host's state, and keep payloads and histories within Temporal's limits.
 */
import { DEFAULT_MAX_LINES } from '../src/alerting/digest.js';
import { encodeDestKey } from '../src/store/alert-state.js';
import { HostStore } from '../src/store/hosts-store.js';
import { createBenchSchedule, triggerCheck, uniqueId } from './lib/check.js';
import { measureRunTree } from './lib/history.js';
import { freshDatabase, seedHosts } from './lib/seed.js';
import { RECIPIENT, sampleRss, startWorker, type BenchEnv } from './lib/services.js';

export const ONLINE_BESIDE_OUTAGE = 300;
export const PAYLOAD_LIMIT = 512 * 1024;
export const HISTORY_LIMIT = 4 * 1024 * 1024;

export interface DigestCheck {
  digests: number;
  subject: string;
  subjectOk: boolean;
  listed: number;
  more: number | undefined;
  textOk: boolean;
}

export interface OutageRow {
  silent: number;
  online: number;
  status: string;
  error?: string;
  elapsedMs?: number;
  /** Parent + children (+ continue-as-new successors). */
  runs: number;
  children: number;
  largestPayloadBytes: number;
  largestPayloadAt: string;
  largestHistoryBytes: number;
  largestHistoryEvents: number;
  historySource: string;
  digest: DigestCheck;
  /** Silent hosts whose destination got step 1 (alerts.offline_<start>.sent) after the run. */
  recordedStep1: number;
  /** Hosts with any alert state after the run (should equal `silent`). */
  withAlertState: number;
  seedMs: number;
  rssIdleBytes?: number;
  rssPeakBytes?: number;
  rssSamples: number;
}

/** Checks one digest against the exact counts ALERTING.md rule 7 asks for. */
export function checkDigest(messages: ReadonlyArray<{ subject: string; text: string }>, silent: number): DigestCheck {
  const mail = messages[0];
  const subject = mail?.subject ?? '';
  const lines = (mail?.text ?? '').split('\n');
  const listed = lines.filter((l) => l.startsWith('OFFLINE')).length;
  const m = lines.map((l) => /^\.\.\. and (\d+) more$/.exec(l.trim())).find((x) => x);
  const more = m ? Number(m[1]) : undefined;
  const expectListed = Math.min(silent, DEFAULT_MAX_LINES);
  const textOk =
    listed === expectListed &&
    (silent > DEFAULT_MAX_LINES ? more === silent - DEFAULT_MAX_LINES : more === undefined) &&
    lines.some((l) => l.startsWith(`${silent} host${silent === 1 ? '' : 's'} offline`));
  return { digests: messages.length, subject, subjectOk: subject.includes(`${silent} host${silent === 1 ? '' : 's'} offline`), listed, more, textOk };
}

/** A row for a scenario that could not be measured at all (the error says why). */
export function failedOutageRow(silent: number, err: unknown): OutageRow {
  return {
    silent,
    online: ONLINE_BESIDE_OUTAGE,
    status: 'not measured',
    error: err instanceof Error ? err.message : String(err),
    runs: 0,
    children: 0,
    largestPayloadBytes: 0,
    largestPayloadAt: '-',
    largestHistoryBytes: 0,
    largestHistoryEvents: 0,
    historySource: '-',
    digest: { digests: 0, subject: '', subjectOk: false, listed: 0, more: undefined, textOk: false },
    recordedStep1: 0,
    withAlertState: 0,
    seedMs: 0,
    rssSamples: 0,
  };
}

export async function runOutage(env: BenchEnv, silent: number, timeoutMs: number): Promise<OutageRow> {
  const db = await freshDatabase(env.mongo.db(`bench_outage_${silent}`));
  const taskQueue = uniqueId(`bench-outage-${silent}`);
  const worker = await startWorker(env, { db: db.databaseName, taskQueue });
  try {
    const schedule = await createBenchSchedule(env.client, uniqueId(`bench-outage-${silent}`), taskQueue);
    // Idle footprint: started and one check over an empty registry done.
    const empty = await triggerCheck(env.client, schedule, 120_000);
    if (empty.status !== 'completed') throw new Error(`the empty check ${empty.status}: ${empty.error ?? ''}`);
    await new Promise((r) => setTimeout(r, 1000));
    const rssIdleBytes = worker.rss();

    const now = Date.now();
    env.log(`outage ${silent}: seeding ${silent} silent + ${ONLINE_BESIDE_OUTAGE} online hosts`);
    const silentSince = new Date(now - 2 * 60_000);
    const seedMs = await seedHosts(db, [{ prefix: 'silent', count: silent, lastReportAt: silentSince }]);
    // Seeded last, right before the trigger, so they are still online at check time.
    await seedHosts(db, [{ prefix: 'online', count: ONLINE_BESIDE_OUTAGE, lastReportAt: new Date(Date.now() - 10_000) }]);
    env.log(`outage ${silent}: seeded in ${(seedMs / 1000).toFixed(1)} s; triggering one check (timeout ${timeoutMs / 60_000} min)`);

    const mailBefore = env.mail.messages.length;
    const sampler = sampleRss(worker.rss, 200);
    const check = await triggerCheck(env.client, schedule, timeoutMs);
    const { peak, samples } = sampler.stop();
    env.log(`outage ${silent}: check ${check.status}${check.elapsedMs !== undefined ? ` in ${(check.elapsedMs / 1000).toFixed(1)} s` : ''}`);
    // The digest is accepted before the run records state, so it is already in; a short grace for stragglers.
    await new Promise((r) => setTimeout(r, 2000));
    const digest = checkDigest(env.mail.messages.slice(mailBefore), silent);

    const tree = await measureRunTree(env.client, check.workflowId, check.runId);
    const biggestPayload = tree.reduce((a, b) => (b.largestPayloadBytes > a.largestPayloadBytes ? b : a));
    const biggestHistory = tree.reduce((a, b) => (b.historyBytes > a.historyBytes ? b : a));
    const hosts = new HostStore(db).collection;
    const sentPath = `alerts.offline_${silentSince.getTime()}.sent.${encodeDestKey(`mailto:${RECIPIENT}`)}`;
    const recordedStep1 = await hosts.countDocuments({ name: { $regex: /^silent-/ }, [sentPath]: 1 });
    const withAlertState = await hosts.countDocuments({ alerts: { $exists: true } });
    await schedule.delete();
    return {
      silent,
      online: ONLINE_BESIDE_OUTAGE,
      status: check.status,
      ...(check.error !== undefined && { error: check.error }),
      ...(check.elapsedMs !== undefined && { elapsedMs: check.elapsedMs }),
      runs: tree.length,
      children: tree.filter((m) => m.via === 'child').length,
      largestPayloadBytes: biggestPayload.largestPayloadBytes,
      largestPayloadAt: biggestPayload.largestPayloadAt,
      largestHistoryBytes: biggestHistory.historyBytes,
      largestHistoryEvents: Math.max(...tree.map((m) => m.historyLength)),
      historySource: [...new Set(tree.map((m) => m.historySource))].join(', '),
      digest,
      recordedStep1,
      withAlertState,
      seedMs,
      ...(rssIdleBytes !== undefined && { rssIdleBytes }),
      ...(peak > 0 && { rssPeakBytes: peak }),
      rssSamples: samples,
    };
  } finally {
    await worker.stop();
    await db.dropDatabase().catch(() => undefined);
  }
}
