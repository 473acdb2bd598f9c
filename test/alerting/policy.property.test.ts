import { expect, test } from 'vitest';
import fc from 'fast-check';
import { evaluateHosts, offlineKey, sentTo } from '../../src/alerting/policy.js';
import { quietHour } from '../../src/alerting/quiet-hours.js';
import { linesFor, totalsByDestination } from '../../src/alerting/digest.js';
import { hostUpdate, instancesOf, type InstanceDoc } from '../../src/store/alert-state.js';
import { applyUpdate, updatePaths } from '../support/mongo-update.js';
import type { AlertPolicy, Destination, DigestLine, HostSnapshot, InstanceState } from '../../src/alerting/types.js';

// Random fleets, destinations (some escalating with fromStep), check times (missed runs, scheduling delay, quiet
// hours in zones with DST), reports, mutes and per-run delivery failures per destination. State is kept the way the
// store keeps it: each run's writes go through hostUpdate (alert-state.ts) into an in-memory document with MongoDB's
// $set/$max/$unset semantics, and are read back with instancesOf; reports set backAt and back as
// alert-state.ts reportStateFields does. The properties are checked against independent oracles.

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

/** Rule 9 and Terms: the due step of a host silent since `last`, with its stated interval plus grace, at `t`. */
function oracleDue(steps: readonly number[], last: number, t: number, intervalMs?: number, graceMs = 0): number | undefined {
  if (intervalMs !== undefined && t - last <= intervalMs + graceMs) return undefined;
  const m = Math.floor((t - last) / MIN);
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
  /** The reporting interval the host states (rule 9), if any. */
  intervalMs?: number;
}

interface Scenario {
  policy: AlertPolicy & { timezone: Zone };
  start: number;
  checks: number[];
  hosts: HostPlan[];
  destinations: Destination[];
  /** `accepts[run][d]`: destination d accepts what it is sent in that run. */
  accepts: boolean[][];
  /** `races[run][h]`: a report of host h arriving during that run (if any) races the run's state write. */
  races: boolean[][];
}

/** How long after a run's check time its state write may land (delivery takes this long at most, here). */
const RACE_WINDOW_MS = 20 * SEC;

const stepsArb = fc
  .uniqueArray(fc.oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 1500 })), { minLength: 1, maxLength: 6 })
  .map((s) => [...s].sort((a, b) => a - b));

const segmentArb = fc.record({
  upMinutes: fc.integer({ min: 0, max: 300 }),
  intervalMs: fc.integer({ min: 20 * SEC, max: 90 * SEC }),
  downMs: fc.oneof(
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 15 * MIN }) },
    { weight: 3, arbitrary: fc.integer({ min: 15 * MIN, max: 20 * HOUR }) },
  ),
});

const hostArb = fc.record({
  segments: fc.array(segmentArb, { minLength: 1, maxLength: 8 }),
  mutes: fc.array(fc.record({ atMs: fc.integer({ min: 0, max: 2 * DAY }), forMs: fc.integer({ min: 1, max: 12 * HOUR }) }), { maxLength: 2 }),
  statedInterval: fc.option(fc.constantFrom(30 * SEC, 60 * SEC, 300 * SEC), { freq: 2 }),
});

const destinationArb = fc.record({
  kind: fc.constantFrom('mailto', 'slack', 'webhook'),
  // an index into the steps (sometimes one minute below that step), or every step
  fromStep: fc.option(fc.nat({ max: 7 }), { freq: 2 }),
  // chance of starting to fail, and of staying failed, per run
  failure: fc.constantFrom(0, 0.1, 0.4, 0.8),
});

function destination(kind: string, i: number, fromStep: number): Destination {
  if (kind === 'mailto') return { key: `mailto:d${i}@example.com`, target: `d${i}@example.com`, kind, label: `d${i}@example.com`, fromStep };
  const channel = kind === 'slack' ? `ops.${i}` : `hook-${i}`;
  return { key: channel, channel, target: '', kind, label: `${channel} (${kind})`, fromStep };
}

