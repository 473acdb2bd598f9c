import { expect, test } from 'vitest';
import fc from 'fast-check';
import { applyUpdate } from '../support/mongo-update.js';
import { decodeDestKey, encodeDestKey, hostUpdate, instancesOf, notifiedWrite, type InstanceDoc, type LegacyAlertDoc } from '../../src/store/alert-state.js';
import { evaluateHost, offlineKey } from '../../src/alerting/policy.js';
import type { Destination, HostSnapshot, HostWrite } from '../../src/alerting/types.js';

// Pure tests of how per-destination alert state is stored and of the one update per host that records a run
// (ALERTING.md rule 3). The update is also applied to an in-memory document with MongoDB's semantics for
// $set / $max / $unset, refusing updates MongoDB itself would refuse (two operators on one path or on a path and
// its parent, a field name starting with `$`, an empty field name).

const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const L = Date.UTC(2026, 2, 10, 9, 17, 23);
const K = offlineKey(L);
const AT = new Date(L + 61 * MIN);

const A = 'mailto:a@example.com';
const B = 'mailto:b@example.com';
const TEAM = 'team';
const encA = 'mailto:a@example%2Ecom';
const encB = 'mailto:b@example%2Ecom';

type Update = NonNullable<ReturnType<typeof hostUpdate>>;
type Doc = Record<string, unknown>;

/** Applies an update the way MongoDB does, to a copy of `doc`. */
const apply = (doc: Doc, update: Update | undefined): Doc => applyUpdate(doc, update);

function write(overrides: Partial<HostWrite>): HostWrite {
  return { hostId: 'h1', ended: [], drop: [], keys: [], ...overrides };
}

function instanceDoc(start: number, sent: Record<string, number>, extra: Partial<InstanceDoc> = {}): InstanceDoc {
  return { start: new Date(start), sent: Object.fromEntries(Object.entries(sent).map(([d, s]) => [encodeDestKey(d), s])), ...extra };
}

// ---------------------------------------------------------------- destination keys as field names

test('encodeDestKey/decodeDestKey: mailto addresses lose their dots in field names and come back unchanged', () => {
  expect(encodeDestKey('mailto:ops@example.com')).toBe('mailto:ops@example%2Ecom');
  expect(decodeDestKey('mailto:ops@example%2Ecom')).toBe('mailto:ops@example.com');
  expect(encodeDestKey('oncall')).toBe('oncall');
  expect(encodeDestKey('ops.pager#device-1')).toBe('ops%2Epager#device-1');
  expect(decodeDestKey(encodeDestKey('ops.pager#device-1'))).toBe('ops.pager#device-1');
});

test('encodeDestKey/decodeDestKey: keys with % and a leading $ round-trip, and escapes never collide', () => {
  const keys = ['50%', '%2E', '%24', '%25', 'a%2Eb.c', '$where', '$', '$$x', 'a$b', 'mailto:%2E@x.io', 'x%'];
  for (const key of keys) {
    const field = encodeDestKey(key);
    expect(decodeDestKey(field), key).toBe(key);
    expect(field, key).not.toContain('.');
    expect(field.startsWith('$'), key).toBe(false);
  }
  expect(encodeDestKey('%2E')).toBe('%252E');
  expect(encodeDestKey('$where')).toBe('%24where');
  // a `$` that is not the first character is a valid field name and is kept
  expect(encodeDestKey('a$b')).toBe('a$b');
  expect(new Set(keys.map(encodeDestKey)).size).toBe(keys.length);
});

test('encodeDestKey/decodeDestKey: any key round-trips and gives a valid, distinct field name', () => {
  const keyArb = fc.string({ unit: fc.constantFrom('a', '.', '%', '$', '2', 'E', 'e', '4', '5', '@', ':'), minLength: 1, maxLength: 12 });
  fc.assert(
    fc.property(keyArb, keyArb, (a, b) => {
      expect(decodeDestKey(encodeDestKey(a))).toBe(a);
      expect(encodeDestKey(a)).not.toContain('.');
      expect(encodeDestKey(a).startsWith('$')).toBe(false);
      if (a !== b) expect(encodeDestKey(a)).not.toBe(encodeDestKey(b));
    }),
    { numRuns: 500 },
  );
});

