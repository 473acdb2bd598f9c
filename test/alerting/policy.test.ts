import { expect, test } from 'vitest';
import {
  DEFAULT_GRACE_SECONDS,
  DEFAULT_STEPS,
  dueStep,
  emptyEvaluation,
  evaluateHost,
  evaluateHosts,
  offlineCutoff,
  offlineDueStep,
  offlineKey,
  offlineMinutes,
  seenAgainAt,
  sentTo,
  silentSince,
} from '../../src/alerting/policy.js';
import { quietHour } from '../../src/alerting/quiet-hours.js';
import { linesFor, totalsByDestination } from '../../src/alerting/digest.js';
import { fitText, noticeTitle } from '../../src/channels/format.js';
import type { AlertPolicy, Destination, HostSnapshot, HostWrite, InstanceState, RoutedLine } from '../../src/alerting/types.js';

// Eligibility (active, alarm, credentials, reported at least once) is decided by the store's query, not by the
// pure core: every snapshot handed to evaluateHosts is treated as eligible, so it is not tested here.

const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const STEPS = [1, 10, 60, 240, 1440] as const;
const POLICY = { steps: STEPS, graceMs: 60 * SEC };
/** An arbitrary outage start with a non-zero seconds part. */
const L = Date.UTC(2026, 2, 10, 9, 17, 23);
const K = offlineKey(L);

function mail(address: string, fromStep = 0): Destination {
  return { key: `mailto:${address}`, target: address, kind: 'mailto', label: address, fromStep };
}
function chat(name: string, fromStep = 0): Destination {
  return { key: name, channel: name, target: '', kind: 'slack', label: `${name} (slack)`, fromStep };
}
const OPS = mail('ops@example.com');
const TEAM = chat('team');
const DESTS = [OPS, TEAM];

function host(overrides: Partial<HostSnapshot> = {}): HostSnapshot {
  return { id: 'h1', name: 'web-1', lastReportAt: L, alerts: [], ...overrides };
}

function instance(start: number, sent: Record<string, number>, extra: Partial<InstanceState> = {}): InstanceState {
  return { key: offlineKey(start), start, sent, ...extra };
}

/** Destination key -> step of the offline lines of an evaluation. */
function stepsTo(lines: readonly RoutedLine[], dests: readonly Destination[] = DESTS): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { line, to } of lines) if (line.kind === 'offline') for (const i of to) out[dests[i]!.key] = line.step;
  return out;
}

/** Destination keys that get a recovery line, per instance start. */
function recoveredTo(lines: readonly RoutedLine[], dests: readonly Destination[] = DESTS): [number, string[]][] {
  return lines.flatMap(({ line, to }) => (line.kind === 'recovered' ? [[line.wentSilentAt, to.map((i) => dests[i]!.key)] as [number, string[]]] : []));
}

/**
 * What the store keeps after a run (alert-state.ts), as the check reads it back: the accepted destinations' steps,
 * legacy records rewritten per destination, ended instances cleared per destination that accepted the recovery.
 */
function record(h: HostSnapshot, w: HostWrite | undefined, accepted: ReadonlySet<string>): HostSnapshot {
  if (!w) return h;
  let alerts = h.alerts.filter((a) => !w.drop.includes(a.key)).map((a) => ({ ...a, sent: { ...a.sent } }));
  for (const e of w.ended) {
    const a = alerts.find((x) => x.key === e.key)!;
    const left = Object.entries(e.notified).filter(([d]) => !(e.recovered.includes(d) && accepted.has(d)));
    if (left.length === 0) alerts = alerts.filter((x) => x !== a);
    else {
      const told = e.recovered.some((d) => accepted.has(d));
      if (e.backAt !== undefined && (a.legacyStep !== undefined || told)) a.backAt = e.backAt;
      a.sent = Object.fromEntries(left);
      delete a.legacyStep;
    }
  }
  if (w.notify) {
    const n = w.notify;
    const told = Object.entries(n.steps).filter(([d]) => accepted.has(d));
    if (told.length > 0 || n.carried) {
      let a = alerts.find((x) => x.key === n.key);
      if (!a || a.legacyStep !== undefined) {
        alerts = alerts.filter((x) => x !== a);
        a = { key: n.key, start: n.start, sent: {} };
        alerts.push(a);
      }
      for (const [d, step] of [...Object.entries(n.carried ?? {}), ...told]) a.sent[d] = Math.max(a.sent[d] ?? 0, step);
    }
  }
  return { ...h, alerts };
}

/**
 * A report stored at `at`, with what the store records besides (alert-state.ts reportStateFields): backAt on the
 * instance it ends; after a silence of a minute `back`, and before `back` is replaced, the return it held as backAt
 * of the instance it ended if that has none.
 */
function report(h: HostSnapshot, at: number): HostSnapshot {
  const silence = at - h.lastReportAt >= MIN;
  const alerts = h.alerts.map((a) => {
    if (a.backAt !== undefined) return a;
    if (a.start === h.lastReportAt) return { ...a, backAt: at };
    if (silence && h.back && a.start === h.back.from) return { ...a, backAt: h.back.at };
    return a;
  });
  return { ...h, lastReportAt: at, alerts, ...(silence && { back: { from: h.lastReportAt, at } }) };
}

const ALL = new Set(DESTS.map((d) => d.key));

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

// ---------------------------------------------------------------- Terms

test('Terms (time in condition): m = floor((T - start) / 60 s)', () => {
  expect(offlineMinutes(L, L)).toBe(0);
  expect(offlineMinutes(L + 59_999, L)).toBe(0);
  expect(offlineMinutes(L + MIN, L)).toBe(1);
  expect(offlineMinutes(L + 2 * MIN - 1, L)).toBe(1);
  expect(offlineMinutes(L + 240 * MIN + 30 * SEC, L)).toBe(240);
  // a report newer than the check time (clock skew) is not offline at all
  expect(offlineMinutes(L - 1, L)).toBeLessThan(0);
});

test('Terms (due step): the largest step <= m; none when m < S[0]', () => {
  expect(dueStep(STEPS, 0)).toBeUndefined();
  expect(dueStep(STEPS, 1)).toBe(1);
  expect(dueStep(STEPS, 9)).toBe(1);
  expect(dueStep(STEPS, 10)).toBe(10);
  expect(dueStep(STEPS, 59)).toBe(10);
  expect(dueStep(STEPS, 61)).toBe(60);
  expect(dueStep(STEPS, 1439)).toBe(240);
  expect(dueStep(STEPS, 1440)).toBe(1440);
  expect(dueStep(STEPS, 100_000)).toBe(1440);
  expect(dueStep([5, 7, 30], 4)).toBeUndefined();
  expect(dueStep([5, 7, 30], -3)).toBeUndefined();
  expect(dueStep([5, 7, 30], 6)).toBe(5);
});

