/** `hostwatch hosts grace NAME <duration|off>` (issue 14 point 4): a host's own grace, over src/ops/grace.ts. */
import { Command } from 'commander';
import type { Db } from 'mongodb';
import type { Config } from '../config.js';
import { clearHostGrace, setHostGrace, type GraceStores } from '../ops/grace.js';
import { OpError } from '../ops/errors.js';
import { effectiveGrace, graceText, MAX_GRACE_SECONDS } from '../store/host-grace.js';
import { HostStore } from '../store/hosts-store.js';
import { TagSettingsStore } from '../store/tag-settings-store.js';
import { withStore } from './database.js';
import { parseDuration, UsageError } from './parse.js';

/** `15m`, `90s`, `0` / `0s` (no grace at all) -> seconds, or null for `off`; at most 1d. */
export function parseGrace(text: string, what = 'grace'): number | null {
  const t = text.trim();
  if (t === 'off') return null;
  if (/^0\s*[smhd]?$/.test(t)) return 0;
  let ms: number;
  try {
    ms = parseDuration(t, what);
  } catch {
    throw new UsageError(`${what} must be a duration from 0s to 1d like 90s, 15m or 2h, or "off", got "${text}"`);
  }
  if (ms > MAX_GRACE_SECONDS * 1000) throw new UsageError(`${what} must be at most 1d, got "${text}"`);
  return ms / 1000;
}

/** Runs `fn` on the stores the grace operations need; an OpError (unknown host, bad value) is a usage error. */
export function withGraceStores<T>(getConfig: () => Readonly<Config>, fn: (stores: GraceStores) => Promise<T>): Promise<T> {
  const open = (db: Db): GraceStores => ({ hosts: new HostStore(db, { history: false }), tagSettings: new TagSettingsStore(db) });
  return withStore(getConfig, open, (err) => err instanceof OpError, (stores) => fn(stores));
}

export function hostGraceCommand(getConfig: () => Readonly<Config>): Command {
  return new Command('grace')
    .description("silence allowed beyond the host's reporting interval before it is offline (rule 9); replaces its tags' grace and the check's --grace")
    .argument('<name>', 'host name')
    .argument('<duration|off>', 'from 0s to 1d, e.g. 90s, 15m, 2h; "off" clears it (its tags\' grace, or the check\'s, applies again)')
    .action(async (name: string, value: string) => {
      const grace = parseGrace(value);
      const line = await withGraceStores(getConfig, async (stores) => {
        if (grace === null) {
          await clearHostGrace(stores, { name });
          return `cleared the grace of host "${name}" (its tags' grace, or the check's, applies)`;
        }
        await setHostGrace(stores, { name, grace });
        return `host "${name}" grace ${graceText(grace)}: offline only once silent longer than its reporting interval plus this`;
      });
      console.log(line);
    })
    .addHelpText('after', '\nSteps still count from the last report: a longer grace delays the first notice, never the step it names.\n\nExamples:\n  hostwatch hosts grace flaky-1 15m\n  hostwatch hosts grace flaky-1 off');
}

/**
 * The notes under the `hosts list` table: each host's grace (its own or its tag's) and a clock ahead of the
 * server's (report-clock.ts); none when no host has either.
 */
export function hostNotes(hosts: readonly { name: string; grace?: number; tags?: readonly string[]; clockAheadMs?: number }[], tagGraces: ReadonlyMap<string, number>): string[] {
  const lines = hosts.flatMap((h) => {
    const g = effectiveGrace(h, tagGraces);
    const notes = [
      ...(g ? [`grace ${graceText(g.seconds)}${g.tag === undefined ? '' : ` (tag ${g.tag})`}`] : []),
      ...(typeof h.clockAheadMs === 'number' ? [`clock ${Math.round(h.clockAheadMs / 1000)} s ahead of the server at its last report`] : []),
    ];
    return notes.length > 0 ? [`  ${h.name}: ${notes.join('; ')}`] : [];
  });
  return lines.length > 0 ? ['', 'notes:', ...lines] : [];
}
