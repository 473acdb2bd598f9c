import { expect, test } from 'vitest';
import fc from 'fast-check';
import { evaluateHosts } from '../../src/alerting/policy.js';
import { quietHour } from '../../src/alerting/quiet-hours.js';
import { formatDigest } from '../../src/alerting/digest.js';
import type { AlertPolicy, AlertState, HostSnapshot, OfflineLine, RecoveryLine } from '../../src/alerting/types.js';

const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'] as const;
type Zone = (typeof ZONES)[number];

// ------------------------------------------------------------ independent oracles (no code under test)

/** 00:00 UTC of the n-th (1-based) Sunday of a month; n = -1 for the last one. */
function sundayUtc(year: number, month: number, n: number): number {
  if (n === -1) {
    const last = new Date(Date.UTC(year, month + 1, 0));
    return Date.UTC(year, month, last.getUTCDate() - last.getUTCDay());
  }
  const first = new Date(Date.UTC(year, month, 1));
  return Date.UTC(year, month, 1 + ((7 - first.getUTCDay()) % 7) + 7 * (n - 1));
}

/** UTC offset in minutes, from the zones' DST rules (EU since 1996, US since 2007). */
function offsetMinutes(zone: Zone, t: number): number {
  const y = new Date(t).getUTCFullYear();
  switch (zone) {
    case 'UTC':
      return 0;
    case 'Asia/Kolkata':
      return 330;
    case 'Europe/Berlin': // summer time from 01:00 UTC last Sunday of March to 01:00 UTC last Sunday of October
      return t >= sundayUtc(y, 2, -1) + HOUR && t < sundayUtc(y, 9, -1) + HOUR ? 120 : 60;
    case 'America/New_York': // 02:00 EST second Sunday of March to 02:00 EDT first Sunday of November
      return t >= sundayUtc(y, 2, 2) + 7 * HOUR && t < sundayUtc(y, 10, 1) + 6 * HOUR ? -240 : -300;
  }
}

function oracleHour(zone: Zone, t: number): number {
  const local = t + offsetMinutes(zone, t) * MIN;
  return Math.floor((((local % DAY) + DAY) % DAY) / HOUR);
}

function oracleDue(steps: readonly number[], lastReportAt: number, t: number): number | undefined {
  const m = Math.floor((t - lastReportAt) / MIN);
  let due: number | undefined;
  for (const s of steps) if (s <= m) due = s;
  return due;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('oracle self-check: the hand-written zone rules agree with Intl around 2026 DST changes', () => {
  const fmt = (zone: Zone) => new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', hour: '2-digit' });
  const probes = [Date.UTC(2026, 0, 1, 12), Date.UTC(2026, 2, 8, 6, 59), Date.UTC(2026, 2, 8, 7), Date.UTC(2026, 2, 29, 0, 59), Date.UTC(2026, 2, 29, 1)];
  probes.push(Date.UTC(2026, 9, 25, 0, 59), Date.UTC(2026, 9, 25, 1), Date.UTC(2026, 10, 1, 5, 59), Date.UTC(2026, 10, 1, 6), Date.UTC(2026, 6, 1, 23, 45));
  for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 7 * HOUR + 13 * MIN) probes.push(t);
  for (const zone of ZONES) {
    const f = fmt(zone);
    for (const t of probes) expect(oracleHour(zone, t), `${zone} ${new Date(t).toISOString()}`).toBe(Number(f.format(new Date(t))));
  }
});

// ------------------------------------------------------------ scenario generation

interface HostPlan {
  /** Sorted report instants. */
  reports: number[];
  /** Mute commands: from `at` on, the host is muted until `until`. Sorted by `at`. */
  mutes: { at: number; until: number }[];
}

interface Scenario {
  policy: AlertPolicy & { timezone: Zone };
  start: number;
  checks: number[];
  hosts: HostPlan[];
}

const stepsArb = fc
  .uniqueArray(fc.oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 1500 })), { minLength: 1, maxLength: 6 })
  .map((s) => [...s].sort((a, b) => a - b));

const segmentArb = fc.record({
  upMinutes: fc.integer({ min: 0, max: 300 }),
  intervalMs: fc.integer({ min: 20 * SEC, max: 90 * SEC }),
  downMs: fc.oneof(
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 15 * MIN }) },
    { weight: 3, arbitrary: fc.integer({ min: 15 * MIN, max: 30 * HOUR }) },
  ),
});

const hostArb = fc.record({
  segments: fc.array(segmentArb, { minLength: 1, maxLength: 8 }),
  mutes: fc.array(fc.record({ atMs: fc.integer({ min: 0, max: 3 * DAY }), forMs: fc.integer({ min: 1, max: 12 * HOUR }) }), { maxLength: 2 }),
});