test('Terms (steps): the default steps are [1, 10, 60, 240, 1440] and cannot be modified; the default grace is 60 s', () => {
  expect([...DEFAULT_STEPS]).toEqual([1, 10, 60, 240, 1440]);
  expect(Object.isFrozen(DEFAULT_STEPS)).toBe(true);
  expect(DEFAULT_GRACE_SECONDS).toBe(60);
});

test('Terms (condition): an offline instance is keyed by the lastReportAt it had when it went silent', () => {
  expect(offlineKey(L)).toBe(`offline_${L}`);
  expect(silentSince({ lastReportAt: L })).toBe(L);
  expect(silentSince({ lastReportAt: L, enabledAt: L - HOUR })).toBe(L);
  expect(silentSince({ lastReportAt: L, enabledAt: L + HOUR })).toBe(L + HOUR);
});

test('Terms (due step): a host with m < S[0] produces no line and no write', () => {
  const steps = [5, 30];
  const r = evaluateHosts([host()], L + 5 * MIN - 1, { steps, graceMs: 0 }, DESTS);
  expect(r.lines).toEqual([]);
  expect(r.writes).toEqual([]);
  expect(r.hostsOffline).toBe(0);
  // a report "from the future" (clock skew) is not an outage either
  expect(evaluateHosts([host({ lastReportAt: L + HOUR })], L, POLICY, DESTS).writes).toEqual([]);
});

test('Terms (due step): offlineCutoff is the latest lastReportAt that has a due step at T', () => {
  const T = L + 3 * HOUR;
  const policy = { steps: [5, 30], graceMs: 0 };
  const cutoff = offlineCutoff(T, policy.steps);
  expect(cutoff).toBe(T - 5 * MIN);
  expect(stepsTo(evaluateHost(host({ lastReportAt: cutoff }), T, policy, DESTS).lines)).toEqual({ [OPS.key]: 5, [TEAM.key]: 5 });
  expect(evaluateHost(host({ lastReportAt: cutoff + 1 }), T, policy, DESTS).lines).toEqual([]);
});

test('Terms (time in condition): the offline line carries the exact offline time and last report', () => {
  const T = L + 61 * MIN + 30 * SEC;
  const r = evaluateHosts([host()], T, POLICY, DESTS);
  expect(r.lines).toEqual([{ line: { kind: 'offline', hostId: 'h1', name: 'web-1', step: 60, offlineMs: 61 * MIN + 30 * SEC, lastReportAt: L }, to: [0, 1] }]);
  expect(r.hostsOffline).toBe(1);
});

test('Terms (alert state): sentTo is the step a destination has for an instance, 0 when none', () => {
  const inst = instance(L, { [OPS.key]: 10 });
  expect(sentTo(inst, OPS)).toBe(10);
  expect(sentTo(inst, TEAM)).toBe(0);
  expect(sentTo(undefined, OPS)).toBe(0);
});

// ---------------------------------------------------------------- Rule 1

test('rule 1 (one notice per step per instance per destination): the first due step goes once to every destination', () => {
  const r = evaluateHost(host(), L + MIN, POLICY, DESTS);
  expect(r.held).toBeUndefined();
  expect(r.lines).toEqual([{ line: { kind: 'offline', hostId: 'h1', name: 'web-1', step: 1, offlineMs: MIN, lastReportAt: L }, to: [0, 1] }]);
  expect(r.write).toEqual({ hostId: 'h1', notify: { key: K, start: L, steps: { [OPS.key]: 1, [TEAM.key]: 1 } }, ended: [], drop: [], keys: [] });
});

test('rule 1 (one notice per step per instance per destination): a step a destination already got is not sent to it again', () => {
  const alerts = [instance(L, { [OPS.key]: 10 })];
  for (const minutes of [10, 11, 30, 59]) {
    const r = evaluateHost(host({ alerts }), L + minutes * MIN + 5 * SEC, POLICY, DESTS);
    // team never got anything: it gets the due step; ops already has it
    expect(stepsTo(r.lines), `at m=${minutes}`).toEqual({ [TEAM.key]: 10 });
    expect(r.write?.notify?.steps, `at m=${minutes}`).toEqual({ [TEAM.key]: 10 });
  }
  // both have it: nothing at all, but the host is still counted as offline
  const both = evaluateHosts([host({ alerts: [instance(L, { [OPS.key]: 10, [TEAM.key]: 10 })] })], L + 30 * MIN, POLICY, DESTS);
  expect(both.lines).toEqual([]);
  expect(both.writes).toEqual([]);
  expect(both.hostsOffline).toBe(1);
});

test('rule 1 (one notice per step per instance per destination): the next higher step is sent when it becomes due', () => {
  const r = evaluateHost(host({ alerts: [instance(L, { [OPS.key]: 10, [TEAM.key]: 10 })] }), L + 60 * MIN, POLICY, DESTS);
  expect(stepsTo(r.lines)).toEqual({ [OPS.key]: 60, [TEAM.key]: 60 });
  expect(r.lines).toHaveLength(1);
  expect(r.write?.notify).toEqual({ key: K, start: L, steps: { [OPS.key]: 60, [TEAM.key]: 60 } });
  expect(r.write?.keys).toEqual([K]);
});

test('rule 1 (one notice per step per instance per destination): state for a different instance counts as none notified', () => {
  // notified up to 1440 for an older outage; the host came back and went silent again at L
  const old = L - 3 * DAY;
  const alerts = [instance(old, { [OPS.key]: 1440, [TEAM.key]: 1440 }, { backAt: old + 30 * HOUR })];
  const r = evaluateHost(host({ alerts }), L + MIN, POLICY, DESTS);
  expect(stepsTo(r.lines)).toEqual({ [OPS.key]: 1, [TEAM.key]: 1 });
  expect(recoveredTo(r.lines)).toEqual([[old, [OPS.key, TEAM.key]]]);
  expect(r.write).toEqual({
    hostId: 'h1',
    notify: { key: K, start: L, steps: { [OPS.key]: 1, [TEAM.key]: 1 } },
    ended: [{ key: offlineKey(old), recovered: [OPS.key, TEAM.key], notified: { [OPS.key]: 1440, [TEAM.key]: 1440 } }],
    drop: [],
    keys: [offlineKey(old)],
  });
});