// ---------------------------------------------------------------- reading documents

test('instancesOf: stored instances (Dates) become InstanceStates (ms) with decoded destination keys', () => {
  const old = L - 2 * HOUR;
  const alerts: Record<string, InstanceDoc> = {
    [offlineKey(old)]: { start: new Date(old), notifiedAt: new Date(old + 10 * MIN), sent: { [encA]: 10, team: 1 }, backAt: new Date(old + 30 * MIN) },
    [K]: { start: new Date(L), notifiedAt: AT, sent: { [encB]: 60 } },
  };
  expect(instancesOf(alerts, undefined)).toEqual([
    { key: offlineKey(old), start: old, sent: { [A]: 10, team: 1 }, backAt: old + 30 * MIN },
    { key: K, start: L, sent: { [B]: 60 } },
  ]);
  expect(instancesOf(undefined, undefined)).toEqual([]);
  expect(instancesOf({}, undefined)).toEqual([]);
  // an instance without `sent` (or with a non-number in it) reads as notified to nobody
  expect(instancesOf({ [K]: { start: new Date(L) } }, undefined)).toEqual([{ key: K, start: L, sent: {} }]);
  expect(instancesOf({ [K]: { start: new Date(L), sent: { [encA]: 'x' as unknown as number, team: 10 } } }, undefined)).toEqual([{ key: K, start: L, sent: { team: 10 } }]);
});

test('instancesOf: a stub without a start (a report raced a clear) reads as start NaN with nothing sent', () => {
  const stubKey = offlineKey(L - HOUR);
  const [stub, ...rest] = instancesOf({ [stubKey]: { backAt: new Date(L) } as unknown as InstanceDoc }, undefined);
  expect(rest).toEqual([]);
  expect(stub!.key).toBe(stubKey);
  expect(Number.isNaN(stub!.start)).toBe(true);
  expect(stub!.sent).toEqual({});
  expect(stub!.legacyStep).toBeUndefined();
});

test('instancesOf: a legacy record reads as one instance with legacyStep; a legacy stub is left out', () => {
  const legacy: LegacyAlertDoc = { outage: new Date(L), step: 10, notifiedAt: new Date(L + 10 * MIN), backAt: new Date(L + HOUR) };
  expect(instancesOf(undefined, legacy)).toEqual([{ key: K, start: L, sent: {}, legacyStep: 10, backAt: L + HOUR }]);
  expect(instancesOf(undefined, { outage: new Date(L), step: 1 })).toEqual([{ key: K, start: L, sent: {}, legacyStep: 1 }]);
  expect(instancesOf(undefined, { backAt: new Date(L) })).toEqual([]);
  expect(instancesOf(undefined, { outage: new Date(L) })).toEqual([]);
});

// ---------------------------------------------------------------- step notices (rules 1-3)

test('rule 3 (state per destination): only accepted destinations\' steps are in $max, with the instance start and notifiedAt', () => {
  const w = write({ notify: { key: K, start: L, steps: { [A]: 60, [B]: 60, [TEAM]: 60 } } });
  expect(hostUpdate(w, new Set([A, TEAM]), AT)).toEqual({
    $set: { [`alerts.${K}.start`]: new Date(L), [`alerts.${K}.notifiedAt`]: AT },
    $max: { [`alerts.${K}.sent.${encA}`]: 60, [`alerts.${K}.sent.${TEAM}`]: 60 },
  });
  // accepted destinations that had nothing for this host are not written for it
  expect(hostUpdate(w, new Set([B, 'mailto:other@example.com']), AT)).toEqual({
    $set: { [`alerts.${K}.start`]: new Date(L), [`alerts.${K}.notifiedAt`]: AT },
    $max: { [`alerts.${K}.sent.${encB}`]: 60 },
  });
});

