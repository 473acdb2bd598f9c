/**
 * Maintenance windows (src/maintenance/windows.ts), pure: validation naming the field, activeAt for each kind, and
 * recurring windows across both DST changes of 2026 in Europe/Berlin, checked minute by minute against the expected
 * instants (docs/operations.md "Maintenance windows": a skipped start or end is the jump, a repeated start the first
 * occurrence and a repeated end the second).
 */
import { expect, test } from 'vitest';
import { OpError } from '../../src/ops/errors.js';
import { activeAt, hostMaintenance, activeWindows, nextOccurrence, normalizeWindow, parseInstant, type MaintenanceWindow } from '../../src/maintenance/windows.js';

const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);
const ids = { id: 'w1', createdAt: at('2026-01-01T00:00:00Z') };
const NOW = at('2026-03-01T00:00:00Z');
const TZ = 'Europe/Berlin';
const win = (input: Record<string, unknown>): MaintenanceWindow => normalizeWindow({ name: 'w', hosts: ['web-1'], timezone: TZ, ...input }, ids, NOW);

function refusal(input: Record<string, unknown>): { field?: string; message: string } {
  try {
    win(input);
  } catch (err) {
    expect(err).toBeInstanceOf(OpError);
    expect((err as OpError).code).toBe('invalid');
    return { field: (err as OpError).field, message: (err as OpError).message };
  }
  throw new Error('accepted');
}

test('normalize: names, targets, kinds as stored', () => {
  expect(win({ kind: 'weekly', days: ['Sun', 'monday', 'sun'], start: '22:00', end: '02:00', tags: ['Prod', 'eu'], hosts: ['db-1', 'web-1'], reason: '  patching ' })).toEqual({
    ...ids,
    name: 'w',
    hosts: ['db-1', 'web-1'],
    tags: ['eu', 'prod'],
    timezone: TZ,
    reason: 'patching',
    kind: 'weekly',
    days: ['sun', 'mon'],
    start: '22:00',
    end: '02:00',
  });
  expect(win({ kind: 'cron', cron: ' 0  2 * * 0 ', durationMinutes: 120 })).toMatchObject({ kind: 'cron', cron: '0 2 * * 0', durationMinutes: 120 });
  // A local ISO time is in the window's zone; with an offset or Z it is that instant.
  expect(win({ kind: 'once', from: '2026-12-24T22:00', to: '2026-12-24T23:30:00Z' })).toMatchObject({ from: at('2026-12-24T21:00:00Z'), to: at('2026-12-24T23:30:00Z') });
  expect(parseInstant('2026-03-29T02:30', TZ, 'from')).toBe(at('2026-03-29T01:00:00Z')); // skipped: the jump
  expect(parseInstant('2026-10-25T02:30', TZ, 'from')).toBe(at('2026-10-25T00:30:00Z')); // repeated: the first
});

