/** `hostwatch enroll create|list|revoke`: enrolment tokens agents trade for a host of their own (docs/agent.md). */
import { Command } from 'commander';
import { formatLocalTime } from '../alerting/local-time.js';
import type { Config } from '../config.js';
import { EnrollStore, enrollTokenId, InvalidEnrollSettingError, MAX_USES, UnknownEnrollTokenError, type EnrollTokenView } from '../store/enroll-store.js';
import { InvalidTagError } from '../store/tags.js';
import { withStore } from './database.js';
import { parseDuration, usageExitCodes, UsageError } from './parse.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** `--uses`: a whole number from 1 to {@link MAX_USES}. */
export function parseUses(text: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_USES) throw new UsageError(`--uses must be a whole number from 1 to ${MAX_USES}, got "${text}"`);
  return n;
}

/** The `enroll list` table; times in `timezone`. */
export function formatTokenTable(tokens: readonly EnrollTokenView[], timezone: string): string {
  if (tokens.length === 0) return 'no enrolment tokens; create one with "hostwatch enroll create"';
  const header = ['ID', 'STATE', 'USES LEFT', `EXPIRES (${timezone})`, 'TAGS'];
  const rows = tokens.map((t) => [t.id, t.state, `${t.usesLeft}/${t.uses}`, formatLocalTime(t.expiresAt.getTime(), timezone, false), t.tags.join(',') || '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function enrollCommand(getConfig: () => Readonly<Config>): Command {
  const enroll = new Command('enroll').description('enrolment tokens: let agents register themselves (hostwatch agent --enroll TOKEN)');
  const isUserError = (err: unknown) => err instanceof InvalidEnrollSettingError || err instanceof UnknownEnrollTokenError || err instanceof InvalidTagError;
  const run = (fn: (store: EnrollStore, config: Readonly<Config>) => Promise<string>) => withStore(getConfig, (db) => new EnrollStore(db), isUserError, async (s, c) => console.log(await fn(s, c)));

  const create = new Command('create')
    .description('make a token and print it (shown once: only its hash is stored)')
    .option('--tag <tag>', 'tag every host enrolled with it gets (repeatable)', collect)
    .option('--expires <duration>', 'how long it is valid, 1m to 365d', '7d')
    .option('--uses <n>', `how many hosts it may enrol, 1 to ${MAX_USES}`, '1')
    .action(async (flags: { tag?: string[]; expires: string; uses: string }) => {
      const expiresMs = parseDuration(flags.expires, '--expires');
      const uses = parseUses(flags.uses);
      await run(async (store, config) => {
        const { id, token, expiresAt } = await store.create({ tags: flags.tag ?? [], expiresMs, uses });
        return [
          `created enrolment token ${id}: ${uses} use${uses === 1 ? '' : 's'}, expires ${formatLocalTime(expiresAt.getTime(), config.timezone, false)}`,
          `  token: ${token}`,
          '',
          'The token cannot be shown again (only its hash is stored): copy it now. On each machine run:',
          `  hostwatch agent --url http://<hostwatch-server>:${config.api.port} --enroll ${token}`,
          '(or set HOSTWATCH_ENROLL_TOKEN instead of --enroll; see docs/agent.md).',
        ].join('\n');
      });
    })
    .addHelpText('after', '\nExamples:\n  hostwatch enroll create\n  hostwatch enroll create --tag prod --tag eu --uses 20 --expires 1d');

  const list = new Command('list')
    .description('show every token: id, state, uses left, expiry and tags (never the token)')
    .option('--json', 'print a JSON array instead of a table')
    .action(async (flags: { json?: boolean }) => {
      await run(async (store, config) => {
        const tokens = await store.list();
        return flags.json ? JSON.stringify(tokens, null, 2) : formatTokenTable(tokens, config.timezone);
      });
    });

  const revoke = new Command('revoke')
    .description('stop a token from enrolling any more hosts (hosts it enrolled stay)')
    .argument('<id>', 'token id as "enroll list" shows it')
    .action(async (id: string) => {
      await run(async (store) => {
        await store.revoke(id);
        return `revoked enrolment token ${enrollTokenId(id) ?? id}`;
      });
    });

  for (const c of [create, list, revoke]) enroll.addCommand(usageExitCodes(c));
  return usageExitCodes(enroll);
}
