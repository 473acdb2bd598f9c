/** `hostwatch maintenance add|list|remove`: maintenance windows that hold a host's notices (docs/operations.md). */
import { Command } from 'commander';
import type { Config } from '../config.js';
import { OpError } from '../ops/errors.js';
import { addMaintenance, listMaintenance, removeMaintenance, type MaintenanceStores, type MaintenanceView } from '../ops/maintenance.js';
import { HostStore } from '../store/hosts-store.js';
import { withStore } from './database.js';
import { parseDuration, parseList, usageExitCodes, UsageError } from './parse.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export interface AddFlags {
  host?: string[];
  tag?: string[];
  from?: string;
  to?: string;
  days?: string;
  between?: string;
  cron?: string;
  duration?: string;
  timezone?: string;
  reason?: string;
}

/** The flag that sets an operation's field, for messages. */
const FLAG_FOR: Record<string, string> = {
  name: 'NAME',
  hosts: '--host',
  tags: '--tag',
  timezone: '--timezone',
  from: '--from',
  to: '--to',
  days: '--days',
  start: '--between',
  end: '--between',
  cron: '--cron',
  durationMinutes: '--duration',
  reason: '--reason',
};

const KINDS = 'give one of --from/--to (one-off), --days/--between (weekly) or --cron/--duration (recurring by cron)';

/** The operation's input from `add`'s flags; refuses combinations naming the flags (nothing is written). */
export function windowInput(name: string, f: AddFlags): Record<string, unknown> {
  if (!f.host?.length && !f.tag?.length) throw new UsageError('--host or --tag is required (the hosts the window holds)');
  const groups = [
    ['--from', '--to'].filter((_, i) => [f.from, f.to][i] !== undefined),
    ['--days', '--between'].filter((_, i) => [f.days, f.between][i] !== undefined),
    ['--cron', '--duration'].filter((_, i) => [f.cron, f.duration][i] !== undefined),
  ];
  const given = groups.filter((g) => g.length > 0);
  if (given.length === 0) throw new UsageError(`a window needs a time: ${KINDS}`);
  if (given.length > 1) throw new UsageError(`${given.map((g) => g[0]).join(' and ')}: ${KINDS}, not several`);
  const base = { name, hosts: f.host ?? [], tags: f.tag ?? [], ...(f.timezone !== undefined && { timezone: f.timezone }), ...(f.reason !== undefined && { reason: f.reason }) };
  const need = (flag: string, value: string | undefined, other: string) => {
    if (value === undefined) throw new UsageError(`${flag} is required with ${other}`);
    return value;
  };
  if (groups[0]!.length > 0) return { ...base, kind: 'once', from: need('--from', f.from, '--to'), to: need('--to', f.to, '--from') };
  if (groups[1]!.length > 0) {
    const days = parseList(need('--days', f.days, '--between'));
    const m = /^\s*([^-\s]+)\s*-\s*([^-\s]+)\s*$/.exec(need('--between', f.between, '--days'));
    if (!m) throw new UsageError(`--between must be two local times HH:MM-HH:MM, e.g. 22:00-23:30, got "${f.between}"`);
    return { ...base, kind: 'weekly', days, start: m[1], end: m[2] };
  }
  const ms = parseDuration(need('--duration', f.duration, '--cron'), '--duration');
  if (ms % 60_000 !== 0) throw new UsageError(`--duration must be whole minutes, got "${f.duration}"`);
  return { ...base, kind: 'cron', cron: need('--cron', f.cron, '--duration'), durationMinutes: ms / 60_000 };
}

/** `web-1,db-1,tag:prod`. */
const covers = (w: Pick<MaintenanceView, 'hosts' | 'tags'>) => [...w.hosts, ...w.tags.map((t) => `tag:${t}`)].join(',');

