/**
 * ALERTING.md rules 1-5 for metric rules over random report streams and check times, through the pure report and
 * check code together (test/support/rule-sim.ts): no step twice, catch-up to the highest due step, one resolved line
 * per destination told, nothing while the host is offline, nothing in quiet hours, and every notified instance
 * resolved in the end.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { dueStep, offlineDueStep, offlineMinutes, quietHour, type AlertPolicy, type Destination } from '../../src/alerting/index.js';
import { checkRule } from '../../src/rules/rule.js';
import { checkSnapshot } from '../../src/store/check-snapshot.js';
import { diskReport, SimHost } from '../support/rule-sim.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 23, 22, 0, 0);
const DESTS: Destination[] = [
  { key: 'mailto:a@example.com', target: 'a@example.com', kind: 'mailto', label: 'a@example.com', fromStep: 0 },
  { key: 'team', channel: 'team', target: '', kind: 'slack', label: 'team (slack)', fromStep: 0 },
];

const minuteArb = fc.record({
  // undefined: the host is silent that minute
  disk: fc.option(fc.constantFrom(50, 80, 84, 85, 86, 89, 90, 91, 95, 99), { nil: undefined, freq: 6 }),
  check: fc.boolean(),
  checkSecond: fc.integer({ min: 0, max: 59 }),
  accepts: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
});

const scenarioArb = fc.record({
  clear: fc.integer({ min: 80, max: 90 }),
  steps: fc.uniqueArray(fc.constantFrom(1, 2, 5, 10, 30, 60), { minLength: 1, maxLength: 4 }).map((s) => [...s].sort((a, b) => a - b)),
  quiet: fc.uniqueArray(fc.integer({ min: 0, max: 23 }), { maxLength: 3 }),
  minutes: fc.array(minuteArb, { minLength: 30, maxLength: 400 }),
  failRate: fc.double({ min: 0, max: 0.6, noNaN: true }),
});

test('metric rules: no step twice, catch-up, one resolved per destination told, nothing offline or in quiet hours, all resolved in the end', () => {
  fc.assert(
    fc.property(scenarioArb, (s) => {
      const rule = checkRule({ id: 'r1', name: 'disk-full', metric: 'disk', op: 'above', threshold: 90, clear: s.clear, steps: s.steps });
      const policy: AlertPolicy = { steps: [1, 10, 60], ignoreHours: s.quiet, timezone: 'UTC', graceMs: 60_000 };
      const h = new SimHost();
      /** destination|start -> steps accepted; destination|start -> resolved accepted. */
      const stepsOf = new Map<string, number[]>();
      const resolved = new Set<string>();

      const checkAt = (t: number, accepts: (key: string) => boolean) => {
        if (quietHour(t, policy) !== undefined) return; // rule 5: the workflow holds the whole run before evaluating
        const snapshot = checkSnapshot(h.doc)!;
        const offline = snapshot && offlineDueStep(snapshot, t, policy) !== undefined;
        const { lines, accepted } = h.check(t, policy, DESTS, [rule], accepts);
        for (const { line, to } of lines) {
          for (const i of to) {
            const d = DESTS[i]!.key;
            const ok = accepted.includes(d);
            if (line.kind === 'metric') {
              const key = `${d}|${line.since}`;
              const before = stepsOf.get(key) ?? [];
              expect(offline, 'no metric step while the host is offline').toBe(false);
              expect(line.step, 'catch-up: the highest due step').toBe(dueStep(s.steps, offlineMinutes(t, line.since)));
              expect(before.every((b) => b < line.step), `no step twice or lower: ${before} then ${line.step}`).toBe(true);
              if (ok) stepsOf.set(key, [...before, line.step]);
            } else if (line.kind === 'resolved') {
              const key = `${d}|${line.since}`;
              expect(stepsOf.get(key)?.length ?? 0, 'resolved only to a destination told of it').toBeGreaterThan(0);
              expect(resolved.has(key), 'resolved once').toBe(false);
              expect(line.endedAt).toBeGreaterThan(line.since);
              if (ok) resolved.add(key);
            }
          }
        }
      };

      let t = T0;
      s.minutes.forEach((m) => {
        t += MIN;
        if (m.disk !== undefined) h.report(t, diskReport({ '/': m.disk }, { interval: 60 }), [rule]);
        if (m.check) checkAt(t + m.checkSecond * 1000, (key) => m.accepts[DESTS.findIndex((d) => d.key === key)]! >= s.failRate);
      });
      // The end: the disk is fine again, and checks through a whole day with everything accepting.
      for (let i = 0; i < 26 * 60; i += 1) {
        t += MIN;
        h.report(t, diskReport({ '/': 50 }, { interval: 60 }), [rule]);
        if (i % 30 === 0) checkAt(t + 1000, () => true);
      }
      for (const key of stepsOf.keys()) expect(resolved.has(key), `never resolved: ${key}`).toBe(true);
      expect(Object.keys(h.doc.alerts ?? {}).filter((k) => k.startsWith('metric_'))).toEqual([]);
    }),
    { numRuns: 150 },
  );
});