test('rule 1 (one notice per step per instance per destination): a stored step above every due step sends nothing', () => {
  // e.g. the step list was shortened after 240 was notified for this outage
  const r = evaluateHost(host({ alerts: [instance(L, { [OPS.key]: 240, [TEAM.key]: 240 })] }), L + 500 * MIN, { steps: [1, 10, 60], graceMs: 0 }, DESTS);
  expect(r.lines).toEqual([]);
  expect(r.write).toBeUndefined();
});

test('rule 1 (one notice per step per instance per destination): only hosts that hit a new step enter the run', () => {
  const T = L + 65 * MIN;
  const hosts: HostSnapshot[] = [
    host({ id: 'a', name: 'a', lastReportAt: T - 30 * SEC }), // online
    host({ id: 'b', name: 'b', lastReportAt: T - 65 * MIN, alerts: [instance(T - 65 * MIN, { [OPS.key]: 60, [TEAM.key]: 60 })] }), // has 60
    host({ id: 'c', name: 'c', lastReportAt: T - 10 * MIN }), // new: step 10
    host({ id: 'd', name: 'd', lastReportAt: T - 241 * MIN, alerts: [instance(T - 241 * MIN, { [OPS.key]: 60 })] }), // 240 now due
  ];
  const r = evaluateHosts(hosts, T, POLICY, DESTS);
  expect(r.lines.map((l) => [l.line.hostId, l.line.kind === 'offline' && l.line.step, l.to])).toEqual([
    ['c', 10, [0, 1]],
    ['d', 240, [0, 1]],
  ]);
  expect(r.writes.map((w) => [w.hostId, w.notify?.steps])).toEqual([
    ['c', { [OPS.key]: 10, [TEAM.key]: 10 }],
    ['d', { [OPS.key]: 240, [TEAM.key]: 240 }],
  ]);
  expect(r.hostsOffline).toBe(3);
  expect(r.hostsMuted).toBe(0);
});

// ---------------------------------------------------------------- Rule 2

test('rule 2 (catch-up, not flood): several steps due at once give one notice for the highest', () => {
  const r = evaluateHost(host(), L + 300 * MIN, POLICY, DESTS);
  expect(r.lines).toHaveLength(1);
  expect(stepsTo(r.lines)).toEqual({ [OPS.key]: 240, [TEAM.key]: 240 });
});

test('rule 2 (catch-up, not flood): catch-up after a lower notice skips the intermediate steps', () => {
  const r = evaluateHost(host({ alerts: [instance(L, { [OPS.key]: 1, [TEAM.key]: 1 })] }), L + 1441 * MIN, POLICY, DESTS);
  expect(stepsTo(r.lines)).toEqual({ [OPS.key]: 1440, [TEAM.key]: 1440 });
});

test('rule 2 (catch-up, not flood): after failures a destination without state gets the current due step only', () => {
  // ops got 1 and 10; team failed every time so far
  const r = evaluateHost(host({ alerts: [instance(L, { [OPS.key]: 10 })] }), L + 65 * MIN, POLICY, DESTS);
  expect(r.lines).toHaveLength(1);
  expect(stepsTo(r.lines)).toEqual({ [OPS.key]: 60, [TEAM.key]: 60 });
  // team still failing: ops has 60, team gets 60 (not 1, not 10) whenever it next accepts
  const later = evaluateHost(host({ alerts: [instance(L, { [OPS.key]: 60 })] }), L + 200 * MIN, POLICY, DESTS);
  expect(stepsTo(later.lines)).toEqual({ [TEAM.key]: 60 });
});

test('rule 2 (catch-up, not flood): lower steps are never sent later, to any destination', () => {
  // team fails from m=300 to m=999; state is kept as the store keeps it
  let h = host();
  const sent: Record<string, number[]> = { [OPS.key]: [], [TEAM.key]: [] };
  for (let m = 300; m <= 1500; m++) {
    const r = evaluateHost(h, L + m * MIN + 12 * SEC, POLICY, DESTS);
    const accepted = new Set(m < 1000 ? [OPS.key] : [OPS.key, TEAM.key]);
    for (const [d, step] of Object.entries(stepsTo(r.lines))) if (accepted.has(d)) sent[d]!.push(step);
    h = record(h, r.write, accepted);
  }
  expect(sent).toEqual({ [OPS.key]: [240, 1440], [TEAM.key]: [240, 1440] });
});

test('rule 2 (catch-up, not flood): works with custom steps', () => {
  const steps = { steps: [5, 7, 30], graceMs: 0 };
  expect(stepsTo(evaluateHost(host(), L + 29 * MIN, steps, [OPS]).lines, [OPS])).toEqual({ [OPS.key]: 7 });
  expect(stepsTo(evaluateHost(host({ alerts: [instance(L, { [OPS.key]: 5 })] }), L + 31 * MIN, steps, [OPS]).lines, [OPS])).toEqual({ [OPS.key]: 30 });
  expect(evaluateHost(host({ alerts: [instance(L, { [OPS.key]: 7 })] }), L + 29 * MIN, steps, [OPS]).lines).toEqual([]);
});

// ---------------------------------------------------------------- Rule 4

test('rule 4 (recovery notice): only destinations notified of the ended instance get a recovery line, then their state is cleared', () => {
  const backAt = L + 26 * HOUR + MIN + 30 * SEC;
  const h = host({ lastReportAt: backAt + 40 * SEC, alerts: [instance(L, { [OPS.key]: 1440 }, { backAt })] });
  const r = evaluateHost(h, backAt + MIN, POLICY, DESTS);
  expect(r.lines).toEqual([{ line: { kind: 'recovered', hostId: 'h1', name: 'web-1', wentSilentAt: L, seenAgainAt: backAt, goneMs: backAt - L }, to: [0] }]);
  expect(r.write).toEqual({ hostId: 'h1', ended: [{ key: K, recovered: [OPS.key], notified: { [OPS.key]: 1440 } }], drop: [], keys: [K] });
  expect(record(h, r.write, ALL).alerts).toEqual([]);
});

