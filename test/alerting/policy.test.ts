import { expect, test } from 'vitest';
import {
  DEFAULT_STEPS,
  dueStep,
  emptyEvaluation,
  evaluateHost,
  evaluateHosts,
  offlineCutoff,
  offlineMinutes,
} from '../../src/alerting/policy.js';
import { quietHour } from '../../src/alerting/quiet-hours.js';
import { formatDigest } from '../../src/alerting/digest.js';
import type { AlertPolicy, AlertState, HostSnapshot, StateChange } from '../../src/alerting/types.js';

// Eligibility (active, alarm, credentials, reported at least once) is decided by the store's query, not by the
// pure core: every snapshot handed to evaluateHosts is treated as eligible, so it is not tested here.

const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const STEPS = [1, 10, 60, 240, 1440] as const;
const POLICY = { steps: STEPS };
/** An arbitrary outage start with a non-zero seconds part. */
const L = Date.UTC(2026, 2, 10, 9, 17, 23);

function host(overrides: Partial<HostSnapshot> = {}): HostSnapshot {
  return { id: 'h1', name: 'web-1', lastReportAt: L, ...overrides };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

// ---------------------------------------------------------------- Terms

test('Terms (offline minutes): m = floor((T - lastReportAt) / 60 s)', () => {
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

test('Terms (steps): the default steps are [1, 10, 60, 240, 1440] and cannot be modified', () => {
  expect([...DEFAULT_STEPS]).toEqual([1, 10, 60, 240, 1440]);
  expect(Object.isFrozen(DEFAULT_STEPS)).toBe(true);
});

test('Terms (due step): a host with m < S[0] produces no line and no change', () => {
  const steps = [5, 30];
  const r = evaluateHosts([host()], L + 5 * MIN - 1, { steps });
  expect(r.offline).toEqual([]);
  expect(r.recoveries).toEqual([]);
  expect(r.changes).toEqual([]);
  expect(r.hostsOffline).toBe(0);
  // a report "from the future" (clock skew) is not an outage either
  expect(evaluateHosts([host({ lastReportAt: L + HOUR })], L, { steps: STEPS }).changes).toEqual([]);
});

test('Terms (due step): offlineCutoff is the latest lastReportAt that has a due step at T', () => {
  const T = L + 3 * HOUR;
  const cutoff = offlineCutoff(T, [5, 30]);
  expect(cutoff).toBe(T - 5 * MIN);
  expect(evaluateHost(host({ lastReportAt: cutoff }), T, [5, 30]).offline?.step).toBe(5);
  expect(evaluateHost(host({ lastReportAt: cutoff + 1 }), T, [5, 30]).offline).toBeUndefined();
});

test('Terms (offline minutes): the offline line carries the exact offline time and last report', () => {
  const T = L + 61 * MIN + 30 * SEC;
  const r = evaluateHosts([host()], T, POLICY);
  expect(r.offline).toEqual([{ kind: 'offline', hostId: 'h1', name: 'web-1', step: 60, offlineMs: 61 * MIN + 30 * SEC, lastReportAt: L }]);
  expect(r.hostsOffline).toBe(1);
});

// ---------------------------------------------------------------- Rule 1

test('rule 1 (one notice per step per outage): first due step of a new outage is notified once', () => {
  const r = evaluateHosts([host()], L + MIN, POLICY);
  expect(r.offline.map((l) => l.step)).toEqual([1]);
  expect(r.changes).toEqual([{ kind: 'notify', hostId: 'h1', outage: L, step: 1 }]);
  expect(r.recoveries).toEqual([]);
});

test('rule 1 (one notice per step per outage): a step already notified for this outage is not sent again', () => {
  const alert: AlertState = { outage: L, step: 10 };
  for (const minutes of [10, 11, 30, 59]) {
    const r = evaluateHosts([host({ alert })], L + minutes * MIN + 5 * SEC, POLICY);
    expect(r.offline, `at m=${minutes}`).toEqual([]);
    expect(r.changes, `at m=${minutes}`).toEqual([]);
    expect(r.recoveries, `at m=${minutes}`).toEqual([]);
    // still counted as offline, just not notified again
    expect(r.hostsOffline).toBe(1);
  }
});

test('rule 1 (one notice per step per outage): the next higher step is notified when it becomes due', () => {
  const r = evaluateHosts([host({ alert: { outage: L, step: 10 } })], L + 60 * MIN, POLICY);
  expect(r.offline.map((l) => l.step)).toEqual([60]);
  expect(r.changes).toEqual([{ kind: 'notify', hostId: 'h1', outage: L, step: 60 }]);
});

test('rule 1 (one notice per step per outage): state for a different outage counts as none notified', () => {
  // notified up to 1440 for an older outage; the host came back and went silent again at L
  const old = L - 3 * 24 * HOUR;
  const r = evaluateHosts([host({ alert: { outage: old, step: 1440, backAt: old + 30 * HOUR } })], L + MIN, POLICY);
  expect(r.offline.map((l) => [l.step, l.lastReportAt])).toEqual([[1, L]]);
  expect(r.changes).toEqual([
    { kind: 'clear', hostId: 'h1', outage: old },
    { kind: 'notify', hostId: 'h1', outage: L, step: 1 },
  ]);
});

test('rule 1 (one notice per step per outage): a stored step above every due step sends nothing', () => {
  // e.g. the step list was shortened after 240 was notified for this outage
  const r = evaluateHosts([host({ alert: { outage: L, step: 240 } })], L + 500 * MIN, { steps: [1, 10, 60] });
  expect(r.offline).toEqual([]);
  expect(r.changes).toEqual([]);
});

test('rule 1 (one notice per step per outage): only hosts that hit a new step enter the digest', () => {
  const T = L + 65 * MIN;
  const hosts: HostSnapshot[] = [
    host({ id: 'a', name: 'a', lastReportAt: T - 30 * SEC }), // online
    host({ id: 'b', name: 'b', lastReportAt: T - 65 * MIN, alert: { outage: T - 65 * MIN, step: 60 } }), // already has 60
    host({ id: 'c', name: 'c', lastReportAt: T - 10 * MIN }), // new: step 10
    host({ id: 'd', name: 'd', lastReportAt: T - 241 * MIN, alert: { outage: T - 241 * MIN, step: 60 } }), // 240 now due
  ];
  const r = evaluateHosts(hosts, T, POLICY);
  expect(r.offline.map((l) => [l.hostId, l.step])).toEqual([
    ['c', 10],
    ['d', 240],
  ]);
  expect(r.changes).toEqual([
    { kind: 'notify', hostId: 'c', outage: T - 10 * MIN, step: 10 },
    { kind: 'notify', hostId: 'd', outage: T - 241 * MIN, step: 240 },
  ]);
  expect(r.hostsOffline).toBe(3);
  expect(r.hostsMuted).toBe(0);
});

// ---------------------------------------------------------------- Rule 2

test('rule 2 (catch-up, not flood): several steps due at once give one notice for the highest', () => {
  const r = evaluateHosts([host()], L + 300 * MIN, POLICY);
  expect(r.offline).toHaveLength(1);
  expect(r.offline[0]!.step).toBe(240);
  expect(r.changes).toEqual([{ kind: 'notify', hostId: 'h1', outage: L, step: 240 }]);
});

test('rule 2 (catch-up, not flood): catch-up after a lower notice skips the intermediate steps', () => {
  const r = evaluateHosts([host({ alert: { outage: L, step: 1 } })], L + 1441 * MIN, POLICY);
  expect(r.offline.map((l) => l.step)).toEqual([1440]);
  expect(r.changes).toEqual([{ kind: 'notify', hostId: 'h1', outage: L, step: 1440 }]);
});

test('rule 2 (catch-up, not flood): lower steps are never sent later', () => {
  // after the catch-up notice for 240 is recorded, every later minute up to 1439 sends nothing
  let alert: AlertState | undefined;
  const sent: number[] = [];
  for (let m = 300; m <= 1500; m++) {
    const r = evaluateHosts([host(alert ? { alert } : {})], L + m * MIN + 12 * SEC, POLICY);
    for (const c of r.changes) if (c.kind === 'notify') alert = { outage: c.outage, step: c.step };
    sent.push(...r.offline.map((l) => l.step));
    if (r.offline.length) expect(m === 300 || m === 1440, `notice at m=${m}`).toBe(true);
  }
  expect(sent).toEqual([240, 1440]);
});

test('rule 2 (catch-up, not flood): works with custom steps', () => {
  const steps = [5, 7, 30];
  expect(evaluateHost(host(), L + 29 * MIN, steps).offline?.step).toBe(7);
  expect(evaluateHost(host({ alert: { outage: L, step: 5 } }), L + 31 * MIN, steps).offline?.step).toBe(30);
  expect(evaluateHost(host({ alert: { outage: L, step: 7 } }), L + 29 * MIN, steps).offline).toBeUndefined();
});

// ---------------------------------------------------------------- Rule 4

test('rule 4 (recovery notice): a notified host that reported since gets one recovery line and a clear', () => {
  const backAt = L + 26 * HOUR + MIN + 30 * SEC;
  const r = evaluateHosts([host({ lastReportAt: backAt + 40 * SEC, alert: { outage: L, step: 1440, backAt } })], backAt + MIN, POLICY);
  expect(r.recoveries).toEqual([{ kind: 'recovered', hostId: 'h1', name: 'web-1', wentSilentAt: L, seenAgainAt: backAt, goneMs: backAt - L }]);
  expect(r.offline).toEqual([]);
  expect(r.changes).toEqual([{ kind: 'clear', hostId: 'h1', outage: L }]);
});

test('rule 4 (recovery notice): a backAt from before the outage (a report raced an earlier clear) is ignored for the latest report', () => {
  const back = L + 30 * MIN;
  const r = evaluateHosts([host({ lastReportAt: back, alert: { outage: L, step: 10, backAt: L - HOUR } })], back + 20 * SEC, POLICY);
  expect(r.recoveries).toEqual([{ kind: 'recovered', hostId: 'h1', name: 'web-1', wentSilentAt: L, seenAgainAt: back, goneMs: back - L }]);
});

test('rule 4 (recovery notice): seenAgainAt uses alert.backAt when present, not the latest report', () => {
  const backAt = L + 2 * HOUR;
  const latest = L + 5 * HOUR;
  const [line] = evaluateHosts([host({ lastReportAt: latest, alert: { outage: L, step: 60, backAt } })], latest + 30 * SEC, POLICY).recoveries;
  expect(line?.seenAgainAt).toBe(backAt);
  expect(line?.goneMs).toBe(2 * HOUR);
});

test('rule 4 (recovery notice): without alert.backAt, seenAgainAt falls back to lastReportAt', () => {
  const latest = L + 90 * MIN;
  const [line] = evaluateHosts([host({ lastReportAt: latest, alert: { outage: L, step: 60 } })], latest + 20 * SEC, POLICY).recoveries;
  expect(line?.wentSilentAt).toBe(L);
  expect(line?.seenAgainAt).toBe(latest);
  expect(line?.goneMs).toBe(90 * MIN);
});

test('rule 4 (recovery notice): recovery and a new outage in the same run give a recovery line and a notify for the new outage', () => {
  const backAt = L + 3 * HOUR;
  const newOutage = backAt + 5 * MIN; // came back, reported a few times, went silent again
  const T = newOutage + 12 * MIN;
  const r = evaluateHosts([host({ lastReportAt: newOutage, alert: { outage: L, step: 240, backAt } })], T, POLICY);
  expect(r.recoveries).toEqual([{ kind: 'recovered', hostId: 'h1', name: 'web-1', wentSilentAt: L, seenAgainAt: backAt, goneMs: 3 * HOUR }]);
  expect(r.offline.map((l) => [l.step, l.lastReportAt])).toEqual([[10, newOutage]]);
  // the ended outage is cleared first, so a skipped notice (host reported again) cannot repeat the recovery
  expect(r.changes).toEqual([
    { kind: 'clear', hostId: 'h1', outage: L },
    { kind: 'notify', hostId: 'h1', outage: newOutage, step: 10 },
  ]);
});

test('rule 4 (recovery notice): a recovered host with nothing due yet gets its line and its state cleared', () => {
  const backAt = L + 3 * HOUR;
  const r = evaluateHosts([host({ lastReportAt: backAt, alert: { outage: L, step: 240, backAt } })], backAt + 30 * SEC, POLICY);
  expect(r.recoveries).toHaveLength(1);
  expect(r.offline).toEqual([]);
  expect(r.changes).toEqual([{ kind: 'clear', hostId: 'h1', outage: L }]);
});

test('rule 4 (recovery notice): a host that recovers before any notice produces nothing', () => {
  // steps [10, 60]: the host is silent 8 minutes and comes back; no state was ever written
  const steps = [10, 60];
  const back = L + 8 * MIN + 10 * SEC;
  const runs: StateChange[] = [];
  for (let t = L + 30 * SEC; t <= back + 30 * MIN; t += MIN) {
    const lastReportAt = t >= back ? back + Math.floor((t - back) / MIN) * MIN : L;
    const r = evaluateHosts([host({ lastReportAt })], t, { steps });
    expect(r.offline, `at ${t - L}`).toEqual([]);
    expect(r.recoveries, `at ${t - L}`).toEqual([]);
    runs.push(...r.changes);
  }
  expect(runs).toEqual([]);
});

test('rule 4 (recovery notice): a recovery is sent once, then state is cleared and nothing follows', () => {
  let alert: AlertState | undefined = { outage: L, step: 60, backAt: L + 2 * HOUR };
  const lines: number[] = [];
  for (let t = L + 2 * HOUR + 30 * SEC; t < L + 4 * HOUR; t += MIN) {
    const r = evaluateHosts([host({ lastReportAt: t - 10 * SEC, ...(alert && { alert }) })], t, POLICY);
    lines.push(...r.recoveries.map((x) => x.wentSilentAt));
    for (const c of r.changes) if (c.kind === 'clear' && alert?.outage === c.outage) alert = undefined;
    expect(r.offline).toEqual([]);
  }
  expect(lines).toEqual([L]);
  expect(alert).toBeUndefined();
});

// ---------------------------------------------------------------- Rule 6

test('rule 6 (muting): a host muted until a later time gives no lines and no changes', () => {
  const T = L + 300 * MIN;
  const muted = evaluateHosts([host({ mutedUntil: T + 1 })], T, POLICY);
  expect(muted.offline).toEqual([]);
  expect(muted.recoveries).toEqual([]);
  expect(muted.changes).toEqual([]);
  expect(muted.hostsMuted).toBe(1);
  expect(muted.hostsOffline).toBe(1);
  // pending recovery is held too
  const recovering = evaluateHosts([host({ lastReportAt: T - MIN, mutedUntil: T + HOUR, alert: { outage: L, step: 60, backAt: T - MIN } })], T, POLICY);
  expect(recovering.recoveries).toEqual([]);
  expect(recovering.changes).toEqual([]);
});

test('rule 6 (muting): muting one host does not silence the others', () => {
  const T = L + 15 * MIN;
  const r = evaluateHosts([host({ id: 'm', name: 'm', mutedUntil: T + HOUR }), host({ id: 'n', name: 'n' })], T, POLICY);
  expect(r.offline.map((l) => l.hostId)).toEqual(['n']);
  expect(r.changes.map((c) => c.hostId)).toEqual(['n']);
  expect(r.hostsMuted).toBe(1);
});

test('rule 6 (muting): once the mute has ended (mutedUntil <= T) rules 1-4 apply with catch-up', () => {
  const T = L + 300 * MIN;
  for (const mutedUntil of [T, T - 1, L + 30 * MIN]) {
    const r = evaluateHosts([host({ mutedUntil, alert: { outage: L, step: 1 } })], T, POLICY);
    expect(r.hostsMuted).toBe(0);
    expect(r.offline.map((l) => l.step)).toEqual([240]);
    expect(r.changes).toEqual([{ kind: 'notify', hostId: 'h1', outage: L, step: 240 }]);
  }
  const back = evaluateHosts([host({ mutedUntil: T, lastReportAt: T - MIN, alert: { outage: L, step: 60, backAt: T - 2 * MIN } })], T, POLICY);
  expect(back.recoveries.map((x) => x.seenAgainAt)).toEqual([T - 2 * MIN]);
});

// ---------------------------------------------------------------- Rule 8

test('rule 8 (deterministic): same hosts, states and T give the same result', () => {
  const T = L + 1441 * MIN;
  const hosts: HostSnapshot[] = [
    host({ id: 'a', name: 'a' }),
    host({ id: 'b', name: 'b', alert: { outage: L, step: 240 } }),
    host({ id: 'c', name: 'c', lastReportAt: T - 20 * SEC, alert: { outage: L, step: 60, backAt: T - 5 * MIN } }),
    host({ id: 'd', name: 'd', mutedUntil: T + MIN }),
  ];
  const first = evaluateHosts(hosts, T, POLICY);
  const second = evaluateHosts(structuredClone(hosts), T, { steps: [...STEPS] });
  expect(second).toEqual(first);
  expect(first.offline.map((l) => l.hostId)).toEqual(['a', 'b']);
  expect(first.recoveries.map((l) => l.hostId)).toEqual(['c']);
});

test('rule 8 (deterministic): inputs are not mutated (deep-frozen inputs work, and stay equal)', () => {
  const T = L + 1441 * MIN;
  const hosts = deepFreeze<HostSnapshot[]>([
    host({ id: 'a', name: 'a' }),
    host({ id: 'c', name: 'c', lastReportAt: T - 20 * SEC, alert: { outage: L, step: 60, backAt: T - 5 * MIN } }),
  ]);
  const steps = deepFreeze([1, 10, 60, 240, 1440]);
  const before = structuredClone(hosts);
  const r = evaluateHosts(hosts, T, { steps });
  expect(r.offline).toHaveLength(1);
  expect(r.recoveries).toHaveLength(1);
  expect(hosts).toEqual(before);
  expect(steps).toEqual([1, 10, 60, 240, 1440]);
});

test('rule 8 (deterministic): folding pages into one evaluation equals evaluating all hosts at once', () => {
  const T = L + 70 * MIN;
  const hosts = [host({ id: 'a', name: 'a' }), host({ id: 'b', name: 'b', mutedUntil: T + 1 }), host({ id: 'c', name: 'c', lastReportAt: T - 11 * MIN })];
  const folded = emptyEvaluation();
  evaluateHosts(hosts.slice(0, 2), T, POLICY, folded);
  const same = evaluateHosts(hosts.slice(2), T, POLICY, folded);
  expect(same).toBe(folded);
  expect(folded).toEqual(evaluateHosts(hosts, T, POLICY));
  expect(folded.hostsOffline).toBe(3);
  expect(folded.hostsMuted).toBe(1);
});

// ---------------------------------------------------------------- Worked example

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
  const policy: AlertPolicy = { steps: [1, 10, 60, 240, 1440], ignoreHours: [4], timezone: ZONE };
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
      if (state === undefined) state = { id: 'h1', name: 'web-1', lastReportAt: at };
      else {
        const alert = state.alert && state.alert.backAt === undefined ? { ...state.alert, backAt: at } : state.alert;
        state = { ...state, lastReportAt: at, ...(alert && { alert }) };
      }
    }
    if (state === undefined) continue; // not eligible before its first report

    const quiet = quietHour(T, policy);
    if (quiet !== undefined) {
      expect(quiet).toBe(4);
      quietRuns.push(T);
      continue; // rule 5: nothing sent, no state written
    }
    const ev = evaluateHosts([state], T, policy);
    if (ev.offline.length + ev.recoveries.length === 0) {
      expect(ev.changes).toEqual([]);
      continue;
    }
    const digest = formatDigest({ offline: ev.offline, recoveries: ev.recoveries, checkTime: T, timezone: policy.timezone });
    sent.push({ at: T, subject: digest.subject, text: digest.text, steps: ev.offline.map((l) => l.step), recovered: ev.recoveries.length });
    // state advances after delivery, with the store's conditional writes
    for (const c of ev.changes) {
      if (c.kind === 'notify' && state.lastReportAt === c.outage && (state.alert?.outage !== c.outage || state.alert.step < c.step)) {
        state = { ...state, alert: { outage: c.outage, step: c.step } };
      } else if (c.kind === 'clear' && state.alert?.outage === c.outage) {
        const { alert: _cleared, ...rest } = state;
        state = rest;
      }
    }
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
  expect(sent[0]!.text).toContain('last report 2026-01-14 03:58:30');
  expect(sent[0]!.subject).toContain('1 host offline');
  expect(sent[0]!.subject).toContain('2026-01-14 05:00');
  expect(sent[0]!.subject).toContain(ZONE);
  expect(sent.flatMap((s) => s.steps)).not.toContain(1);
  expect(sent.flatMap((s) => s.steps)).not.toContain(10);

  // 06:00 next day: back online after 26 h 1 min (26 h 1 min 30 s), seen again at 06:00:00
  expect(sent[3]!.text).toContain('web-1: back online after 26 h 1 min');
  expect(sent[3]!.text).toContain('silent since 2026-01-14 03:58:30');
  expect(sent[3]!.text).toContain('seen again 2026-01-15 06:00:00');
  expect(sent[3]!.subject).toContain('1 back online');
  expect(state?.alert).toBeUndefined();
});