const scenarioArb = fc
  .record({
    steps: stepsArb,
    timezone: fc.constantFrom(...ZONES),
    ignoreHours: fc.uniqueArray(fc.integer({ min: 0, max: 23 }), { maxLength: 4 }),
    // any minute of 2026 (so DST changes are sometimes inside the window)
    startMinute: fc.integer({ min: Date.UTC(2026, 0, 1) / MIN, max: Date.UTC(2026, 11, 28) / MIN }),
    spanMinutes: fc.integer({ min: 60, max: 3 * 1440 }),
    missed: fc.array(fc.record({ atMinute: fc.integer({ min: 0, max: 3 * 1440 }), minutes: fc.integer({ min: 2, max: 8 * 60 }) }), { maxLength: 4 }),
    jitterSeed: fc.noShrink(fc.integer()),
    hosts: fc.array(hostArb, { minLength: 1, maxLength: 3 }),
  })
  .map((r): Scenario => {
    const start = r.startMinute * MIN;
    const end = start + r.spanMinutes * MIN;
    const rand = mulberry32(r.jitterSeed);
    const checks: number[] = [];
    for (let k = 1; k <= r.spanMinutes; k++) {
      if (r.missed.some((g) => k >= g.atMinute && k < g.atMinute + g.minutes)) continue; // checker down / run skipped
      checks.push(start + k * MIN + Math.floor(rand() * 30 * SEC)); // 0-30 s of scheduling delay
    }
    const hosts = r.hosts.map((h): HostPlan => {
      const reports: number[] = [];
      let t = start - Math.floor(rand() * 30 * SEC); // first report before the first check
      for (const seg of h.segments) {
        if (t > end) break;
        const upEnd = t + seg.upMinutes * MIN;
        for (; t <= upEnd; t += seg.intervalMs) reports.push(t);
        t = reports.at(-1)! + seg.downMs + seg.intervalMs;
      }
      const mutes = h.mutes.map((m) => ({ at: start + m.atMs, until: start + m.atMs + m.forMs })).sort((a, b) => a.at - b.at);
      return { reports, mutes };
    });
    return { policy: { steps: r.steps, ignoreHours: r.ignoreHours, timezone: r.timezone }, start, checks, hosts };
  });

// ------------------------------------------------------------ the simulated system

interface Notice {
  host: number;
  at: number;
  line: OfflineLine;
}
interface Recovery {
  host: number;
  at: number;
  line: RecoveryLine;
}
interface RunRecord {
  at: number;
  quiet: boolean;
  muted: boolean[];
  /** Each host's last report up to this run, from the timeline (undefined before its first report). */
  last: (number | undefined)[];
}

function mutedUntilAt(plan: HostPlan, t: number): number | undefined {
  let until: number | undefined;
  for (const m of plan.mutes) if (m.at <= t) until = m.until;
  return until;
}

