/** `hostwatch tags grace|list` (issue 14 point 4): the tags in use and their settings, over src/ops/grace.ts. */
import { Command } from 'commander';
import type { Config } from '../config.js';
import { clearTagGrace, listTags, setTagGrace, type TagInfo } from '../ops/grace.js';
import { graceText } from '../store/host-grace.js';
import { parseGrace, withGraceStores } from './grace.js';

/** The `tags list` table. */
export function formatTagTable(tags: readonly TagInfo[]): string {
  if (tags.length === 0) return 'no tags yet; tag hosts with "hostwatch hosts tag <name> <tag>"';
  const header = ['TAG', 'HOSTS', 'GRACE'];
  const rows = tags.map((t) => [t.tag, String(t.hosts), t.grace === null ? '-' : graceText(t.grace)]);
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function tagsCommand(getConfig: () => Readonly<Config>): Command {
  const tags = new Command('tags').description('the tags hosts carry, and per-tag settings (grace)');

  const grace = new Command('grace')
    .description("grace for every host carrying the tag (the largest of its tags' applies; a host's own grace wins)")
    .argument('<tag>', 'a tag (stored in lower case)')
    .argument('<duration|off>', 'from 0s to 1d, e.g. 90s, 15m, 2h; "off" clears it')
    .action(async (tag: string, value: string) => {
      const seconds = parseGrace(value);
      const line = await withGraceStores(getConfig, async (stores) => {
        if (seconds === null) {
          const r = await clearTagGrace(stores, { tag });
          return r.cleared ? `cleared the grace of tag "${r.tag}"` : `tag "${r.tag}" had no grace`;
        }
        const r = await setTagGrace(stores, { tag, grace: seconds });
        return `tag "${r.tag}" grace ${graceText(r.grace)}`;
      });
      console.log(line);
    })
    .addHelpText('after', '\nExamples:\n  hostwatch tags grace flaky-link 20m\n  hostwatch tags grace flaky-link off');

  const list = new Command('list')
    .description('every tag on a host or with a setting: its host count and grace')
    .option('--json', 'print a JSON array of { tag, hosts, grace } (grace in seconds or null)')
    .action(async (flags: { json?: boolean }) => {
      const all = await withGraceStores(getConfig, (stores) => listTags(stores));
      console.log(flags.json ? JSON.stringify(all, null, 2) : formatTagTable(all));
    });

  return tags.addCommand(grace).addCommand(list);
}
