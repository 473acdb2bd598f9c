/**
 * docs/messages.md tells the truth: its examples are what the code produces now (scripts/messages-doc.ts), and every
 * template variable the code offers is in its tables.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { checkTemplate, templateVariables } from '../../src/messages/template.js';
import { DOC, exampleNotice, TEMPLATES, withExamples } from '../../scripts/messages-doc.js';

const doc = readFileSync(DOC, 'utf8');

test('the examples of docs/messages.md are the current output (npx tsx scripts/messages-doc.ts)', () => {
  expect(doc).toBe(withExamples(doc));
});

test('every template variable and line key is documented, and the two example templates pass the checks', () => {
  const vars = templateVariables(exampleNotice('en', 'UTC'), 'en') as Record<string, unknown> & { counts: object; lines: Record<string, unknown>[] };
  const names = [...Object.keys(vars).filter((k) => k !== 'counts'), ...Object.keys(vars.counts).map((k) => `counts.${k}`), ...Object.keys(vars.lines[0]!)];
  for (const name of names) expect(doc, name).toContain(`| \`${name}\` |`);
  for (const t of Object.values(TEMPLATES)) expect(checkTemplate(t)).toEqual(t);
});