test('refusals name the field', () => {
  const weekly = { kind: 'weekly', days: ['mon'], start: '22:00', end: '23:00' };
  expect(refusal({ ...weekly, name: 'no spaces' }).field).toBe('name');
  expect(refusal({ ...weekly, hosts: [] })).toEqual({ field: 'hosts', message: 'a maintenance window needs at least one host or tag (hosts, tags)' });
  expect(refusal({ ...weekly, hosts: ['a', ''] }).field).toBe('hosts[1]');
  expect(refusal({ ...weekly, tags: ['ok', 'not ok'] }).field).toBe('tags[1]');
  expect(refusal({ ...weekly, timezone: 'Mars/Olympus' })).toEqual({ field: 'timezone', message: 'timezone must be an IANA time zone such as Europe/Berlin, got "Mars/Olympus"' });
  expect(refusal({ ...weekly, days: ['mon', 'tue', 'someday'] })).toEqual({ field: 'days[2]', message: 'days[2] must be one of sun, mon, tue, wed, thu, fri, sat, got "someday"' });
  expect(refusal({ ...weekly, days: [] }).field).toBe('days');
  expect(refusal({ ...weekly, start: '24:00' })).toEqual({ field: 'start', message: 'start must be a local time HH:MM from 00:00 to 23:59, got "24:00"' });
  expect(refusal({ ...weekly, end: '7:00' }).field).toBe('end');
  expect(refusal({ kind: 'cron', cron: '0 2 * *', durationMinutes: 60 })).toEqual({ field: 'cron', message: 'cron "0 2 * *": needs 5 fields (minute hour day-of-month month day-of-week), got 4' });
  expect(refusal({ kind: 'cron', cron: '0 25 * * *', durationMinutes: 60 }).message).toBe('cron "0 25 * * *": field 2 (hour): 25 is out of range 0-23');
  expect(refusal({ kind: 'cron', cron: '0 0 30 2 *', durationMinutes: 60 }).message).toBe('cron "0 0 30 2 *" never fires (no such date in the next 8 years)');
  expect(refusal({ kind: 'cron', cron: '0 2 * * *', durationMinutes: 0 }).field).toBe('durationMinutes');
  expect(refusal({ kind: 'cron', cron: '0 2 * * *', durationMinutes: 1.5 }).field).toBe('durationMinutes');
  expect(refusal({ kind: 'once', from: '2026-12-24T22:00', to: '2026-12-24T21:00' })).toEqual({ field: 'to', message: 'to must be after from' });
  expect(refusal({ kind: 'once', from: '2026-01-01T00:00Z', to: '2026-02-01T00:00:00Z' })).toEqual({ field: 'to', message: 'to is in the past: the window would never be active' });
  expect(refusal({ kind: 'once', from: 'tomorrow', to: '2026-12-24T21:00' }).field).toBe('from');
  expect(refusal({ kind: 'once', from: '2026-02-30T10:00', to: '2026-12-24T21:00' }).field).toBe('from');
  expect(refusal({ ...weekly, kind: 'monthly' }).field).toBe('kind');
  expect(refusal({ ...weekly, reason: 'x'.repeat(501) }).field).toBe('reason');
});

test('once: active from `from` to `to` (exclusive); weekly past midnight; cron for its duration; next occurrences', () => {
  const once = win({ kind: 'once', from: '2026-06-01T10:00:00Z', to: '2026-06-01T12:00:00Z' });
  expect(activeAt(once, at('2026-06-01T09:59:59Z'))).toBeUndefined();
  expect(activeAt(once, at('2026-06-01T10:00:00Z'))).toEqual({ until: at('2026-06-01T12:00:00Z') });
  expect(activeAt(once, at('2026-06-01T12:00:00Z'))).toBeUndefined();
  expect(nextOccurrence(once, NOW)).toEqual({ from: at('2026-06-01T10:00:00Z'), to: at('2026-06-01T12:00:00Z') });
  expect(nextOccurrence(once, at('2026-06-01T10:00:00Z'))).toBeUndefined();

  // Friday 22:00 to Saturday 02:00 Berlin (CEST in June: UTC+2). 2026-06-05 is a Friday.
  const weekly = win({ kind: 'weekly', days: ['fri'], start: '22:00', end: '02:00' });
  expect(activeAt(weekly, at('2026-06-05T19:59:00Z'))).toBeUndefined();
  expect(activeAt(weekly, at('2026-06-05T20:00:00Z'))).toEqual({ until: at('2026-06-06T00:00:00Z') });
  expect(activeAt(weekly, at('2026-06-05T23:59:00Z'))).toEqual({ until: at('2026-06-06T00:00:00Z') });
  expect(activeAt(weekly, at('2026-06-06T00:00:00Z'))).toBeUndefined();
  expect(nextOccurrence(weekly, at('2026-06-05T21:00:00Z'))).toEqual({ from: at('2026-06-12T20:00:00Z'), to: at('2026-06-13T00:00:00Z') });
  // Equal start and end: 24 hours.
  expect(activeAt(win({ kind: 'weekly', days: ['fri'], start: '06:00', end: '06:00' }), at('2026-06-06T03:00:00Z'))).toEqual({ until: at('2026-06-06T04:00:00Z') });

  // Every 6 hours for 90 minutes (UTC).
  const cron = normalizeWindow({ name: 'c', tags: ['lab'], timezone: 'UTC', kind: 'cron', cron: '0 */6 * * *', durationMinutes: 90 }, ids, NOW);
  expect(activeAt(cron, at('2026-06-01T06:00:00Z'))).toEqual({ until: at('2026-06-01T07:30:00Z') });
  expect(activeAt(cron, at('2026-06-01T07:29:00Z'))).toEqual({ until: at('2026-06-01T07:30:00Z') });
  expect(activeAt(cron, at('2026-06-01T07:30:00Z'))).toBeUndefined();
  expect(nextOccurrence(cron, at('2026-06-01T06:00:00Z'))).toEqual({ from: at('2026-06-01T12:00:00Z'), to: at('2026-06-01T13:30:00Z') });
});