test('rule 4 (recovery notice): seenAgainAt is instance.backAt when recorded', () => {
  const backAt = L + 2 * HOUR;
  const latest = L + 5 * HOUR;
  const h = host({ lastReportAt: latest, back: { from: latest - 2 * MIN, at: latest }, alerts: [instance(L, { [OPS.key]: 60 }, { backAt })] });
  expect(seenAgainAt(h, h.alerts[0]!)).toBe(backAt);
  const [line] = evaluateHost(h, latest + 30 * SEC, POLICY, DESTS).lines;
  expect(line?.line).toMatchObject({ kind: 'recovered', seenAgainAt: backAt, goneMs: 2 * HOUR });
});

test('rule 4 (recovery notice): without backAt, seenAgainAt is back.at when back.from is the instance start, else lastReportAt', () => {
  // the report that ended the outage was read before the notice was written, so it set no backAt; it set `back`
  const first = L + 90 * MIN;
  const latest = first + 10 * MIN;
  const inst = instance(L, { [OPS.key]: 60 });
  expect(seenAgainAt(host({ lastReportAt: latest, back: { from: L, at: first }, alerts: [inst] }), inst)).toBe(first);
  // `back` is from a later return (another silence since): it says nothing about this instance
  expect(seenAgainAt(host({ lastReportAt: latest, back: { from: first + MIN, at: latest }, alerts: [inst] }), inst)).toBe(latest);
  expect(seenAgainAt(host({ lastReportAt: latest, alerts: [inst] }), inst)).toBe(latest);

  const [line] = evaluateHost(host({ lastReportAt: latest, back: { from: L, at: first }, alerts: [inst] }), latest + 20 * SEC, POLICY, DESTS).lines;
  expect(line?.line).toEqual({ kind: 'recovered', hostId: 'h1', name: 'web-1', wentSilentAt: L, seenAgainAt: first, goneMs: 90 * MIN });
});

test('rule 4 (recovery notice): a backAt from before the instance (a report raced an earlier clear) is ignored', () => {
  const back = L + 30 * MIN;
  const inst = instance(L, { [OPS.key]: 10 }, { backAt: L - HOUR });
  const r = evaluateHost(host({ lastReportAt: back, alerts: [inst] }), back + 20 * SEC, POLICY, DESTS);
  expect(r.lines.map((l) => l.line)).toEqual([{ kind: 'recovered', hostId: 'h1', name: 'web-1', wentSilentAt: L, seenAgainAt: back, goneMs: back - L }]);
});

test('rule 4 (recovery notice): a destination that failed the recovery gets it later with the same end time, the others nothing', () => {
  // the stored instance has no backAt (its report raced the notice): the time comes from `back` and is kept
  const first = L + 90 * MIN;
  let h = host({ lastReportAt: first + 20 * SEC, back: { from: L, at: first }, alerts: [instance(L, { [OPS.key]: 60, [TEAM.key]: 60 })] });
  const r1 = evaluateHost(h, first + 30 * SEC, POLICY, DESTS);
  expect(recoveredTo(r1.lines)).toEqual([[L, [OPS.key, TEAM.key]]]);
  h = record(h, r1.write, new Set([OPS.key]));
  // the host went silent for 2 minutes and came back: `back` now names that return
  h = report(h, first + 3 * MIN);
  expect(h.back).toEqual({ from: first + 20 * SEC, at: first + 3 * MIN });
  const r2 = evaluateHost(h, first + 3 * MIN + 30 * SEC, POLICY, DESTS);
  expect(r2.lines).toEqual([{ line: { kind: 'recovered', hostId: 'h1', name: 'web-1', wentSilentAt: L, seenAgainAt: first, goneMs: 90 * MIN }, to: [1] }]);
  h = record(h, r2.write, new Set([TEAM.key]));
  expect(h.alerts).toEqual([]);
  expect(evaluateHost(h, first + 3 * MIN + 50 * SEC, POLICY, DESTS).lines).toEqual([]);
});

test('rule 4 (recovery notice): recovery and a new instance in the same run give a recovery line and a notice for the new one', () => {
  const backAt = L + 3 * HOUR;
  const newOutage = backAt + 5 * MIN; // came back, reported a few times, went silent again
  const T = newOutage + 12 * MIN;
  const r = evaluateHost(host({ lastReportAt: newOutage, alerts: [instance(L, { [OPS.key]: 240, [TEAM.key]: 60 }, { backAt })] }), T, POLICY, DESTS);
  expect(r.lines).toEqual([
    { line: { kind: 'recovered', hostId: 'h1', name: 'web-1', wentSilentAt: L, seenAgainAt: backAt, goneMs: 3 * HOUR }, to: [0, 1] },
    { line: { kind: 'offline', hostId: 'h1', name: 'web-1', step: 10, offlineMs: 12 * MIN, lastReportAt: newOutage }, to: [0, 1] },
  ]);
  expect(r.write?.ended).toEqual([{ key: K, recovered: [OPS.key, TEAM.key], notified: { [OPS.key]: 240, [TEAM.key]: 60 } }]);
  expect(r.write?.notify).toEqual({ key: offlineKey(newOutage), start: newOutage, steps: { [OPS.key]: 10, [TEAM.key]: 10 } });
});

test('rule 4 (recovery notice): a host that recovers before any notice produces nothing', () => {
  // steps [10, 60]: the host is silent 8 minutes and comes back; no state was ever written
  const policy = { steps: [10, 60], graceMs: 0 };
  const back = L + 8 * MIN + 10 * SEC;
  for (let t = L + 30 * SEC; t <= back + 30 * MIN; t += MIN) {
    const lastReportAt = t >= back ? back + Math.floor((t - back) / MIN) * MIN : L;
    const r = evaluateHost(host({ lastReportAt }), t, policy, DESTS);
    expect(r.lines, `at ${t - L}`).toEqual([]);
    expect(r.write, `at ${t - L}`).toBeUndefined();
  }
});

test('rule 4 (recovery notice): a recovery is sent once per destination, then nothing follows', () => {
  let h = host({ lastReportAt: L + 2 * HOUR, alerts: [instance(L, { [OPS.key]: 60, [TEAM.key]: 60 }, { backAt: L + 2 * HOUR })] });
  const got: string[] = [];
  for (let t = L + 2 * HOUR + 30 * SEC; t < L + 4 * HOUR; t += MIN) {
    h = report(h, t - 10 * SEC);
    const r = evaluateHost(h, t, POLICY, DESTS);
    expect(stepsTo(r.lines)).toEqual({});
    got.push(...recoveredTo(r.lines).flatMap(([, to]) => to));
    h = record(h, r.write, ALL);
  }
  expect(got).toEqual([OPS.key, TEAM.key]);
  expect(h.alerts).toEqual([]);
});