const scenarioArb = fc
  .record({
    steps: stepsArb,
    graceMs: fc.constantFrom(0, 30 * SEC, 60 * SEC, 120 * SEC),
    timezone: fc.constantFrom(...ZONES),
    ignoreHours: fc.uniqueArray(fc.integer({ min: 0, max: 23 }), { maxLength: 4 }),
    // any minute of 2026 (so DST changes are sometimes inside the window)
    startMinute: fc.integer({ min: Date.UTC(2026, 0, 1) / MIN, max: Date.UTC(2026, 11, 28) / MIN }),
    spanMinutes: fc.integer({ min: 60, max: 2 * 1440 }),
    missed: fc.array(fc.record({ atMinute: fc.integer({ min: 0, max: 2 * 1440 }), minutes: fc.integer({ min: 2, max: 8 * 60 }) }), { maxLength: 4 }),
    seed: fc.noShrink(fc.integer()),
    hosts: fc.array(hostArb, { minLength: 1, maxLength: 3 }),
    destinations: fc.array(destinationArb, { minLength: 1, maxLength: 4 }),
    raceRate: fc.constantFrom(0, 0.3, 1),
  })
  .map((r): Scenario => {
    const start = r.startMinute * MIN;
    const end = start + r.spanMinutes * MIN;
    const rand = mulberry32(r.seed);
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
      return { reports, mutes, ...(h.statedInterval !== null && { intervalMs: h.statedInterval }) };
    });
    const destinations = r.destinations.map((d, i) => {
      const fromStep = d.fromStep === null ? 0 : Math.max(1, r.steps[d.fromStep % r.steps.length]! - (d.fromStep >= r.steps.length ? 1 : 0));
      return destination(d.kind, i, fromStep);
    });
    // failures come in streaks, as outages of a mail server or a webhook do
    const failing = r.destinations.map(() => false);
    const accepts = checks.map(() =>
      r.destinations.map((d, i) => {
        failing[i] = rand() < (failing[i] ? d.failure : d.failure / 3);
        return !failing[i];
      }),
    );
    const races = checks.map(() => r.hosts.map(() => rand() < r.raceRate));
    return { policy: { steps: r.steps, ignoreHours: r.ignoreHours, timezone: r.timezone, graceMs: r.graceMs }, start, checks, hosts, destinations, accepts, races };
  });

// ------------------------------------------------------------ the store, in memory

type Update = NonNullable<ReturnType<typeof hostUpdate>>;
type Doc = { alerts?: Record<string, InstanceDoc> };

/** Applies an update with MongoDB's semantics (refusing what MongoDB refuses); the check writes only `alerts`. */
function apply(doc: Doc, update: Update): Doc {
  if (updatePaths(update).some((p) => p !== 'alerts' && !p.startsWith('alerts.'))) throw new Error(`unexpected path in ${JSON.stringify(update)}`);
  return applyUpdate(doc, update);
}

interface StoredHost {
  lastReportAt?: number;
  back?: { from: number; at: number };
  doc: Doc;
}

/**
 * What a report stored at `at` writes, decided from `read` (the host as the API read it), as hosts-store.ts
 * reportStateFields does: backAt on the instance it ends; after a silence of a minute `back`, and before `back` is
 * replaced, the return it held as backAt of the instance it ended if that has none.
 */
function reportWrite(read: StoredHost, at: number): (h: StoredHost) => void {
  const last = read.lastReportAt;
  const paths: [string, Date][] = [];
  let back: StoredHost['back'];
  if (last !== undefined) {
    if (at - last >= MIN) {
      back = { from: last, at };
      const ended = read.back && read.doc.alerts?.[offlineKey(read.back.from)];
      if (ended?.start instanceof Date && ended.backAt === undefined) paths.push([offlineKey(read.back!.from), new Date(read.back!.at)]);
    }
    const instance = read.doc.alerts?.[offlineKey(last)];
    if (instance?.start instanceof Date && instance.backAt === undefined) paths.push([offlineKey(last), new Date(at)]);
  }
  return (h) => {
    h.lastReportAt = at;
    if (back) h.back = back;
    // $set of alerts.<key>.backAt: creates the instance (a stub) if a check removed it meanwhile
    for (const [key, date] of paths) {
      h.doc.alerts ??= {};
      h.doc.alerts[key] = { ...h.doc.alerts[key], backAt: date } as InstanceDoc;
    }
  };
}