/** Every minute from `from` to `to`: the `until` activeAt answers, against the expected occurrences. */
function minuteByMinute(w: MaintenanceWindow, from: string, to: string, expected: [string, string][]): void {
  const spans = expected.map(([a, b]) => ({ from: at(a), to: at(b) }));
  const wrong: string[] = [];
  let activeMinutes = 0;
  for (let t = at(from); t < at(to); t += MIN) {
    const span = spans.find((s) => s.from <= t && t < s.to);
    const got = activeAt(w, t);
    if (got) activeMinutes++;
    if (got?.until !== span?.to) wrong.push(`${new Date(t).toISOString()}: got ${got ? new Date(got.until).toISOString() : 'inactive'}, expected ${span ? new Date(span.to).toISOString() : 'inactive'}`);
  }
  expect(wrong.slice(0, 5)).toEqual([]);
  expect(activeMinutes).toBe(spans.reduce((n, s) => n + (s.to - s.from) / MIN, 0));
}

test('DST in Europe/Berlin, minute by minute: a Sunday window 02:00-04:00 and a daily 01:30-02:30 around 29 March and 25 October 2026', () => {
  const sunday = win({ kind: 'weekly', days: ['sun'], start: '02:00', end: '04:00' });
  const daily = win({ kind: 'weekly', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '01:30', end: '02:30' });

  // Spring forward, 29 March 01:00Z (02:00 CET -> 03:00 CEST): 02:00 does not exist, the window starts at the jump
  // (03:00 CEST) and lasts one real hour; the Sundays before and after, two.
  minuteByMinute(sunday, '2026-03-28T00:00:00Z', '2026-03-30T00:00:00Z', [['2026-03-29T01:00:00Z', '2026-03-29T02:00:00Z']]);
  expect(nextOccurrence(sunday, at('2026-03-21T00:00:00Z'))).toEqual({ from: at('2026-03-22T01:00:00Z'), to: at('2026-03-22T03:00:00Z') });
  expect(nextOccurrence(sunday, at('2026-03-29T01:00:00Z'))).toEqual({ from: at('2026-04-05T00:00:00Z'), to: at('2026-04-05T02:00:00Z') });
  // Fall back, 25 October 01:00Z (03:00 CEST -> 02:00 CET): from 02:00 CEST to 04:00 CET, three real hours.
  minuteByMinute(sunday, '2026-10-24T00:00:00Z', '2026-10-26T00:00:00Z', [['2026-10-25T00:00:00Z', '2026-10-25T03:00:00Z']]);
  expect(nextOccurrence(sunday, at('2026-10-17T00:00:00Z'))).toEqual({ from: at('2026-10-18T00:00:00Z'), to: at('2026-10-18T02:00:00Z') });
  expect(nextOccurrence(sunday, at('2026-10-25T00:00:00Z'))).toEqual({ from: at('2026-11-01T01:00:00Z'), to: at('2026-11-01T03:00:00Z') });
  // Daily 01:30-02:30: on 29 March 02:30 does not exist, so it ends at the jump (30 real minutes).
  minuteByMinute(daily, '2026-03-27T12:00:00Z', '2026-03-31T12:00:00Z', [
    ['2026-03-28T00:30:00Z', '2026-03-28T01:30:00Z'],
    ['2026-03-29T00:30:00Z', '2026-03-29T01:00:00Z'],
    ['2026-03-29T23:30:00Z', '2026-03-30T00:30:00Z'],
    ['2026-03-30T23:30:00Z', '2026-03-31T00:30:00Z'],
  ]);
  // On 25 October 02:30 happens twice: it ends at the second (CET), two real hours after 01:30 CEST.
  minuteByMinute(daily, '2026-10-23T12:00:00Z', '2026-10-27T12:00:00Z', [
    ['2026-10-23T23:30:00Z', '2026-10-24T00:30:00Z'],
    ['2026-10-24T23:30:00Z', '2026-10-25T01:30:00Z'],
    ['2026-10-26T00:30:00Z', '2026-10-26T01:30:00Z'],
    ['2026-10-27T00:30:00Z', '2026-10-27T01:30:00Z'],
  ]);
  expect(nextOccurrence(sunday, at('2026-03-28T00:00:00Z'))).toEqual({ from: at('2026-03-29T01:00:00Z'), to: at('2026-03-29T02:00:00Z') });
  expect(nextOccurrence(daily, at('2026-10-24T12:00:00Z'))).toEqual({ from: at('2026-10-24T23:30:00Z'), to: at('2026-10-25T01:30:00Z') });
});