test('rule 4 (recovery notice): a stub instance (no start, nothing sent) is dropped without lines', () => {
  const stub: InstanceState = { key: offlineKey(L - HOUR), start: Number.NaN, sent: {} };
  const r = evaluateHost(host({ lastReportAt: L + 10 * SEC, alerts: [stub] }), L + 30 * SEC, POLICY, DESTS);
  expect(r.lines).toEqual([]);
  expect(r.write).toEqual({ hostId: 'h1', ended: [], drop: [stub.key], keys: [stub.key] });
  // next to a notice for the current outage
  const withNotice = evaluateHost(host({ alerts: [stub] }), L + MIN, POLICY, DESTS);
  expect(withNotice.lines.map((l) => l.line.kind)).toEqual(['offline']);
  expect(withNotice.write?.drop).toEqual([stub.key]);
});

test('rule 4 (recovery notice): state of destinations not in this run is kept for them, and nobody here is told', () => {
  // another schedule's channel was notified of the ended instance
  const inst = instance(L, { pager: 60 }, { backAt: L + HOUR });
  const r = evaluateHost(host({ lastReportAt: L + HOUR, alerts: [inst] }), L + HOUR + 30 * SEC, POLICY, DESTS);
  expect(r.lines).toEqual([]);
  expect(r.write?.ended).toEqual([{ key: K, recovered: [], notified: { pager: 60 } }]);
  expect(r.write?.drop).toEqual([]);
});

// ---------------------------------------------------------------- Rule 7: escalation (fromStep)

test('rule 7 (fromStep): a destination from step 60 gets nothing at step 10 and the step-60 notice later', () => {
  const PAGER = chat('pager', 60);
  const dests = [OPS, PAGER];
  let h = host();
  const r10 = evaluateHost(h, L + 10 * MIN, POLICY, dests);
  expect(r10.lines.map((l) => l.to)).toEqual([[0]]);
  expect(r10.write?.notify?.steps).toEqual({ [OPS.key]: 10 });
  h = record(h, r10.write, new Set([OPS.key, PAGER.key]));
  expect(evaluateHost(h, L + 59 * MIN, POLICY, dests).lines).toEqual([]);
  const r60 = evaluateHost(h, L + 61 * MIN, POLICY, dests);
  expect(stepsTo(r60.lines, dests)).toEqual({ [OPS.key]: 60, [PAGER.key]: 60 });
  // catch-up from a fromStep: nothing before 60 was due to it, the highest due step is what it gets
  expect(stepsTo(evaluateHost(host(), L + 300 * MIN, POLICY, dests).lines, dests)).toEqual({ [OPS.key]: 240, [PAGER.key]: 240 });
  // a fromStep between steps: the first step at or above it
  expect(stepsTo(evaluateHost(host(), L + 30 * MIN, POLICY, [chat('p', 30)]).lines, [chat('p', 30)])).toEqual({});
  expect(stepsTo(evaluateHost(host(), L + 60 * MIN, POLICY, [chat('p', 30)]).lines, [chat('p', 30)])).toEqual({ p: 60 });
});

test('rule 7 (fromStep) and rule 4: an escalation destination gets the recovery only if it was notified', () => {
  const PAGER = chat('pager', 60);
  const dests = [OPS, PAGER];
  // ended at step 10: only ops was told
  const short = evaluateHost(host({ lastReportAt: L + 20 * MIN, alerts: [instance(L, { [OPS.key]: 10 }, { backAt: L + 20 * MIN })] }), L + 21 * MIN, POLICY, dests);
  expect(recoveredTo(short.lines, dests)).toEqual([[L, [OPS.key]]]);
  // ended after step 60: both
  const long = evaluateHost(host({ lastReportAt: L + 2 * HOUR, alerts: [instance(L, { [OPS.key]: 60, [PAGER.key]: 60 }, { backAt: L + 2 * HOUR })] }), L + 2 * HOUR + MIN, POLICY, dests);
  expect(recoveredTo(long.lines, dests)).toEqual([[L, [OPS.key, PAGER.key]]]);
});

// ---------------------------------------------------------------- legacy state

test('legacy state: legacyStep counts for mailto destinations only, and the notify write carries it', () => {
  const A = mail('a@example.com');
  const B = mail('b@example.com');
  const dests = [A, B, TEAM];
  const legacy: InstanceState = { key: K, start: L, sent: {}, legacyStep: 10 };
  expect(sentTo(legacy, A)).toBe(10);
  expect(sentTo(legacy, TEAM)).toBe(0);
  expect(sentTo({ ...legacy, sent: { [A.key]: 60 } }, A)).toBe(60);

  const r = evaluateHost(host({ alerts: [legacy] }), L + 30 * MIN, POLICY, dests);
  expect(r.lines.map((l) => l.to)).toEqual([[2]]);
  expect(r.write).toEqual({
    hostId: 'h1',
    notify: { key: K, start: L, steps: { [TEAM.key]: 10 }, carried: { [A.key]: 10, [B.key]: 10 } },
    ended: [],
    drop: [],
    keys: [K],
    legacyKey: K,
  });
  // step 60: above the legacy step, so for everyone; the legacy state is still carried (for the mail not accepting)
  const r60 = evaluateHost(host({ alerts: [legacy] }), L + 61 * MIN, POLICY, dests);
  expect(stepsTo(r60.lines, dests)).toEqual({ [A.key]: 60, [B.key]: 60, [TEAM.key]: 60 });
  expect(r60.write?.notify?.carried).toEqual({ [A.key]: 10, [B.key]: 10 });
  // with nothing new due for anyone nothing is written (the legacy record stays until a write)
  expect(evaluateHost(host({ alerts: [legacy] }), L + 30 * MIN, POLICY, [A, B]).write).toBeUndefined();
});

test('legacy state: an ended legacy instance is recovered to mailto destinations only', () => {
  const A = mail('a@example.com');
  const dests = [A, TEAM];
  const legacy: InstanceState = { key: K, start: L, sent: {}, legacyStep: 60, backAt: L + 2 * HOUR };
  const r = evaluateHost(host({ lastReportAt: L + 2 * HOUR, alerts: [legacy] }), L + 2 * HOUR + 30 * SEC, POLICY, dests);
  expect(recoveredTo(r.lines, dests)).toEqual([[L, [A.key]]]);
  expect(r.write).toEqual({ hostId: 'h1', ended: [{ key: K, recovered: [A.key], notified: { [A.key]: 60 }, backAt: L + 2 * HOUR }], drop: [], keys: [K], legacyKey: K });
});

