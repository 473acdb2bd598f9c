import { expect, test } from 'vitest';
import { currentAlertStep, hostState, reportingInterval } from '../../src/store/host-status.js';

const T = Date.UTC(2026, 11, 1, 12, 0, 0);
const at = (msAgo: number) => new Date(T - msAgo);

test('hostState: offline a minute after the last report when the interval is unknown', () => {
  expect(hostState({ lastReportAt: null }, T)).toBe('never reported');
  expect(hostState({ lastReportAt: at(59_999) }, T)).toBe('online');
  expect(hostState({ lastReportAt: at(60_000) }, T)).toBe('offline');
});

test('hostState, rule 9: a host stating a 5-minute interval is online for 5 min + 60 s of grace, then offline', () => {
  const reported = (msAgo: number) => ({ lastReportAt: at(msAgo), data: { interval: 300 } });
  expect(hostState(reported(4 * 60_000), T)).toBe('online');
  expect(hostState(reported(360_000), T)).toBe('online');
  expect(hostState(reported(360_001), T)).toBe('offline');
  // An interval set on the host serves reporters that do not state one; a stated one wins.
  expect(hostState({ lastReportAt: at(200_000), interval: 300 }, T)).toBe('online');
  expect(hostState({ lastReportAt: at(200_000), interval: 300, data: { interval: 30 } }, T)).toBe('offline');
});

test('reportingInterval: the report\'s own interval, else the host\'s, else none; nonsense is none', () => {
  expect(reportingInterval({ data: { interval: 30 }, interval: 300 })).toBe(30);
  expect(reportingInterval({ data: {}, interval: 300 })).toBe(300);
  expect(reportingInterval({ data: null })).toBeUndefined();
  expect(reportingInterval({ data: { interval: '30' } })).toBeUndefined();
  expect(reportingInterval({ data: { interval: 0 } })).toBeUndefined();
});

test('currentAlertStep: the highest step any destination got for the current outage, legacy state read too', () => {
  const last = at(20 * 60_000);
  const key = `offline_${last.getTime()}`;
  expect(currentAlertStep({ lastReportAt: last, alerts: { [key]: { start: last, sent: { 'mailto:a@x': 1, team: 10 } } } })).toBe(10);
  expect(currentAlertStep({ lastReportAt: last, alerts: { offline_1: { start: new Date(1), sent: { team: 60 } } } })).toBeUndefined();
  expect(currentAlertStep({ lastReportAt: last, alert: { outage: last, step: 60 } })).toBe(60);
  expect(currentAlertStep({ lastReportAt: last })).toBeUndefined();
});