test('DST, minute by minute: cron "30 2 * * *" for 60 minutes fires at the jump in March and once in October', () => {
  const cron = win({ kind: 'cron', cron: '30 2 * * *', durationMinutes: 60 });
  minuteByMinute(cron, '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z', [
    ['2026-03-28T01:30:00Z', '2026-03-28T02:30:00Z'],
    ['2026-03-29T01:00:00Z', '2026-03-29T02:00:00Z'],
    ['2026-03-30T00:30:00Z', '2026-03-30T01:30:00Z'],
  ]);
  minuteByMinute(cron, '2026-10-24T00:00:00Z', '2026-10-27T00:00:00Z', [
    ['2026-10-24T00:30:00Z', '2026-10-24T01:30:00Z'],
    ['2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z'],
    ['2026-10-26T01:30:00Z', '2026-10-26T02:30:00Z'],
  ]);
});

test('hosts: by name or any tag; the window lasting longest wins', () => {
  const t = at('2026-06-01T10:30:00Z');
  const a = normalizeWindow({ name: 'a', hosts: ['web-1'], timezone: 'UTC', kind: 'once', from: '2026-06-01T10:00Z', to: '2026-06-01T11:00Z' }, { id: 'A', createdAt: 0 }, NOW);
  const b = normalizeWindow({ name: 'b', tags: ['prod'], timezone: 'UTC', kind: 'once', from: '2026-06-01T10:00Z', to: '2026-06-01T12:00Z' }, { id: 'B', createdAt: 0 }, NOW);
  const later = normalizeWindow({ name: 'later', hosts: ['db-1'], timezone: 'UTC', kind: 'once', from: '2026-06-02T10:00Z', to: '2026-06-02T12:00Z' }, { id: 'C', createdAt: 0 }, NOW);
  const active = activeWindows([a, b, later], t);
  expect(active.map((x) => x.window.name)).toEqual(['a', 'b']);
  expect(hostMaintenance({ name: 'web-1' }, active)).toEqual({ id: 'A', name: 'a', until: at('2026-06-01T11:00:00Z') });
  expect(hostMaintenance({ name: 'web-1', tags: ['eu', 'prod'] }, active)).toEqual({ id: 'B', name: 'b', until: at('2026-06-01T12:00:00Z') });
  expect(hostMaintenance({ name: 'db-1', tags: ['lab'] }, active)).toBeUndefined();
});