// ---------------------------------------------------------------- Rule 6

test('rule 6 (muting): a host muted until a later time gives no lines and no write', () => {
  const T = L + 300 * MIN;
  const muted = evaluateHosts([host({ mutedUntil: T + 1 })], T, POLICY, DESTS);
  expect(muted.lines).toEqual([]);
  expect(muted.writes).toEqual([]);
  expect(muted.hostsMuted).toBe(1);
  expect(muted.hostsOffline).toBe(1);
  expect(evaluateHost(host({ mutedUntil: T + 1 }), T, POLICY, DESTS)).toEqual({ held: 'muted', lines: [] });
  // a pending recovery and a stub are held too
  const alerts = [instance(L, { [OPS.key]: 60 }, { backAt: T - MIN }), { key: offlineKey(L - HOUR), start: Number.NaN, sent: {} }];
  const recovering = evaluateHosts([host({ lastReportAt: T - MIN, mutedUntil: T + HOUR, alerts })], T, POLICY, DESTS);
  expect(recovering.lines).toEqual([]);
  expect(recovering.writes).toEqual([]);
});

test('rule 6 (muting): muting one host does not silence the others', () => {
  const T = L + 15 * MIN;
  const r = evaluateHosts([host({ id: 'm', name: 'm', mutedUntil: T + HOUR }), host({ id: 'n', name: 'n' })], T, POLICY, DESTS);
  expect(r.lines.map((l) => l.line.hostId)).toEqual(['n']);
  expect(r.writes.map((w) => w.hostId)).toEqual(['n']);
  expect(r.hostsMuted).toBe(1);
});

test('rule 6 (muting): once the mute has ended (mutedUntil <= T) rules 1-4 apply with catch-up', () => {
  const T = L + 300 * MIN;
  for (const mutedUntil of [T, T - 1, L + 30 * MIN]) {
    const r = evaluateHosts([host({ mutedUntil, alerts: [instance(L, { [OPS.key]: 1 })] })], T, POLICY, DESTS);
    expect(r.hostsMuted).toBe(0);
    expect(stepsTo(r.lines)).toEqual({ [OPS.key]: 240, [TEAM.key]: 240 });
  }
  const back = evaluateHost(host({ mutedUntil: T, lastReportAt: T - 30 * SEC, alerts: [instance(L, { [OPS.key]: 60 }, { backAt: T - 2 * MIN })] }), T, POLICY, DESTS);
  expect(back.lines.map((l) => l.line.kind === 'recovered' && l.line.seenAgainAt)).toEqual([T - 2 * MIN]);
});

// ---------------------------------------------------------------- Rule 9

test('rule 9 (grace): a host reporting every 5 min is not offline after 5 min 30 s of silence with 60 s grace', () => {
  const h = host({ intervalMs: 300_000 });
  for (const silent of [MIN, 5 * MIN + 30 * SEC, 6 * MIN]) {
    expect(offlineDueStep(h, L + silent, POLICY), `silent ${silent / SEC} s`).toBeUndefined();
    const r = evaluateHosts([h], L + silent, POLICY, DESTS);
    expect(r.lines).toEqual([]);
    expect(r.writes).toEqual([]);
    expect(r.hostsOffline).toBe(0);
  }
});

test('rule 9 (grace): silent 6 min 1 s it is offline, and its step counts from its last report', () => {
  const h = host({ intervalMs: 300_000 });
  const T = L + 6 * MIN + SEC;
  expect(offlineDueStep(h, T, POLICY)).toBe(1);
  const r = evaluateHost(h, T, POLICY, DESTS);
  expect(r.lines).toEqual([{ line: { kind: 'offline', hostId: 'h1', name: 'web-1', step: 1, offlineMs: 6 * MIN + SEC, lastReportAt: L }, to: [0, 1] }]);
  // with steps [5, 30] the first notice is step 5 (m = 6), not step 5 counted from the end of the grace
  expect(offlineDueStep(h, T, { steps: [5, 30], graceMs: 60 * SEC })).toBe(5);
  // the grace is the schedule's
  expect(offlineDueStep(h, L + 5 * MIN + 1, { steps: STEPS, graceMs: 0 })).toBe(1);
  expect(offlineDueStep(h, L + 7 * MIN, { steps: STEPS, graceMs: 120 * SEC })).toBeUndefined();
});

test('rule 9 (grace): a host whose interval is not known has no grace', () => {
  expect(offlineDueStep(host(), L + MIN, POLICY)).toBe(1);
  expect(offlineDueStep(host(), L + MIN - 1, POLICY)).toBeUndefined();
  expect(stepsTo(evaluateHost(host(), L + MIN, POLICY, DESTS).lines)).toEqual({ [OPS.key]: 1, [TEAM.key]: 1 });
});

test('rule 9 (enabling): offline time counts from the last enabling, the instance stays keyed by lastReportAt', () => {
  const enabledAt = L + 2 * DAY; // disabled for two days: its reports were refused
  const h = host({ enabledAt });
  expect(evaluateHost(h, enabledAt + 30 * SEC, POLICY, DESTS).lines).toEqual([]);
  expect(evaluateHost(h, enabledAt + 30 * SEC, POLICY, DESTS).write).toBeUndefined();
  const r = evaluateHost(h, enabledAt + 10 * MIN + 5 * SEC, POLICY, DESTS);
  expect(r.lines).toEqual([{ line: { kind: 'offline', hostId: 'h1', name: 'web-1', step: 10, offlineMs: 10 * MIN + 5 * SEC, lastReportAt: L }, to: [0, 1] }]);
  expect(r.write?.notify).toEqual({ key: K, start: L, steps: { [OPS.key]: 10, [TEAM.key]: 10 } });
  // an enabling before the last report changes nothing
  expect(stepsTo(evaluateHost(host({ enabledAt: L - DAY }), L + 61 * MIN, POLICY, DESTS).lines)).toEqual({ [OPS.key]: 60, [TEAM.key]: 60 });
});