test('rule 3 (state per destination): nothing accepted, nothing to write', () => {
  const w = write({ notify: { key: K, start: L, steps: { [A]: 1 } }, keys: [] });
  expect(hostUpdate(w, new Set(), AT)).toBeUndefined();
  expect(hostUpdate(w, new Set([B]), AT)).toBeUndefined();
  expect(hostUpdate(write({}), new Set([A]), AT)).toBeUndefined();
});

test('rule 3 (never lowers a step): $max keeps a higher stored step, and re-applying an update changes nothing', () => {
  const doc: Doc = { alerts: { [K]: instanceDoc(L, { [A]: 240 }) } };
  const update = hostUpdate(write({ notify: { key: K, start: L, steps: { [A]: 60, [B]: 60 } }, keys: [K] }), new Set([A, B]), AT);
  const once = apply(doc, update);
  expect(once.alerts).toEqual({ [K]: { start: new Date(L), notifiedAt: AT, sent: { [encA]: 240, [encB]: 60 } } });
  expect(apply(once, update)).toEqual(once);
});

test('notifiedWrite: records the steps of the offline instance starting at `start`', () => {
  const w = notifiedWrite('h9', L, { [A]: 10 });
  expect(w).toEqual({ hostId: 'h9', notify: { key: K, start: L, steps: { [A]: 10 } }, ended: [], drop: [], keys: [] });
  expect(hostUpdate(w, new Set([A]), AT)).toEqual({ $set: { [`alerts.${K}.start`]: new Date(L), [`alerts.${K}.notifiedAt`]: AT }, $max: { [`alerts.${K}.sent.${encA}`]: 10 } });
});

// ---------------------------------------------------------------- recoveries (rule 4)

test('rule 4 (recovery notice): an ended instance every notified destination was told of is removed; with nothing left, the whole alerts field', () => {
  const ended = { key: K, recovered: [A, TEAM], notified: { [A]: 60, [TEAM]: 10 } };
  const update = hostUpdate(write({ ended: [ended], keys: [K] }), new Set([A, TEAM]), AT);
  expect(update).toEqual({ $unset: { alerts: '' } });
  expect(apply({ alerts: { [K]: instanceDoc(L, { [A]: 60, [TEAM]: 10 }) } }, update)).toEqual({});
});

test('rule 4 (recovery notice): a fully recovered instance is unset by its path when other instances stay or a notice is written', () => {
  const older = offlineKey(L - DAY);
  const ended = { key: older, recovered: [A], notified: { [A]: 1440 } };
  // another instance (the current one) stays
  expect(hostUpdate(write({ ended: [ended], keys: [older, K] }), new Set([A]), AT)).toEqual({ $unset: { [`alerts.${older}`]: '' } });
  // a new notice is written in the same update
  expect(hostUpdate(write({ ended: [ended], notify: { key: K, start: L, steps: { [A]: 1 } }, keys: [older] }), new Set([A]), AT)).toEqual({
    $set: { [`alerts.${K}.start`]: new Date(L), [`alerts.${K}.notifiedAt`]: AT },
    $max: { [`alerts.${K}.sent.${encA}`]: 1 },
    $unset: { [`alerts.${older}`]: '' },
  });
});

test('rule 4 (recovery notice): partly recovered: only the accepted destinations\' sent paths are unset, the others keep theirs', () => {
  const ended = { key: K, recovered: [A, B, TEAM], notified: { [A]: 60, [B]: 60, [TEAM]: 60 }, backAt: L + 2 * HOUR };
  const update = hostUpdate(write({ ended: [ended], keys: [K] }), new Set([A, TEAM]), AT)!;
  expect(update.$unset).toEqual({ [`alerts.${K}.sent.${encA}`]: '', [`alerts.${K}.sent.${TEAM}`]: '' });
  expect(update.$max).toBeUndefined();
  const doc = apply({ alerts: { [K]: instanceDoc(L, { [A]: 60, [B]: 60, [TEAM]: 60 }, { backAt: new Date(L + 2 * HOUR) }) } }, update);
  expect(instancesOf(doc.alerts as Record<string, InstanceDoc>, undefined)).toEqual([{ key: K, start: L, sent: { [B]: 60 }, backAt: L + 2 * HOUR }]);
  // the last one told removes it
  const last = hostUpdate(write({ ended: [{ ...ended, recovered: [B], notified: { [B]: 60 } }], keys: [K] }), new Set([B]), AT);
  expect(apply(doc, last)).toEqual({});
});

