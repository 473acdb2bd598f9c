/** The pure parts of `npm run bench` (bench/): statistics, payload measurement, digest checks, the report file. */
import { readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { parseIngestOutput } from '../../bench/lib/ingest.js';
import { ALWAYS_BREACHING, BENCH_RULES, TYPICAL_RULES, breachingShare, evaluationMicros, halfOrder, parseRulesOutput, REPORT_VARIANTS, ruleBenchReports, rulesGoalMet, rulesRow, type RulesResult } from '../../bench/lib/rules.js';
import { findPayloads, payloadProtoSize, summarizeHistory, type HistoryEventLike } from '../../bench/lib/history.js';
import { median, ratio } from '../../bench/lib/stats.js';
import { checkDigest } from '../../bench/outage.js';
import { renderDocument, rulesTable, runStamp, sectionOf } from '../../bench/report.js';
import { breaches, checkRule, readMetric } from '../../src/rules/rule.js';
import { isConditionDoc, ruleStateFields, type ConditionDoc } from '../../src/store/condition-state.js';
import { applyUpdate } from '../support/mongo-update.js';

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

describe('ingest with metric rules (item 5)', () => {
  const rules = BENCH_RULES.map((spec, k) => checkRule({ ...spec, id: `rule${k}` }));
  const sample = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => ruleBenchReports(`bench-${from + k}.example.net`, from + k, new Date(0)));

  it('measures with ten valid rules of every shape the issue names', () => {
    expect(rules).toHaveLength(10);
    expect(new Set(rules.map((r) => r.name)).size).toBe(10);
    const metrics = rules.map((r) => r.metric);
    for (const m of ['cpu', 'memory', 'disk', 'load1', 'load5', 'load15', 'reboot']) expect(metrics).toContain(m);
    expect(metrics.some((m) => m.startsWith('data.'))).toBe(true);
    expect(rules.filter((r) => r.perCpu).map((r) => r.metric).sort()).toEqual(['load1', 'load15', 'load5']);
    expect(rules.find((r) => r.name === 'disk-full')).toMatchObject({ threshold: 90, clear: 85 });
  });

  it("keeps every report's rule work real and bounded: one open instance that changes each report, none ending or piling up", () => {
    // The reports of 300 hosts, three times over, through the API's own rule-state code and MongoDB's $set.
    const hosts = sample(0, 300);
    const at = (n: number) => new Date(Date.UTC(2026, 11, 1) + n * 1000);
    for (const [i, variants] of hosts.entries()) {
      let doc: { name: string; alerts?: Record<string, unknown>; lastUptime?: number } = { name: `bench-${i}` };
      const keysAfter: number[] = [];
      for (let n = 0; n < 3 * REPORT_VARIANTS; n++) {
        const data = JSON.parse(JSON.stringify(variants[n % REPORT_VARIANTS])) as Record<string, unknown>;
        const $set = ruleStateFields(doc, data, at(n), rules);
        const instanceFields = Object.keys($set).filter((k) => k.startsWith('alerts.'));
        // Every write carries the always-breaching rule's instance: new on the first report, its value after.
        expect(instanceFields.length, `host ${i} report ${n}`).toBeGreaterThan(0);
        doc = applyUpdate(doc, { $set });
        if (n % REPORT_VARIANTS === REPORT_VARIANTS - 1) keysAfter.push(Object.keys(doc.alerts ?? {}).length);
      }
      const instances = Object.values(doc.alerts ?? {}).filter(isConditionDoc) as ConditionDoc[];
      expect(instances.filter((x) => x.name === ALWAYS_BREACHING && x.item === '/' && x.endAt === undefined)).toHaveLength(1);
      expect(instances.filter((x) => x.endAt !== undefined)).toEqual([]);
      expect(instances.some((x) => x.condition === 'reboot')).toBe(false);
      expect(new Set(keysAfter).size, `host ${i}: instances ${keysAfter.join(', ')}`).toBe(1);
    }
  });

  it('says truly which share of hosts breaches each rule', () => {
    const hosts = sample(0, 1000);
    const share = breachingShare(rules, hosts);
    expect(share.get(ALWAYS_BREACHING)).toBe(1);
    expect(share.get('reboot')).toBe(0);
    // cpu is (i * 7) % 100: above 90 for 91..99, nine of every hundred hosts.
    expect(share.get('cpu-high')).toBe(0.09);
    expect(share.get('disk-full')).toBe(0);
    expect(breachingShare(rules, [])).toEqual(new Map(rules.map((r) => [r.name, 0])));
    expect(breachingShare([{ name: 'hot', metric: 'data.temperature', op: 'above', threshold: 80 }], [[{ temperature: 70 }, { temperature: 81 }], [{ temperature: 79 }]]).get('hot')).toBe(0.5);
  });

  it('the typical set is the same ten rules without the one every report breaches: about one host in ten carries an instance', () => {
    const typical = TYPICAL_RULES.map((spec, k) => checkRule({ ...spec, id: `typical${k}` }));
    expect(typical).toHaveLength(10);
    expect(typical.map((r) => r.name)).not.toContain(ALWAYS_BREACHING);
    const hosts = sample(0, 1000);
    const share = breachingShare(typical, hosts);
    expect(share.get('disk-critical')).toBe(0);
    // a host carries an instance when it breaches any rule: cpu-high or disk-warning
    const carrying = hosts.filter((h) => h.some((data) => typical.some((r) => [...readMetric(r, data).values()].some((v) => breaches(r, v))))).length / hosts.length;
    expect(carrying).toBeGreaterThan(0.05);
    expect(carrying).toBeLessThan(0.25);
  });

  it('times the rule evaluation alone', () => {
    const us = evaluationMicros(BENCH_RULES, sample(0, 50), 2_000);
    expect(us).toBeGreaterThan(0);
    expect(us).toBeLessThan(1_000);
  });

  it('alternates which half goes first', () => {
    expect([0, 1, 2, 3].map(halfOrder)).toEqual([
      ['none', 'rules'],
      ['rules', 'none'],
      ['none', 'rules'],
      ['rules', 'none'],
    ]);
  });

  const s = (rps: number, p99Ms = 100, non2xx = 0) => ({ rps, p50Ms: p99Ms / 4, p99Ms, non2xx, detail: '' });

  it('takes medians per half, their ratio, and the ratio of each run', () => {
    const row = rulesRow(64, [s(600), s(700, 300), s(650, 200)], [s(570), s(560, 400, 2), s(640, 250)]);
    expect(row).toMatchObject({ connections: 64, noneRps: 650, rulesRps: 570, noneP99Ms: 200, rulesP99Ms: 250, non2xx: 2, ratio: 0.877 });
    expect(row.runRatios).toEqual([0.95, 0.8, 0.985]);
    expect(() => rulesRow(64, [s(1)], [])).toThrow(/1 runs without rules and 0 with/);
    expect(rulesRow(64, [s(0)], [s(5)]).ratio).toBe(0);
  });

  it('meets the goal at 90 % with no failed report, and misses it otherwise', () => {
    expect(rulesGoalMet({ ratio: 0.9, non2xx: 0 })).toBe(true);
    expect(rulesGoalMet({ ratio: 0.899, non2xx: 0 })).toBe(false);
    expect(rulesGoalMet({ ratio: 1.02, non2xx: 1 })).toBe(false);
  });

  it('prints the row with both rates, both p99s, the ratio and the verdict, and round-trips its JSON line', () => {
    const result: RulesResult = {
      rows: [rulesRow(64, [s(640, 600), s(660, 680)], [s(600, 580), s(620, 640)]), rulesRow(16, [s(600)], [s(500)])],
      hosts: 1000,
      durationSec: 10,
      runs: 2,
      rules: rules.map((r) => r.name),
      breaching: Object.fromEntries(breachingShare(rules, sample(0, 100))),
      evaluationUs: 3.5,
    };
    const table = rulesTable(parseRulesOutput(`progress\n${JSON.stringify(result)}\n`));
    expect(table.rows[0]).toEqual(['64', '650', '610', '160 / 152.5 ms', '640 / 610 ms', '0', '94 %', '94 %, 94 %', '≥ 90 %: met']);
    expect(table.rows[1]!.at(-1)).toBe('≥ 90 %: MISSED');
    expect(table.notes.join('\n')).toContain(`${ALWAYS_BREACHING} 100 %`);
    expect(table.notes.join('\n')).toContain('3.5 µs per report; at 64 connections with the rules the API completed one report every 1.64 ms');
    expect(() => parseRulesOutput(JSON.stringify({ rows: [] }))).toThrow(/no "rows" or "rules"/);
    const doc = renderDocument(renderDocument(undefined, { ingest: 'ingest v1' }), { rules: 'rules v1' });
    expect(sectionOf(doc, 'rules')).toBe('rules v1');
    expect(sectionOf(doc, 'ingest')).toBe('ingest v1');
  });
});