test('rule 9 (enabling and grace): a host just enabled has its interval plus grace to report before it is offline', () => {
  const enabledAt = L + 2 * DAY;
  const h = host({ enabledAt, intervalMs: 300_000 });
  expect(offlineDueStep(h, enabledAt + 2 * MIN, POLICY)).toBeUndefined();
  expect(offlineDueStep(h, enabledAt + 6 * MIN, POLICY)).toBeUndefined();
  expect(offlineDueStep(h, enabledAt + 6 * MIN + SEC, POLICY)).toBe(1);
});

// ---------------------------------------------------------------- Rule 8

test('rule 8 (deterministic): same hosts, states, destinations and T give the same result', () => {
  const T = L + 1441 * MIN;
  const hosts: HostSnapshot[] = [
    host({ id: 'a', name: 'a' }),
    host({ id: 'b', name: 'b', alerts: [instance(L, { [OPS.key]: 240 })] }),
    host({ id: 'c', name: 'c', lastReportAt: T - 20 * SEC, alerts: [instance(L, { [OPS.key]: 60, [TEAM.key]: 60 }, { backAt: T - 5 * MIN })] }),
    host({ id: 'd', name: 'd', mutedUntil: T + MIN }),
  ];
  const first = evaluateHosts(hosts, T, POLICY, DESTS);
  const second = evaluateHosts(structuredClone(hosts), T, { steps: [...STEPS], graceMs: POLICY.graceMs }, structuredClone(DESTS));
  expect(second).toEqual(first);
  expect(first.lines.map((l) => [l.line.hostId, l.line.kind])).toEqual([
    ['a', 'offline'],
    ['b', 'offline'],
    ['c', 'recovered'],
  ]);
});

test('rule 8 (deterministic): inputs are not mutated (deep-frozen inputs work, and stay equal)', () => {
  const T = L + 1441 * MIN;
  const hosts = deepFreeze<HostSnapshot[]>([
    host({ id: 'a', name: 'a', alerts: [{ key: K, start: L, sent: {}, legacyStep: 1 }] }),
    host({ id: 'c', name: 'c', lastReportAt: T - 20 * SEC, alerts: [instance(L, { [OPS.key]: 60 }, { backAt: T - 5 * MIN })] }),
  ]);
  const steps = deepFreeze([1, 10, 60, 240, 1440]);
  const dests = deepFreeze(structuredClone(DESTS));
  const before = structuredClone(hosts);
  const r = evaluateHosts(hosts, T, { steps, graceMs: 0 }, dests);
  expect(r.lines).toHaveLength(2);
  expect(hosts).toEqual(before);
  expect(steps).toEqual([1, 10, 60, 240, 1440]);
  expect(dests).toEqual(DESTS);
});

test('rule 8 (deterministic): folding pages into one evaluation equals evaluating all hosts at once', () => {
  const T = L + 70 * MIN;
  const hosts = [host({ id: 'a', name: 'a' }), host({ id: 'b', name: 'b', mutedUntil: T + 1 }), host({ id: 'c', name: 'c', lastReportAt: T - 11 * MIN })];
  const folded = emptyEvaluation();
  evaluateHosts(hosts.slice(0, 2), T, POLICY, DESTS, folded);
  const same = evaluateHosts(hosts.slice(2), T, POLICY, DESTS, folded);
  expect(same).toBe(folded);
  expect(folded).toEqual(evaluateHosts(hosts, T, POLICY, DESTS));
  expect(folded.hostsOffline).toBe(3);
  expect(folded.hostsMuted).toBe(1);
});

// ---------------------------------------------------------------- Worked examples

/** One destination's notice of a run, as the workflow builds it, and its title and text as the channels show them. */
function digestFor(lines: readonly RoutedLine[], d: number, count: number, checkTime: number, timezone: string) {
  const totals = totalsByDestination(lines, count);
  const notice = { id: 'run.d0', run: 'run', checkTime, timezone, ...linesFor(lines, d, totals[d]!) };
  return { subject: noticeTitle(notice), text: fitText(notice, 1_000_000) };
}

// Europe/Berlin in January is UTC+1 (no DST), so local 03:58:30 on 2026-01-14 is 02:58:30 UTC.
const ZONE = 'Europe/Berlin';
function berlin(day: number, h: number, m: number, s = 0): number {
  return Date.UTC(2026, 0, day, h - 1, m, s);
}

test('worked example: the Berlin clock used below is UTC+1 in January', () => {
  const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  expect(fmt.format(new Date(berlin(14, 3, 58, 30)))).toBe('03:58:30');
  expect(fmt.format(new Date(berlin(15, 6, 0)))).toBe('06:00:00');
});

