/** Acknowledge links in notice text (format.ts lineText): after the step line, on its own line; config PUBLIC_URL. */
import { expect, test } from 'vitest';
import { fitMarkdownList, fitText, lineText, markdownListItem } from '../../src/channels/format.js';
import type { Notice } from '../../src/channels/types.js';
import { loadConfig } from '../../src/config.js';

const URL = 'https://hw.example.com/ack/AbC-dEf_123';
const offline = { kind: 'offline' as const, hostId: 'h', name: 'web_1', step: 10, offlineMs: 12 * 60_000, lastReportAt: Date.UTC(2026, 10, 23, 9, 0) };
const notice: Notice = {
  id: 'n',
  run: 'r',
  checkTime: Date.UTC(2026, 10, 23, 9, 12),
  timezone: 'UTC',
  offline: [{ ...offline, ackUrl: URL } as typeof offline],
  recoveries: [{ kind: 'recovered', hostId: 'h2', name: 'db-1', wentSilentAt: 0, seenAgainAt: 60_000, goneMs: 60_000 }],
  offlineTotal: 1,
  recoveryTotal: 1,
};

test('a linked step line: the link on the next line, the URL untouched by escaping; end lines and unlinked lines unchanged', () => {
  expect(lineText(notice.offline[0]!, 'UTC')).toBe(`OFFLINE  web_1: offline 12 minutes, last report 2026-11-23 09:00:00 +00:00\n  acknowledge: ${URL}`);
  expect(lineText(offline, 'UTC')).not.toContain('acknowledge');
  expect(fitText(notice, 10_000).split('\n')).toEqual([
    'OFFLINE  web_1: offline 12 minutes, last report 2026-11-23 09:00:00 +00:00',
    `  acknowledge: ${URL}`,
    expect.stringMatching(/^BACK {5}db-1: back online after 1 minute/),
    '',
    '1 host offline, 1 back online.',
  ]);
  // Markdown kinds escape the host name, not the link.
  expect(markdownListItem(notice.offline[0]!, 'UTC')).toBe(`- **OFFLINE** web\\_1: offline 12 minutes, last report 2026-11-23 09:00:00 +00:00\n  acknowledge: ${URL}`);
  expect(fitMarkdownList(notice, 10_000)).toContain(`\n  acknowledge: ${URL}\n- **BACK** db-1`);
});

test('PUBLIC_URL: an http(s) URL, trailing slash dropped; anything else refused naming the variable; unset: no links', () => {
  expect(loadConfig({ PUBLIC_URL: 'https://hw.example.com/' }).publicUrl).toBe('https://hw.example.com');
  expect(loadConfig({ PUBLIC_URL: 'http://10.0.0.5:8080/hostwatch' }).publicUrl).toBe('http://10.0.0.5:8080/hostwatch');
  expect(loadConfig({}).publicUrl).toBeUndefined();
  expect(loadConfig({ PUBLIC_URL: '' }).publicUrl).toBeUndefined();
  for (const bad of ['hw.example.com', 'ftp://hw.example.com', 'https://hw.example.com/?a=1', 'https://hw.example.com/#x', 'https://u:p@hw.example.com']) {
    expect(() => loadConfig({ PUBLIC_URL: bad }), bad).toThrow(/PUBLIC_URL: must be an http:\/\/ or https:\/\/ URL/);
  }
});
