/** The pure parts of `npm run bench` (bench/): statistics, payload measurement, digest checks, the report file. */
import { readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { parseIngestOutput } from '../../bench/lib/ingest.js';
import { findPayloads, payloadProtoSize, summarizeHistory, type HistoryEventLike } from '../../bench/lib/history.js';
import { median, ratio } from '../../bench/lib/stats.js';
import { checkDigest } from '../../bench/outage.js';
import { renderDocument, runStamp, sectionOf } from '../../bench/report.js';

const FIXTURE = new URL('../fixtures/check-host-status.history.json', import.meta.url);

describe('bench statistics', () => {
  it('takes medians of odd and even counts without reordering the input', () => {
    const values = [30, 10, 20];
    expect(median(values)).toBe(20);
    expect(values).toEqual([30, 10, 20]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('rounds ratios to two decimals and refuses a zero denominator', () => {
    expect(ratio(2000, 1000)).toBe(2);
    expect(ratio(1, 3)).toBe(0.33);
    expect(ratio(1, 0)).toBeUndefined();
  });
});

describe('history measurement over a history recorded on the dev server', () => {
  const json = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { events: Array<Record<string, any>> };
  const history = historyFromJSON(json);
  const events = history.events as unknown as HistoryEventLike[];

  it('sizes every payload exactly as protobuf serializes it', () => {
    const found = findPayloads(events);
    expect(found.length).toBeGreaterThan(3);
    for (const { payload } of found) {
      expect(payloadProtoSize(payload)).toBe(temporal.api.common.v1.Payload.encode(payload as temporal.api.common.v1.IPayload).finish().length);
    }
  });

  it('finds the largest payload and counts the page queries and the hosts they returned', () => {
    const summary = summarizeHistory(events, 'record-check-host-status');
    const sizes = findPayloads(events).map(({ payload }) => payloadProtoSize(payload));
    expect(summary.largestPayloadBytes).toBe(Math.max(...sizes));
    expect(summary.events).toBe(json.events.length);

    // Independently from the JSON: completed activities scheduled as loadHostsPage, and their hosts.
    const pageIds = new Set(json.events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'loadHostsPage').map((e) => e.eventId));
    const results = json.events
      .filter((e) => pageIds.has(e.activityTaskCompletedEventAttributes?.scheduledEventId))
      .map((e) => JSON.parse(Buffer.from(e.activityTaskCompletedEventAttributes.result.payloads[0].data, 'base64').toString('utf8')) as { hosts: unknown[] });
    expect(results.length).toBeGreaterThan(0);
    expect(summary.pageQueries.length).toBe(results.length);
    expect(summary.pageQueries.reduce((n, p) => n + p.hosts, 0)).toBe(results.reduce((n, r) => n + r.hosts.length, 0));
    expect(summary.pageQueries[0]!.request).toMatchObject({ cutoff: expect.any(Number), limit: expect.any(Number) });
    expect(summary.next).toEqual([]);
  });

  it('follows started child workflows and continue-as-new successors', () => {
    const extra = [
      { eventId: 90, childWorkflowExecutionStartedEventAttributes: { workflowExecution: { workflowId: 'child-1', runId: 'r1' } } },
      { eventId: 91, workflowExecutionContinuedAsNewEventAttributes: { newExecutionRunId: 'r2' } },
    ];
    expect(summarizeHistory([...events, ...extra], 'parent').next).toEqual([
      { workflowId: 'child-1', runId: 'r1', via: 'child' },
      { workflowId: 'parent', runId: 'r2', via: 'continueAsNew' },
    ]);
  });
});

describe('mass-outage digest check', () => {
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `OFFLINE  silent-${i + 1}: offline 2m, last report ...`);
  it('accepts one digest with 200 lines, the exact rest and exact counts', () => {
    const text = ['hostwatch check at ...', '', ...lines(200), '... and 9800 more', '', '10000 hosts offline, 0 back online.', ''].join('\n');
    const c = checkDigest([{ subject: '[hostwatch] 10000 hosts offline at 2026-11-29 10:00 (UTC)', text }], 10_000);
    expect(c).toMatchObject({ digests: 1, subjectOk: true, listed: 200, more: 9800, textOk: true });
  });

  it('rejects a wrong rest count, a wrong subject and a missing digest', () => {
    const text = ['', ...lines(200), '... and 9799 more', '10000 hosts offline, 0 back online.'].join('\n');
    const c = checkDigest([{ subject: '[hostwatch] 9999 hosts offline', text }], 10_000);
    expect(c.textOk).toBe(false);
    expect(c.subjectOk).toBe(false);
    expect(checkDigest([], 10).digests).toBe(0);
  });
});

describe('docs/benchmarks.md writer', () => {
  it('creates the file with markers, an empty findings section and notes', () => {
    const doc = renderDocument(undefined, { fleet: '### 1. fleet table' });
    expect(sectionOf(doc, 'fleet')).toBe('### 1. fleet table');
    expect(sectionOf(doc, 'outage')).toMatch(/not measured yet/);
    expect(doc).toMatch(/^## Findings and fixes$/m);
    expect(doc).toMatch(/^## Notes$/m);
  });

  it('replaces only measured sections and keeps everything outside the markers', () => {
    const first = renderDocument(undefined, { fleet: 'fleet v1', outage: 'outage v1' });
    const edited = first.replace('## Findings and fixes\n', '## Findings and fixes\n\nThe lead wrote this.\n');
    const second = renderDocument(edited, { fleet: 'fleet v2' });
    expect(sectionOf(second, 'fleet')).toBe('fleet v2');
    expect(sectionOf(second, 'outage')).toBe('outage v1');
    expect(second).toContain('The lead wrote this.');
  });

  it('keeps an existing "Findings and fixes" section when the file had no markers', () => {
    const doc = renderDocument('# Benchmarks\n\n## Findings and fixes\n\nIndex added.\n\n## Other\n\nx\n', { fleet: 'f' });
    expect(doc).toContain('## Findings and fixes\n\nIndex added.');
    expect(sectionOf(doc, 'fleet')).toBe('f');
  });
});

describe('ingest contract', () => {
  it('reads the last stdout line of bench/ingest.ts --json', () => {
    const line = JSON.stringify({ rows: [{ connections: 1, apiRps: 900, p50Ms: 1, p99Ms: 3, non2xx: 0, rawUps: 1200, ratio: 0.75 }], hosts: 1000, durationSec: 5, runs: 3 });
    expect(parseIngestOutput(`warming up\n${line}\n`).rows[0]!.ratio).toBe(0.75);
    expect(() => parseIngestOutput('')).toThrow(/printed nothing/);
  });
});

describe('runStamp', () => {
  it('writes the command without the password of a --mongo-uri', () => {
    const stamp = runStamp(['--only', 'fleet', '--mongo-uri', 'mongodb://bench:s3cr3t-pw@db.example:27017/']);
    expect(stamp).toContain('--mongo-uri mongodb://bench:***@db.example:27017/');
    expect(stamp).not.toContain('s3cr3t-pw');
  });
});