test('rule 4 (recovery notice): a partly recovered instance keeps when the host was seen again, for the later recovery lines', () => {
  // No backAt stored: the report that ended the outage was read before the notice was written, so the check took
  // the time from `back`. `back` holds only the latest return, so the time is kept with the instance.
  const ended = { key: K, recovered: [A, B], notified: { [A]: 10, [B]: 10 }, backAt: L + 30 * MIN };
  const update = hostUpdate(write({ ended: [ended], keys: [K] }), new Set([A]), AT);
  const doc = apply({ alerts: { [K]: instanceDoc(L, { [A]: 10, [B]: 10 }) } }, update);
  expect(instancesOf(doc.alerts as Record<string, InstanceDoc>, undefined)).toEqual([{ key: K, start: L, sent: { [B]: 10 }, backAt: L + 30 * MIN }]);
});

test('rule 4 (recovery notice): notified destinations not in this run, or that did not accept, keep the instance as it is', () => {
  const ended = { key: K, recovered: [A], notified: { [A]: 60, 'other-channel': 60 } };
  expect(hostUpdate(write({ ended: [ended], keys: [K] }), new Set([A]), AT)).toMatchObject({ $unset: { [`alerts.${K}.sent.${encA}`]: '' } });
  expect(hostUpdate(write({ ended: [ended], keys: [K] }), new Set(), AT)).toBeUndefined();
  expect(hostUpdate(write({ ended: [{ key: K, recovered: [], notified: { 'other-channel': 60 } }], keys: [K] }), new Set([A]), AT)).toBeUndefined();
});

test('drops: state nobody was notified of is unset by its path, or the whole alerts field when nothing else is left', () => {
  const stub = offlineKey(L - HOUR);
  expect(hostUpdate(write({ drop: [stub], keys: [stub] }), new Set(), AT)).toEqual({ $unset: { alerts: '' } });
  expect(hostUpdate(write({ drop: [stub], keys: [stub, K] }), new Set(), AT)).toEqual({ $unset: { [`alerts.${stub}`]: '' } });
  const withNotice = hostUpdate(write({ drop: [stub], keys: [stub], notify: { key: K, start: L, steps: { [A]: 1 } } }), new Set([A]), AT)!;
  expect(withNotice.$unset).toEqual({ [`alerts.${stub}`]: '' });
  expect(apply({ alerts: { [stub]: { backAt: new Date(L) } } }, withNotice)).toEqual({ alerts: { [K]: { start: new Date(L), notifiedAt: AT, sent: { [encA]: 1 } } } });
});

// ---------------------------------------------------------------- legacy records

test('legacy record: the current instance is rewritten per destination (carried steps, whatever was accepted) and alert is unset', () => {
  const carried = { [A]: 10, [B]: 10 };
  const w = write({ notify: { key: K, start: L, steps: { [TEAM]: 10 }, carried }, keys: [K], legacyKey: K });
  // nobody accepted: the carried state is still written, so the legacy record can go
  expect(hostUpdate(w, new Set(), AT)).toEqual({
    $set: { [`alerts.${K}.start`]: new Date(L) },
    $max: { [`alerts.${K}.sent.${encA}`]: 10, [`alerts.${K}.sent.${encB}`]: 10 },
    $unset: { alert: '' },
  });
  expect(hostUpdate(w, new Set([TEAM]), AT)).toEqual({
    $set: { [`alerts.${K}.start`]: new Date(L), [`alerts.${K}.notifiedAt`]: AT },
    $max: { [`alerts.${K}.sent.${encA}`]: 10, [`alerts.${K}.sent.${encB}`]: 10, [`alerts.${K}.sent.${TEAM}`]: 10 },
    $unset: { alert: '' },
  });
  // a higher step told now wins over the carried one
  const higher = write({ notify: { key: K, start: L, steps: { [A]: 60, [B]: 60, [TEAM]: 60 }, carried }, keys: [K], legacyKey: K });
  const doc = apply({ alert: { outage: new Date(L), step: 10 } }, hostUpdate(higher, new Set([A]), AT));
  expect(doc).toEqual({ alerts: { [K]: { start: new Date(L), notifiedAt: AT, sent: { [encA]: 60, [encB]: 10 } } } });
  expect(instancesOf(doc.alerts as Record<string, InstanceDoc>, doc.alert as LegacyAlertDoc | undefined)).toEqual([{ key: K, start: L, sent: { [A]: 60, [B]: 10 } }]);
});