test('worked example (steps 1, 10, 60, 240, 1440; quiet hour 4): step 60 at 05:00, 240 at 07:59, 1440 at 03:59, recovery 26 h 1 min', () => {
  const policy: AlertPolicy = { steps: [1, 10, 60, 240, 1440], ignoreHours: [4], timezone: ZONE, graceMs: 60 * SEC };
  const dests = [OPS];
  const silentFrom = berlin(14, 3, 58, 30);
  const backAt = berlin(15, 6, 0);
  // The host reports every minute until 03:58:30, is silent, and reports every minute again from 06:00 next day.
  const reports: number[] = [];
  for (let t = berlin(14, 3, 0, 30); t <= silentFrom; t += MIN) reports.push(t);
  for (let t = backAt; t <= berlin(15, 6, 30); t += MIN) reports.push(t);

  let state: HostSnapshot | undefined; // the store's document, as far as the check sees it
  let next = 0;
  const sent: { at: number; subject: string; text: string; steps: number[]; recovered: number }[] = [];
  const quietRuns: number[] = [];

  for (let T = berlin(14, 3, 30); T <= berlin(15, 6, 30); T += MIN) {
    // reports that arrived up to T (a report at the check instant is in before the check)
    while (next < reports.length && reports[next]! <= T) {
      const at = reports[next++]!;
      state = state === undefined ? host({ lastReportAt: at }) : report(state, at);
    }
    if (state === undefined) continue; // not eligible before its first report

    const quiet = quietHour(T, policy);
    if (quiet !== undefined) {
      expect(quiet).toBe(4);
      quietRuns.push(T);
      continue; // rule 5: nothing sent, no state written
    }
    const ev = evaluateHosts([state], T, policy, dests);
    if (ev.lines.length === 0) {
      expect(ev.writes).toEqual([]);
      continue;
    }
    const digest = digestFor(ev.lines, 0, dests.length, T, policy.timezone);
    sent.push({
      at: T,
      subject: digest.subject,
      text: digest.text,
      steps: ev.lines.flatMap((l) => (l.line.kind === 'offline' ? [l.line.step] : [])),
      recovered: ev.lines.filter((l) => l.line.kind === 'recovered').length,
    });
    // state advances after delivery (accepted)
    state = record(state, ev.writes[0], new Set([OPS.key]));
  }

  // 04:00 .. 04:59 on both days is quiet
  expect(quietRuns).toHaveLength(120);
  expect(quietRuns[0]).toBe(berlin(14, 4, 0));
  expect(quietRuns[59]).toBe(berlin(14, 4, 59));
  expect(quietRuns[60]).toBe(berlin(15, 4, 0));

  expect(sent.map((s) => s.at)).toEqual([berlin(14, 5, 0), berlin(14, 7, 59), berlin(15, 3, 59), berlin(15, 6, 0)]);
  expect(sent.map((s) => s.steps)).toEqual([[60], [240], [1440], []]);
  expect(sent.map((s) => s.recovered)).toEqual([0, 0, 0, 1]);

  // 05:00: offline 61 min (61 min 30 s, floored) -> one notice, step 60; steps 1 and 10 never sent
  expect(sent[0]!.text).toContain('web-1: offline 61 minutes');
  expect(sent[0]!.text).toContain('last report 2026-01-14 03:58:30 +01:00');
  expect(sent[0]!.subject).toContain('1 host offline');
  expect(sent[0]!.subject).toContain('2026-01-14 05:00 +01:00');
  expect(sent[0]!.subject).toContain(ZONE);
  expect(sent.flatMap((s) => s.steps)).not.toContain(1);
  expect(sent.flatMap((s) => s.steps)).not.toContain(10);
  // 07:59 is offline 240 min 30 s
  expect(sent[1]!.text).toContain('web-1: offline 4 h 0 min');

  // 06:00 next day: back online after 26 h 1 min (26 h 1 min 30 s), seen again at 06:00:00
  expect(sent[3]!.text).toContain('web-1: back online after 26 h 1 min');
  expect(sent[3]!.text).toContain('silent since 2026-01-14 03:58:30 +01:00');
  expect(sent[3]!.text).toContain('seen again 2026-01-15 06:00:00 +01:00');
  expect(sent[3]!.subject).toContain('1 back online');
  expect(state?.alerts).toEqual([]);
});

test('worked example (one destination fails; mail = a@x, b@x; chat = team): b@x catches up at 10:01, team at 10:21, nobody gets a step twice', () => {
  const policy = { steps: [1, 10, 60, 240, 1440], graceMs: 60 * SEC };
  const A = mail('a@x');
  const B = mail('b@x');
  const CHAT = chat('team');
  const dests = [A, B, CHAT];
  const at = (h: number, m: number, s = 0) => Date.UTC(2026, 2, 10, h, m, s);
  const fails = (d: Destination, T: number) =>
    (d === B && T === at(10, 0)) || (d === CHAT && T >= at(10, 8) && T <= at(10, 20));

  let h = host({ lastReportAt: at(9, 58, 40) });
  const offered: Record<string, [number, number][]> = { [A.key]: [], [B.key]: [], [CHAT.key]: [] };
  const got: Record<string, [number, number][]> = { [A.key]: [], [B.key]: [], [CHAT.key]: [] };
  const recoveries: Record<string, number[]> = { [A.key]: [], [B.key]: [], [CHAT.key]: [] };
  const states: Record<number, Record<string, number>> = {};
  const reportAt = at(10, 25, 10);

  for (let T = at(10, 0); T <= at(10, 30); T += MIN) {
    // back at 10:25:10, then reporting every 20 s
    if (T > reportAt && h.lastReportAt < reportAt) h = report(h, reportAt);
    if (T > reportAt && T - 10 * SEC > h.lastReportAt) h = report(h, T - 10 * SEC);
    const r = evaluateHost(h, T, policy, dests);
    const accepted = new Set<string>();
    dests.forEach((d, i) => {
      const mine = r.lines.filter((l) => l.to.includes(i));
      if (mine.length === 0) return;
      if (!fails(d, T)) accepted.add(d.key);
      for (const { line } of mine) {
        if (line.kind === 'offline') {
          offered[d.key]!.push([T, line.step]);
          if (accepted.has(d.key)) got[d.key]!.push([T, line.step]);
        } else if (accepted.has(d.key)) recoveries[d.key]!.push(T);
      }
    });
    h = record(h, r.write, accepted);
    states[T] = { ...h.alerts.find((a) => a.start === at(9, 58, 40))?.sent };
  }

  // 10:00: step 1 due; a@x accepts, b@x is greylisted, team accepts
  expect(states[at(10, 0)]).toEqual({ [A.key]: 1, [CHAT.key]: 1 });
  // 10:01: b@x gets its step-1 notice; a@x and team get nothing
  expect(offered[B.key]!.slice(0, 2)).toEqual([
    [at(10, 0), 1],
    [at(10, 1), 1],
  ]);
  expect(states[at(10, 1)]).toEqual({ [A.key]: 1, [B.key]: 1, [CHAT.key]: 1 });
  // 10:08: team's webhook fails from now on, but nothing is due for it until 10:09
  expect(offered[CHAT.key]!.filter(([T]) => T === at(10, 8))).toEqual([]);
  // 10:09: step 10 due; a@x and b@x get it; team is offered step 10 at every run and accepts at 10:21
  expect(got[A.key]).toEqual([
    [at(10, 0), 1],
    [at(10, 9), 10],
  ]);
  expect(got[B.key]).toEqual([
    [at(10, 1), 1],
    [at(10, 9), 10],
  ]);
  expect(got[CHAT.key]).toEqual([
    [at(10, 0), 1],
    [at(10, 21), 10],
  ]);
  expect(offered[CHAT.key]!.slice(1)).toEqual(Array.from({ length: 13 }, (_, i) => [at(10, 9 + i), 10]));
  // no destination got any step twice
  for (const d of dests) expect(new Set(got[d.key]!.map(([, step]) => step)).size).toBe(got[d.key]!.length);
  // the host reports at 10:25:10: each of the three gets one recovery at 10:26, then the state is gone
  expect(recoveries).toEqual({ [A.key]: [at(10, 26)], [B.key]: [at(10, 26)], [CHAT.key]: [at(10, 26)] });
  expect(h.alerts).toEqual([]);
});
