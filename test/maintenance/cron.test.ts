/** The cron matcher of maintenance windows (src/maintenance/cron.ts): parsing, day matching, fire times in a zone. */
import { expect, test } from 'vitest';
import { CronSyntaxError, firesOnDay, nextFire, parseCron, previousFire } from '../../src/maintenance/cron.js';
import { dayNumber } from '../../src/maintenance/wall-clock.js';

const day = (iso: string) => dayNumber({ y: Number(iso.slice(0, 4)), m: Number(iso.slice(5, 7)), d: Number(iso.slice(8, 10)) });
const at = (iso: string) => Date.parse(iso);

test('fields: *, values, ranges, steps, lists, names; 7 is Sunday', () => {
  const s = parseCron('*/15 1-3,22 * jan,Jul-aug 0,7');
  expect(s.minutes).toEqual([0, 15, 30, 45]);
  expect(s.hours).toEqual([1, 2, 3, 22]);
  expect([...s.months].sort((a, b) => a - b)).toEqual([1, 7, 8]);
  expect([...s.weekdays]).toEqual([0]);
  expect(parseCron('5/20 10-20/5 * * mon-fri')).toMatchObject({ minutes: [5, 25, 45], hours: [10, 15, 20], weekdays: new Set([1, 2, 3, 4, 5]) });
  expect(parseCron('  0   2 * *   sun ').minutes).toEqual([0]);
});

test('days: day of month and day of week are OR-ed when both are restricted, else the restricted one counts', () => {
  // 2026-03-01 is a Sunday, 2026-03-13 a Friday.
  expect(firesOnDay(parseCron('0 0 13 * 5'), day('2026-03-13'))).toBe(true);
  expect(firesOnDay(parseCron('0 0 13 * 5'), day('2026-03-06'))).toBe(true); // a Friday
  expect(firesOnDay(parseCron('0 0 13 * 5'), day('2026-03-12'))).toBe(false);
  expect(firesOnDay(parseCron('0 0 13 * *'), day('2026-03-06'))).toBe(false);
  expect(firesOnDay(parseCron('0 0 * * 0'), day('2026-03-01'))).toBe(true);
  expect(firesOnDay(parseCron('0 0 * * 0'), day('2026-03-02'))).toBe(false);
  expect(firesOnDay(parseCron('0 0 */2 * *'), day('2026-03-03'))).toBe(true);
  expect(firesOnDay(parseCron('0 0 */2 * *'), day('2026-03-04'))).toBe(false);
  expect(firesOnDay(parseCron('0 0 * feb *'), day('2026-03-04'))).toBe(false);
});

test('bad expressions name the field and why', () => {
  const message = (e: string) => {
    try {
      parseCron(e);
    } catch (err) {
      expect(err).toBeInstanceOf(CronSyntaxError);
      return (err as Error).message;
    }
    throw new Error(`accepted ${e}`);
  };
  expect(message('0 2 * *')).toBe('needs 5 fields (minute hour day-of-month month day-of-week), got 4');
  expect(message('')).toBe('needs 5 fields (minute hour day-of-month month day-of-week), got 0');
  expect(message('60 2 * * *')).toBe('field 1 (minute): 60 is out of range 0-59');
  expect(message('0 24 * * *')).toBe('field 2 (hour): 24 is out of range 0-23');
  expect(message('0 2 0 * *')).toBe('field 3 (day-of-month): 0 is out of range 1-31');
  expect(message('0 2 * 13 *')).toBe('field 4 (month): 13 is out of range 1-12');
  expect(message('0 2 * * 8')).toBe('field 5 (day-of-week): 8 is out of range 0-7');
  expect(message('0 2 * * funday')).toBe('field 5 (day-of-week): "funday" is not a number or a name');
  expect(message('*/0 2 * * *')).toBe('field 1 (minute): step "0" must be a whole number from 1');
  expect(message('0 5-2 * * *')).toBe('field 2 (hour): range "5-2" runs backwards');
  expect(message('0 1,,2 * * *')).toBe('field 2 (hour): "" is empty or malformed');
  expect(message('0 x * * *')).toBe('field 2 (hour): "x" is not a number');
});

test('fire times in a zone: previous and next, across the spring-forward and fall-back days in Europe/Berlin', () => {
  const s = parseCron('30 2 * * *');
  const tz = 'Europe/Berlin';
  expect(nextFire(s, tz, at('2026-03-27T12:00:00Z'))).toBe(at('2026-03-28T01:30:00Z')); // 02:30 CET
  // 2026-03-29 02:30 does not exist: it fires at the jump, 03:00 CEST.
  expect(nextFire(s, tz, at('2026-03-28T12:00:00Z'))).toBe(at('2026-03-29T01:00:00Z'));
  expect(nextFire(s, tz, at('2026-03-29T01:00:00Z'))).toBe(at('2026-03-30T00:30:00Z')); // 02:30 CEST
  // 2026-10-25 02:30 exists twice: it fires once, the first time (CEST).
  expect(nextFire(s, tz, at('2026-10-24T12:00:00Z'))).toBe(at('2026-10-25T00:30:00Z'));
  expect(nextFire(s, tz, at('2026-10-25T00:30:00Z'))).toBe(at('2026-10-26T01:30:00Z'));
  expect(previousFire(s, tz, at('2026-10-25T02:00:00Z'), at('2026-10-24T00:00:00Z'))).toBe(at('2026-10-25T00:30:00Z'));
  expect(previousFire(s, tz, at('2026-10-25T00:29:59Z'), at('2026-10-24T00:00:00Z'))).toBe(at('2026-10-24T00:30:00Z'));
  expect(previousFire(s, tz, at('2026-10-25T00:29:59Z'), at('2026-10-24T00:30:00Z'))).toBeUndefined();
  // Once a leap year; never: no fire within the horizon.
  expect(nextFire(parseCron('0 0 29 2 *'), 'UTC', at('2026-03-01T00:00:00Z'))).toBe(at('2028-02-29T00:00:00Z'));
  expect(nextFire(parseCron('0 0 30 2 *'), 'UTC', at('2026-03-01T00:00:00Z'))).toBeUndefined();
});