test('legacy record: an ended legacy instance fully recovered unsets alert only (alerts is left alone)', () => {
  const w = write({ ended: [{ key: K, recovered: [A, B], notified: { [A]: 10, [B]: 10 }, backAt: L + HOUR }], keys: [K], legacyKey: K });
  expect(hostUpdate(w, new Set([A, B]), AT)).toEqual({ $unset: { alert: '' } });
  // nobody told: the record is rewritten per destination, unchanged in meaning
  const doc = apply({ alert: { outage: new Date(L), step: 10, backAt: new Date(L + HOUR) } }, hostUpdate(w, new Set(), AT));
  expect(instancesOf(doc.alerts as Record<string, InstanceDoc>, doc.alert as LegacyAlertDoc | undefined)).toEqual([
    { key: K, start: L, sent: { [A]: 10, [B]: 10 }, backAt: L + HOUR },
  ]);
});

test('legacy record: an ended legacy instance partly recovered is rewritten per destination for those not told, with its backAt', () => {
  const w = write({ ended: [{ key: K, recovered: [A, B], notified: { [A]: 10, [B]: 10 }, backAt: L + HOUR }], keys: [K], legacyKey: K });
  const update = hostUpdate(w, new Set([A]), AT);
  const doc = apply({ alert: { outage: new Date(L), step: 10, backAt: new Date(L + HOUR) } }, update);
  expect(doc).toEqual({ alerts: { [K]: { start: new Date(L), sent: { [encB]: 10 }, backAt: new Date(L + HOUR) } } });
  expect(instancesOf(doc.alerts as Record<string, InstanceDoc>, undefined)).toEqual([{ key: K, start: L, sent: { [B]: 10 }, backAt: L + HOUR }]);
});

// ---------------------------------------------------------------- with the policy

const DESTS: Destination[] = [
  { key: A, target: 'a@example.com', kind: 'mailto', label: 'a@example.com', fromStep: 0 },
  { key: B, target: 'b@example.com', kind: 'mailto', label: 'b@example.com', fromStep: 0 },
  { key: TEAM, channel: TEAM, target: '', kind: 'slack', label: 'team (slack)', fromStep: 0 },
];

function snapshot(doc: Doc, lastReportAt: number): HostSnapshot {
  return { id: 'h1', name: 'web-1', lastReportAt, alerts: instancesOf(doc.alerts as Record<string, InstanceDoc> | undefined, doc.alert as LegacyAlertDoc | undefined) };
}