/** Runs the checks like the workflow and the store would; returns what was sent. Checks invariants per run. */
function simulate(s: Scenario): { notices: Notice[]; recoveries: Recovery[]; runs: RunRecord[]; sends: number } {
  const { policy } = s;
  const docs: { lastReportAt?: number; alert?: AlertState }[] = s.hosts.map(() => ({}));
  const nextReport = s.hosts.map(() => 0);
  const notices: Notice[] = [];
  const recoveries: Recovery[] = [];
  const runs: RunRecord[] = [];
  let sends = 0;
  const wrongQuiet: unknown[] = [];
  const changesWithoutLines: unknown[] = [];

  for (const T of s.checks) {
    // reports received up to T; the store records alert.backAt on the first report after an outage it alerted on
    s.hosts.forEach((plan, i) => {
      const doc = docs[i]!;
      while (nextReport[i]! < plan.reports.length && plan.reports[nextReport[i]!]! <= T) {
        const at = plan.reports[nextReport[i]!++]!;
        if (doc.alert && doc.alert.backAt === undefined) doc.alert = { ...doc.alert, backAt: at };
        doc.lastReportAt = at;
      }
    });
    const muted = s.hosts.map((plan) => {
      const until = mutedUntilAt(plan, T);
      return until !== undefined && until > T;
    });

    // rule 5: quiet hours decided per run from the local hour of T
    const hour = oracleHour(policy.timezone, T);
    const quiet = quietHour(T, policy);
    if (quiet !== (policy.ignoreHours.includes(hour) ? hour : undefined)) wrongQuiet.push({ at: new Date(T).toISOString(), hour, quiet });
    runs.push({ at: T, quiet: quiet !== undefined, muted, last: docs.map((d) => d.lastReportAt) });
    if (quiet !== undefined) continue; // nothing sent, nothing written

    const snapshots: HostSnapshot[] = [];
    docs.forEach((d, i) => {
      if (d.lastReportAt === undefined) return; // never reported: not eligible
      const mutedUntil = mutedUntilAt(s.hosts[i]!, T);
      snapshots.push({
        id: String(i),
        name: `host-${i}`,
        lastReportAt: d.lastReportAt,
        ...(mutedUntil !== undefined && { mutedUntil }),
        ...(d.alert && { alert: { ...d.alert } }),
      });
    });
    const ev = evaluateHosts(snapshots, T, policy);
    if (ev.offline.length + ev.recoveries.length === 0) {
      if (ev.changes.length > 0) changesWithoutLines.push(...ev.changes);
      continue;
    }

    // "send" the digest: one message with every line of the run (rule 7)
    const digest = formatDigest({ offline: ev.offline, recoveries: ev.recoveries, checkTime: T, timezone: policy.timezone });
    expect(digest.listed).toBe(ev.offline.length + ev.recoveries.length);
    sends++;
    for (const line of ev.offline) notices.push({ host: Number(line.hostId), at: T, line });
    for (const line of ev.recoveries) recoveries.push({ host: Number(line.hostId), at: T, line });

    // rule 3: state written after delivery, with the store's conditional writes
    for (const c of ev.changes) {
      const doc = docs[Number(c.hostId)]!;
      if (c.kind === 'notify') {
        if (doc.lastReportAt === c.outage && (doc.alert?.outage !== c.outage || doc.alert.step < c.step)) {
          doc.alert = { outage: c.outage, step: c.step };
        }
      } else if (doc.alert?.outage === c.outage) {
        delete doc.alert;
      }
    }
  }
  // rule 5: the run is quiet exactly when the local hour of T is an ignore hour
  expect(wrongQuiet).toEqual([]);
  // a run that sends nothing writes nothing
  expect(changesWithoutLines).toEqual([]);
  return { notices, recoveries, runs, sends };
}

function firstReportAfter(plan: HostPlan, t: number): number | undefined {
  return plan.reports.find((r) => r > t);
}

test('rules 1, 2, 4, 5, 6 hold over random outage timelines, missed runs, quiet hours and muting', () => {
  let totalNotices = 0;
  let totalRecoveries = 0;
  let totalCatchUps = 0;
  fc.assert(
    fc.property(scenarioArb, (s) => {
      const { notices, recoveries, runs } = simulate(s);
      const { steps } = s.policy;
      const runAt = new Map(runs.map((r) => [r.at, r]));
      const noticeKeys = new Set<string>();
      const lastStep = new Map<string, number>();

      for (const n of notices) {
        const plan = s.hosts[n.host]!;
        const run = runAt.get(n.at)!;
        const outage = run.last[n.host]!;
        const key = `${n.host}|${outage}`;
        // the notice is about the outage the timeline says is current
        expect(n.line.lastReportAt).toBe(outage);
        expect(n.line.offlineMs).toBe(n.at - outage);
        // rule 1: no (host, outage, step) twice
        expect(noticeKeys.has(`${key}|${n.line.step}`)).toBe(false);
        noticeKeys.add(`${key}|${n.line.step}`);
        // rule 2: the step is the highest due step at that check time
        expect(n.line.step).toBe(oracleDue(steps, outage, n.at));
        // rules 1 and 2: steps for one outage only go up (lower steps are never sent later)
        const prev = lastStep.get(key);
        if (prev !== undefined) expect(n.line.step).toBeGreaterThan(prev);
        if (steps.indexOf(n.line.step) > (prev === undefined ? 0 : steps.indexOf(prev) + 1)) totalCatchUps++;
        lastStep.set(key, n.line.step);
        // rule 5 and rule 6: never during quiet hours, never while muted
        expect(run.quiet).toBe(false);
        expect(s.policy.ignoreHours).not.toContain(oracleHour(s.policy.timezone, n.at));
        expect(run.muted[n.host]).toBe(false);
      }

      const recovered = new Set<string>();
      for (const r of recoveries) {
        const plan = s.hosts[r.host]!;
        const key = `${r.host}|${r.line.wentSilentAt}`;
        const firstNotice = notices.find((n) => n.host === r.host && n.line.lastReportAt === r.line.wentSilentAt);
        // rule 4: only for an outage that had a notice (so never for one that ended before any notice), once
        expect(firstNotice).toBeDefined();
        expect(firstNotice!.at).toBeLessThan(r.at);
        expect(recovered.has(key)).toBe(false);
        recovered.add(key);
        // seen again = the first report after the outage began; gone = the difference
        const seenAgain = firstReportAfter(plan, r.line.wentSilentAt);
        expect(seenAgain).toBeDefined();
        expect(r.line.seenAgainAt).toBe(seenAgain);
        expect(r.line.goneMs).toBe(seenAgain! - r.line.wentSilentAt);
        expect(r.line.seenAgainAt).toBeLessThanOrEqual(r.at);
        expect(runAt.get(r.at)!.quiet).toBe(false);
        expect(runAt.get(r.at)!.muted[r.host]).toBe(false);
      }

      // no alert is lost: every run that is neither quiet nor muted sends what is due above what was sent
      const sentMax = new Map<string, number>();
      const lost: unknown[] = [];
      let ni = 0;
      for (const run of runs) {
        const now = new Map<number, Notice>();
        while (ni < notices.length && notices[ni]!.at === run.at) {
          const n = notices[ni++]!;
          now.set(n.host, n);
        }
        if (!run.quiet) {
          run.last.forEach((outage, i) => {
            if (outage === undefined || run.muted[i]) return;
            const due = oracleDue(steps, outage, run.at);
            const expected = due !== undefined && due > (sentMax.get(`${i}|${outage}`) ?? 0);
            if (now.has(i) !== expected) lost.push({ host: i, at: new Date(run.at).toISOString(), due, sent: now.has(i) });
          });
        }
        for (const n of now.values()) sentMax.set(`${n.host}|${n.line.lastReportAt}`, n.line.step);
      }
      expect(lost).toEqual([]);
      expect(ni).toBe(notices.length);

      // rule 4: each notified outage that ended is reported back online at the first run that may send for the host
      const notified = new Map<string, Notice>();
      for (const n of notices) if (!notified.has(`${n.host}|${n.line.lastReportAt}`)) notified.set(`${n.host}|${n.line.lastReportAt}`, n);
      for (const [key, n] of notified) {
        const back = firstReportAfter(s.hosts[n.host]!, n.line.lastReportAt);
        const firstChance = back === undefined ? undefined : runs.find((r) => r.at >= back && !r.quiet && !r.muted[n.host]);
        const rec = recoveries.filter((r) => `${r.host}|${r.line.wentSilentAt}` === key);
        if (firstChance === undefined) expect(rec).toEqual([]);
        else expect(rec.map((r) => r.at)).toEqual([firstChance.at]);
      }

      totalNotices += notices.length;
      totalRecoveries += recoveries.length;
    }),
    { numRuns: 60 },
  );
  // the generator must actually exercise the interesting paths
  expect(totalNotices).toBeGreaterThan(60);
  expect(totalRecoveries).toBeGreaterThan(5);
  expect(totalCatchUps).toBeGreaterThan(5);
});