/** The `maintenance list` table: times in each window's own zone, with their offset. */
export function formatWindowTable(windows: readonly MaintenanceView[]): string {
  if (windows.length === 0) return 'no maintenance windows; add one with "hostwatch maintenance add"';
  const header = ['NAME', 'KIND', 'WHEN', 'TIME ZONE', 'HOSTS', 'NOW', 'NEXT', 'REASON'];
  const rows = windows.map((w) => [
    w.name,
    w.kind,
    w.schedule,
    w.timezone,
    covers(w),
    w.active ? `active until ${w.active.toLocal}` : '-',
    w.next ? `${w.next.fromLocal} to ${w.next.toLocal}` : '-',
    w.reason ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function maintenanceCommand(getConfig: () => Readonly<Config>): Command {
  const maintenance = new Command('maintenance').description('maintenance windows: hold the notices of some hosts (by name or tag) at planned times');
  const run = (fn: (stores: MaintenanceStores, config: Readonly<Config>) => Promise<string>) =>
    withStore(
      getConfig,
      (db) => {
        const hosts = new HostStore(db, { history: false });
        return { hosts, maintenance: hosts.maintenance };
      },
      (err) => err instanceof OpError,
      async (stores, config) => {
        await stores.maintenance.ensureIndexes();
        console.log(await fn(stores, config));
      },
    );
  /** An OpError names its field: shown with the flag that set it. */
  const asUsage = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof OpError && err.code === 'invalid' && err.field) {
        const flag = FLAG_FOR[err.field.replace(/\[.*$/, '')];
        throw new UsageError(flag ? `${flag}: ${err.message}` : err.message);
      }
      throw err;
    }
  };

  const add = new Command('add')
    .description('add a window: one-off (--from/--to), weekly (--days/--between) or by cron (--cron/--duration), for hosts (--host) or tags (--tag)')
    .argument('<name>', 'a unique name: letters, digits, ".", "_", "-"')
    .option('--host <name>', 'a host it holds (repeatable)', collect)
    .option('--tag <tag>', 'hosts carrying this tag are held (repeatable)', collect)
    .option('--from <time>', 'one-off: start, ISO 8601; without an offset it is local time in --timezone (2026-12-24T22:00)')
    .option('--to <time>', 'one-off: end, same format')
    .option('--days <days>', 'weekly: comma-separated days, mon,tue,wed,thu,fri,sat,sun')
    .option('--between <HH:MM-HH:MM>', 'weekly: local start and end; an end at or before the start is the next day (22:00-02:00)')
    .option('--cron <expression>', 'recurring: 5-field cron expression in local time, e.g. "0 2 * * 0" (Sundays 02:00)')
    .option('--duration <duration>', 'recurring: how long each occurrence lasts, e.g. 90m, 2h, 1d')
    .option('--timezone <zone>', 'IANA time zone of its times (default HOSTWATCH_TIMEZONE)')
    .option('--reason <text>', 'why (shown in the list)')
    .action(async (name: string, flags: AddFlags) => {
      const input = windowInput(name, flags);
      await run(async (stores, config) => {
        const w = await asUsage(() => addMaintenance(stores, input, { defaultTimezone: config.timezone }));
        const state = w.active ? `active now until ${w.active.toLocal}` : w.next ? `next ${w.next.fromLocal} to ${w.next.toLocal}` : 'no further occurrence';
        return `added maintenance window "${w.name}" (${w.kind}): ${w.schedule} in ${w.timezone}, holds ${covers(w)}; ${state}`;
      });
    })
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  hostwatch maintenance add db-upgrade --host db-1 --from 2026-12-24T22:00 --to 2026-12-25T02:00 --timezone Europe/Berlin',
        '  hostwatch maintenance add nightly-backup --tag backup --days mon,tue,wed,thu,fri --between 23:30-00:30',
        '  hostwatch maintenance add patch-sunday --tag prod --cron "0 2 * * 0" --duration 2h --reason "OS updates"',
        '',
        'A window holds notices of its hosts like a mute (ALERTING.md rule 6); the first check after it applies the',
        'rules to what is true then. DST: a local time skipped by the clock change is the moment of the jump; a',
        'repeated one is the first for a start and the second for an end (docs/operations.md "Maintenance windows").',
      ].join('\n'),
    );

  const list = new Command('list')
    .description('show every window: when it holds, whether it holds now and its next occurrence, in its own time zone')
    .option('--json', 'print a JSON array instead of a table')
    .action(async (flags: { json?: boolean }) => {
      await run(async (stores) => {
        const windows = await listMaintenance(stores);
        return flags.json ? JSON.stringify(windows, null, 2) : formatWindowTable(windows);
      });
    });

  const remove = new Command('remove')
    .description('remove a window (its hosts are no longer held by it from the next check)')
    .argument('<name>', 'window name as "maintenance list" shows it')
    .action(async (name: string) => {
      await run(async (stores) => {
        const w = await asUsage(() => removeMaintenance(stores, { name }));
        return `removed maintenance window "${w.name}"`;
      });
    });

  for (const c of [add, list, remove]) maintenance.addCommand(usageExitCodes(c));
  return usageExitCodes(maintenance);
}