test('rule 3: the policy\'s writes, recorded with hostUpdate and read back with instancesOf, give each destination its own state', () => {
  const policy = { steps: [1, 10, 60], graceMs: 60 * SEC };
  let doc: Doc = {};
  // step 1: b fails
  let ev = evaluateHost(snapshot(doc, L), L + MIN, policy, DESTS);
  doc = apply(doc, hostUpdate(ev.write!, new Set([A, TEAM]), new Date(L + MIN)));
  expect(snapshot(doc, L).alerts).toEqual([{ key: K, start: L, sent: { [A]: 1, [TEAM]: 1 } }]);
  // next run: b gets its step 1, nobody else anything
  ev = evaluateHost(snapshot(doc, L), L + 2 * MIN, policy, DESTS);
  expect(ev.lines.map((l) => [l.line.kind, l.to])).toEqual([['offline', [1]]]);
  doc = apply(doc, hostUpdate(ev.write!, new Set([B]), new Date(L + 2 * MIN)));
  expect(snapshot(doc, L).alerts).toEqual([{ key: K, start: L, sent: { [A]: 1, [B]: 1, [TEAM]: 1 } }]);
  // the host reports again at L + 5 min (the store sets backAt), and every 20 s after; team fails the recovery
  (doc.alerts as Record<string, InstanceDoc>)[K]!.backAt = new Date(L + 5 * MIN);
  ev = evaluateHost(snapshot(doc, L + 5 * MIN + 40 * SEC), L + 6 * MIN, policy, DESTS);
  expect(ev.lines.map((l) => [l.line.kind, l.to])).toEqual([['recovered', [0, 1, 2]]]);
  doc = apply(doc, hostUpdate(ev.write!, new Set([A, B]), new Date(L + 6 * MIN)));
  expect(snapshot(doc, L + 6 * MIN).alerts).toEqual([{ key: K, start: L, sent: { [TEAM]: 1 }, backAt: L + 5 * MIN }]);
  // team accepts it next time: nothing is left
  ev = evaluateHost(snapshot(doc, L + 6 * MIN + 40 * SEC), L + 7 * MIN, policy, DESTS);
  expect(ev.lines.map((l) => [l.line.kind, l.to, l.line.kind === 'recovered' && l.line.seenAgainAt])).toEqual([['recovered', [2], L + 5 * MIN]]);
  doc = apply(doc, hostUpdate(ev.write!, new Set([TEAM]), new Date(L + 7 * MIN)));
  expect(doc).toEqual({});
});

test('rule 3: every update the policy can ask for is one MongoDB accepts, and applying it twice equals applying it once', () => {
  const keyArb = fc.constantFrom(A, B, TEAM, 'ops.pager', '$odd');
  const sentArb = fc.dictionary(keyArb, fc.constantFrom(1, 10, 60, 240), { maxKeys: 4 });
  const instanceArb = fc.record({ backMin: fc.integer({ min: 1, max: 600 }), sent: sentArb, withBackAt: fc.boolean(), stub: fc.boolean() });
  const dests: Destination[] = [...DESTS, { key: 'ops.pager', channel: 'ops.pager', target: '', kind: 'ntfy', label: 'ops.pager (ntfy)', fromStep: 60 }];
  fc.assert(
    fc.property(
      fc.array(instanceArb, { maxLength: 3 }),
      fc.option(fc.constantFrom(1, 10, 60)),
      fc.integer({ min: 0, max: 2000 }),
      fc.subarray([A, B, TEAM, 'ops.pager']),
      (specs, legacyStep, minutes, accepted) => {
        const alerts: Record<string, InstanceDoc> = {};
        specs.forEach((s, i) => {
          const start = L - (i + 1) * s.backMin * MIN;
          alerts[offlineKey(start)] = s.stub
            ? ({ backAt: new Date(start + MIN) } as unknown as InstanceDoc)
            : instanceDoc(start, s.sent, s.withBackAt ? { backAt: new Date(start + s.backMin * MIN) } : {});
        });
        alerts[K] = instanceDoc(L, specs[0]?.sent ?? {});
        // A legacy record is never next to per-destination state for the same instance (any write replaces it).
        const legacyAt = L - 7 * HOUR - 17 * SEC;
        const doc: Doc = { alerts, ...(legacyStep !== null && { alert: { outage: new Date(legacyAt), step: legacyStep } }) };
        const ev = evaluateHost(snapshot(doc, L), L + minutes * MIN, { steps: [1, 10, 60, 240], graceMs: 0 }, dests);
        if (!ev.write) return;
        const update = hostUpdate(ev.write, new Set(accepted), AT);
        const once = apply(doc, update);
        expect(apply(once, update)).toEqual(once);
        // steps are never lowered
        for (const [key, d] of Object.entries(alerts)) {
          for (const [dest, step] of Object.entries(d.sent ?? {})) {
            const after = (once.alerts as Record<string, InstanceDoc> | undefined)?.[key]?.sent?.[dest];
            if (after !== undefined) expect(after).toBeGreaterThanOrEqual(step);
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});