test('rule 8 (deterministic): evaluateHosts gives equal results for equal inputs and never mutates them', () => {
  const alertArb = fc.record({ outageBackMs: fc.integer({ min: 0, max: 3 * DAY }), step: fc.integer({ min: 1, max: 1500 }), back: fc.option(fc.integer({ min: 1, max: DAY })) });
  const snapshotArb = fc.record({
    lastAgoMs: fc.integer({ min: -MIN, max: 3 * DAY }),
    mutedOffsetMs: fc.option(fc.integer({ min: -DAY, max: DAY })),
    alert: fc.option(alertArb),
  });
  fc.assert(
    fc.property(stepsArb, fc.array(snapshotArb, { maxLength: 6 }), fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }), (steps, specs, T) => {
      const hosts: HostSnapshot[] = specs.map((h, i) => {
        const lastReportAt = T - h.lastAgoMs;
        const alert = h.alert && {
          outage: lastReportAt - h.alert.outageBackMs,
          step: h.alert.step,
          ...(h.alert.back !== null && h.alert.outageBackMs > 0 && { backAt: lastReportAt - h.alert.outageBackMs + Math.min(h.alert.back, h.alert.outageBackMs) }),
        };
        return { id: `h${i}`, name: `host-${i}`, lastReportAt, ...(h.mutedOffsetMs !== null && { mutedUntil: T + h.mutedOffsetMs }), ...(alert && { alert }) };
      });
      const copy = structuredClone(hosts);
      const stepsCopy = [...steps];
      const a = evaluateHosts(hosts, T, { steps });
      const b = evaluateHosts(copy, T, { steps: stepsCopy });
      expect(b).toEqual(a);
      expect(hosts).toEqual(copy);
      expect(steps).toEqual(stepsCopy);
      // every change comes with a line for the same host (nothing to write when nothing is sent)
      for (const c of a.changes) {
        const withLine = a.offline.some((l) => l.hostId === c.hostId) || a.recoveries.some((l) => l.hostId === c.hostId);
        expect(withLine).toBe(true);
      }
    }),
    { numRuns: 200 },
  );
});