// ------------------------------------------------------------ the simulated system

interface Offer {
  run: number;
  at: number;
  dest: number;
  host: number;
  line: DigestLine;
  accepted: boolean;
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

/** Runs the checks like the workflow and the store would; returns every line offered to every destination. */
function simulate(s: Scenario): { offers: Offer[]; runs: RunRecord[]; raced: number; stubs: number } {
  const { policy, destinations } = s;
  const stored: StoredHost[] = s.hosts.map(() => ({ doc: {} }));
  const nextReport = s.hosts.map(() => 0);
  const offers: Offer[] = [];
  const runs: RunRecord[] = [];
  const problems: unknown[] = [];
  let raced = 0;
  let stubs = 0;

  s.checks.forEach((T, run) => {
    // reports received up to T
    s.hosts.forEach((plan, i) => {
      while (nextReport[i]! < plan.reports.length && plan.reports[nextReport[i]!]! <= T) {
        const h = stored[i]!;
        reportWrite(h, plan.reports[nextReport[i]!++]!)(h);
      }
    });
    const muted = s.hosts.map((plan) => {
      const until = mutedUntilAt(plan, T);
      return until !== undefined && until > T;
    });

    // rule 5: quiet hours decided per run from the local hour of T
    const hour = oracleHour(policy.timezone, T);
    const quiet = quietHour(T, policy);
    if (quiet !== (policy.ignoreHours.includes(hour) ? hour : undefined)) problems.push({ wrongQuiet: new Date(T).toISOString(), hour, quiet });
    runs.push({ at: T, quiet: quiet !== undefined, muted, last: stored.map((h) => h.lastReportAt) });
    if (quiet !== undefined) return; // nothing sent, nothing written

    const snapshots: HostSnapshot[] = [];
    stored.forEach((h, i) => {
      if (h.lastReportAt === undefined) return; // never reported: not eligible
      const plan = s.hosts[i]!;
      const mutedUntil = mutedUntilAt(plan, T);
      snapshots.push({
        id: String(i),
        name: `host-${i}`,
        lastReportAt: h.lastReportAt,
        ...(mutedUntil !== undefined && { mutedUntil }),
        ...(plan.intervalMs !== undefined && { intervalMs: plan.intervalMs }),
        ...(h.back && { back: { ...h.back } }),
        alerts: instancesOf(h.doc.alerts, undefined),
      });
      stubs += snapshots.at(-1)!.alerts.filter((a) => Number.isNaN(a.start)).length;
    });
    const ev = evaluateHosts(snapshots, T, policy, destinations);
    // rule 8, along the way: the same input gives the same output
    if (run % 5 === 0) expect(evaluateHosts(structuredClone(snapshots), T, structuredClone(policy), structuredClone(destinations))).toEqual(ev);

    for (const { line, to } of ev.lines) {
      if (to.length === 0 || to.some((d, k) => d < 0 || d >= destinations.length || (k > 0 && d <= to[k - 1]!))) problems.push({ badTo: to, line });
    }
    // rule 7: one digest per destination per run, with all of its lines
    const totals = totalsByDestination(ev.lines, destinations.length);
    const accepted = new Set<string>();
    destinations.forEach((d, i) => {
      const mine = ev.lines.filter((l) => l.to.includes(i));
      if (mine.length === 0) return;
      const shown = linesFor(ev.lines, i, totals[i]!);
      const listed = shown.offline.length + shown.recoveries.length;
      if (listed !== mine.length) problems.push({ listed, lines: mine.length });
      const ok = s.accepts[run]![i]!;
      if (ok) accepted.add(d.key);
      for (const { line } of mine) offers.push({ run, at: T, dest: i, host: Number(line.hostId), line, accepted: ok });
    });

    // A report arriving during the run (after T, before the state write) reads the host before the write and is
    // written after it.
    const racing = s.hosts.map((plan, i) => {
      const at = plan.reports[nextReport[i]!];
      if (at === undefined || at > T + RACE_WINDOW_MS || !s.races[run]![i]) return undefined;
      nextReport[i]!++;
      return reportWrite(structuredClone(stored[i]!), at);
    });

    // rule 3: one write per host after delivery, keeping what the destinations that accepted were told
    for (const w of ev.writes) {
      const update = hostUpdate(w, accepted, new Date(T));
      if (!update) continue;
      // nothing is written for a host without a line for it, but the drop of a stub a race left
      if (!ev.lines.some((l) => l.line.hostId === w.hostId) && (w.notify || w.ended.length > 0)) problems.push({ writeWithoutLine: w });
      const h = stored[Number(w.hostId)]!;
      h.doc = apply(h.doc, update);
    }
    racing.forEach((write, i) => {
      if (!write) return;
      if (ev.writes.some((w) => w.hostId === String(i))) raced++;
      write(stored[i]!);
    });
  });
  expect(problems).toEqual([]);
  return { offers, runs, raced, stubs };
}

function firstReportAfter(plan: HostPlan, t: number): number | undefined {
  return plan.reports.find((r) => r > t);
}

test('rules 1-7 per destination hold over random timelines, destinations, delivery failures, quiet hours and muting', () => {
  const seen = { accepted: 0, failed: 0, catchUps: 0, recoveries: 0, partialRecoveries: 0, escalations: 0, graced: 0, raced: 0, stubs: 0 };
  fc.assert(
    fc.property(scenarioArb, (s) => {
      const { offers, runs, raced, stubs } = simulate(s);
      seen.raced += raced;
      seen.stubs += stubs;
      const { steps, graceMs } = s.policy;
      const key = (d: number, h: number, instance: number) => `${d}|${h}|${instance}`;

      // rule 1: no destination ever accepts the same step of the same instance twice
      const acceptedSteps = new Set<string>();
      for (const o of offers) {
        if (o.line.kind !== 'offline' || !o.accepted) continue;
        const k = `${key(o.dest, o.host, o.line.lastReportAt)}|${o.line.step}`;
        expect(acceptedSteps.has(k), k).toBe(false);
        acceptedSteps.add(k);
      }

      // rules 1, 2, 5, 6, 7, 9: at every run, each destination is offered exactly the highest due step it has not
      // accepted (>= its fromStep) for the host's current instance, unless the run is quiet or the host muted
      const had = new Map<string, number>();
      const mismatches: unknown[] = [];
      let oi = 0;
      runs.forEach((run, r) => {
        const now = new Map<string, Offer>();
        for (; oi < offers.length && offers[oi]!.run === r; oi++) {
          const o = offers[oi]!;
          if (o.line.kind === 'offline') {
            if (now.has(`${o.dest}|${o.host}`)) mismatches.push({ twoNoticesInOneRun: o });
            now.set(`${o.dest}|${o.host}`, o);
          }
        }
        if (run.quiet && now.size > 0) mismatches.push({ quiet: new Date(run.at).toISOString() });
        run.last.forEach((last, i) => {
          if (last === undefined || run.quiet) return;
          const plan = s.hosts[i]!;
          const due = oracleDue(steps, last, run.at, plan.intervalMs, graceMs);
          if (plan.intervalMs !== undefined && oracleDue(steps, last, run.at) !== due) seen.graced++;
          s.destinations.forEach((d, j) => {
            const got = had.get(key(j, i, last)) ?? 0;
            const expected = !run.muted[i] && due !== undefined && due >= d.fromStep && due > got ? due : undefined;
            const o = now.get(`${j}|${i}`);
            const actual = o?.line.kind === 'offline' ? o.line.step : undefined;
            if (actual !== expected) mismatches.push({ at: new Date(run.at).toISOString(), host: i, dest: j, due, had: got, expected, actual });
            if (o?.line.kind === 'offline' && (o.line.lastReportAt !== last || o.line.offlineMs !== run.at - last)) mismatches.push({ wrongLine: o });
            if (due !== undefined && due < d.fromStep && !run.muted[i]) seen.escalations++;
          });
        });
        for (const o of now.values()) {
          if (o.line.kind !== 'offline') continue;
          if (o.accepted) {
            const k = key(o.dest, o.host, o.line.lastReportAt);
            const prev = had.get(k);
            if (steps.indexOf(o.line.step) > (prev === undefined ? 0 : steps.indexOf(prev) + 1)) seen.catchUps++;
            had.set(k, o.line.step);
            seen.accepted++;
          } else seen.failed++;
        }
      });
      expect(mismatches).toEqual([]);
      expect(oi).toBe(offers.length);

      // rule 4: recoveries only to destinations notified of that instance, with the first report after it began
      const notifiedRun = new Map<string, number>();
      const recoveredRun = new Map<string, number>();
      for (const o of offers) {
        if (o.line.kind === 'offline') {
          if (o.accepted && !notifiedRun.has(key(o.dest, o.host, o.line.lastReportAt))) notifiedRun.set(key(o.dest, o.host, o.line.lastReportAt), o.run);
          continue;
        }
        if (o.line.kind !== 'recovered') continue;
        const k = key(o.dest, o.host, o.line.wentSilentAt);
        expect(notifiedRun.get(k), `recovery without notice ${k}`).toBeLessThan(o.run);
        expect(recoveredRun.has(k), `recovery after an accepted one ${k}`).toBe(false);
        if (o.accepted) recoveredRun.set(k, o.run);
        const seenAgain = firstReportAfter(s.hosts[o.host]!, o.line.wentSilentAt);
        expect(o.line.seenAgainAt).toBe(seenAgain);
        expect(o.line.goneMs).toBe(seenAgain! - o.line.wentSilentAt);
        expect(o.line.seenAgainAt).toBeLessThanOrEqual(o.at);
        expect(runs[o.run]!.quiet).toBe(false);
        expect(runs[o.run]!.muted[o.host]).toBe(false);
      }

      // rule 4 and rule 3: each notified destination is offered the recovery at every run that may send for the
      // host from the end of the instance on, until it accepts one; then never again
      for (const [k, firstNotice] of notifiedRun) {
        const [dest, hostIndex, instance] = k.split('|').map(Number) as [number, number, number];
        const back = firstReportAfter(s.hosts[hostIndex]!, instance);
        const expected: number[] = [];
        if (back !== undefined) {
          for (let r = firstNotice + 1; r < runs.length; r++) {
            const run = runs[r]!;
            if (run.at < back || run.quiet || run.muted[hostIndex]) continue;
            expected.push(r);
            if (s.accepts[r]![dest]) break;
          }
        }
        const actual = offers.filter((o) => o.line.kind === 'recovered' && key(o.dest, o.host, o.line.wentSilentAt) === k);
        expect(actual.map((o) => o.run), k).toEqual(expected);
        if (actual.length > 0 && actual.at(-1)!.accepted) seen.recoveries++;
        if (actual.length > 1) seen.partialRecoveries++;
      }
    }),
    { numRuns: 100 },
  );
  // the generator must actually exercise the interesting paths
  expect(seen.accepted).toBeGreaterThan(100);
  expect(seen.failed).toBeGreaterThan(20);
  expect(seen.catchUps).toBeGreaterThan(5);
  expect(seen.recoveries).toBeGreaterThan(10);
  expect(seen.partialRecoveries).toBeGreaterThan(2);
  expect(seen.escalations).toBeGreaterThan(5);
  expect(seen.graced).toBeGreaterThan(5);
  expect(seen.raced).toBeGreaterThan(20);
});

// ------------------------------------------------------------ rule 8 on arbitrary states

const snapshotArb = fc.record({
  lastAgoMs: fc.integer({ min: -MIN, max: 3 * DAY }),
  mutedOffsetMs: fc.option(fc.integer({ min: -DAY, max: DAY })),
  enabledAgoMs: fc.option(fc.integer({ min: 0, max: 3 * DAY })),
  intervalMs: fc.option(fc.constantFrom(30 * SEC, 300 * SEC)),
  backAgoMs: fc.option(fc.integer({ min: 0, max: DAY })),
  instances: fc.array(
    fc.record({
      beforeLastMs: fc.integer({ min: 0, max: 3 * DAY }), // 0: the current instance
      sent: fc.array(fc.option(fc.constantFrom(1, 10, 60, 240, 1440)), { minLength: 4, maxLength: 4 }),
      legacyStep: fc.option(fc.constantFrom(1, 10, 60), { freq: 4 }),
      backAfterMs: fc.option(fc.integer({ min: -HOUR, max: DAY })),
      stub: fc.boolean(),
    }),
    { maxLength: 3 },
  ),
});

test('rule 8 (deterministic): evaluateHosts gives equal results for equal inputs, never mutates them, and routes only what rules 1 and 4 allow', () => {
  fc.assert(
    fc.property(
      stepsArb,
      fc.array(snapshotArb, { maxLength: 5 }),
      fc.array(destinationArb, { minLength: 1, maxLength: 4 }),
      fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }),
      (steps, specs, destSpecs, T) => {
        const destinations = destSpecs.map((d, i) => destination(d.kind, i, d.fromStep === null ? 0 : steps[d.fromStep % steps.length]!));
        const hosts: HostSnapshot[] = specs.map((h, i) => {
          const lastReportAt = T - h.lastAgoMs;
          const alerts: InstanceState[] = [];
          for (const spec of h.instances) {
            const start = lastReportAt - spec.beforeLastMs;
            if (alerts.some((a) => a.key === offlineKey(start))) continue;
            if (spec.stub && spec.beforeLastMs > 0) {
              alerts.push({ key: offlineKey(start), start: Number.NaN, sent: {} });
              continue;
            }
            const sent: Record<string, number> = {};
            spec.sent.forEach((step, j) => {
              if (step !== null && destinations[j]) sent[destinations[j].key] = step;
            });
            alerts.push({
              key: offlineKey(start),
              start,
              sent,
              ...(spec.legacyStep !== null && !alerts.some((a) => a.legacyStep !== undefined) && { sent: {}, legacyStep: spec.legacyStep }),
              ...(spec.backAfterMs !== null && spec.beforeLastMs > 0 && { backAt: start + spec.backAfterMs }),
            });
          }
          return {
            id: `h${i}`,
            name: `host-${i}`,
            lastReportAt,
            alerts,
            ...(h.mutedOffsetMs !== null && { mutedUntil: T + h.mutedOffsetMs }),
            ...(h.enabledAgoMs !== null && { enabledAt: T - h.enabledAgoMs }),
            ...(h.intervalMs !== null && { intervalMs: h.intervalMs }),
            ...(h.backAgoMs !== null && { back: { from: lastReportAt - h.backAgoMs - MIN, at: lastReportAt - h.backAgoMs } }),
          };
        });
        const policy = { steps, graceMs: 60 * SEC };
        const copy = structuredClone(hosts);
        const a = evaluateHosts(hosts, T, policy, destinations);
        const b = evaluateHosts(copy, T, { steps: [...steps], graceMs: 60 * SEC }, structuredClone(destinations));
        expect(b).toEqual(a);
        expect(hosts).toEqual(copy);

        for (const { line, to } of a.lines) {
          const h = hosts.find((x) => x.id === line.hostId)!;
          expect(h.mutedUntil === undefined || h.mutedUntil <= T).toBe(true);
          for (const d of to.map((i) => destinations[i]!)) {
            if (line.kind === 'offline') {
              // rule 1 and fromStep: above what the destination has for the current instance
              const current = h.alerts.find((x) => x.start === h.lastReportAt);
              expect(line.step).toBeGreaterThan(sentTo(current, d));
              expect(line.step).toBeGreaterThanOrEqual(d.fromStep);
            } else if (line.kind === 'recovered') {
              // rule 4: only to a destination notified of the ended instance
              const ended = h.alerts.find((x) => x.start === line.wentSilentAt)!;
              expect(sentTo(ended, d)).toBeGreaterThan(0);
            }
          }
        }
        // a host's write names only instances it has, and drops only state nobody was notified of
        for (const w of a.writes) {
          const h = hosts.find((x) => x.id === w.hostId)!;
          for (const k of w.drop) expect(Object.keys(h.alerts.find((x) => x.key === k)!.sent)).toEqual([]);
          for (const e of w.ended) expect(h.alerts.some((x) => x.key === e.key)).toBe(true);
          if (w.notify) expect(w.notify.key).toBe(offlineKey(h.lastReportAt));
        }
      },
    ),
    { numRuns: 300 },
  );
});
