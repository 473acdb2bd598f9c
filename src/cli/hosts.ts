import { Command } from 'commander';
import type { Db } from 'mongodb';
import { ruleBook } from '../alerting/conditions.js';
import { formatDuration, formatLocalTime } from '../alerting/local-time.js';
import type { Config } from '../config.js';
import type { Credentials } from '../store/credentials.js';
import { activeConditions, currentAlertStep, hostState, type KnownRules } from '../store/host-status.js';
import { HostStore, type HostView } from '../store/hosts-store.js';
import { RuleStore } from '../store/rules-store.js';
import { OpError } from '../ops/errors.js';
import { checkHostName, checkTags } from '../ops/fields.js';
import * as ops from '../ops/hosts.js';
import { withStore } from './database.js';
import { hostGraceCommand, hostNotes } from './grace.js';
import { hostJson } from '../ops/host-view.js';

export { hostJson } from '../ops/host-view.js';
import { TagSettingsStore } from '../store/tag-settings-store.js';
import { ackCommand } from './ack.js';
import { acknowledgedOf } from '../store/ack-store.js';
import { effectiveGrace } from '../store/host-grace.js';
import { parseDuration, UsageError } from './parse.js';

/** Runs a pure check of the operations layer before anything connects: its refusal is a usage error. */
function usage<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof OpError) throw new UsageError(err.message);
    throw err;
  }
}

/** Host names: 1 to 100 characters of letters, digits, `.`, `_` and `-` (ops/fields.ts). */
export function validateHostName(name: string): string {
  return usage(() => checkHostName(name));
}

/** ALERT STEP: `10 min`, with `, acked` once its outage is acknowledged (hosts ack, a link); `acked` before any notice. */
function alertStepCell(h: HostView): string {
  const step = currentAlertStep(h);
  const acked = acknowledgedOf(h).some((a) => a.condition === 'offline');
  return step !== undefined ? `${step} min${acked ? ', acked' : ''}` : acked ? 'acked' : '-';
}

/**
 * The `hosts list` table; times in `timezone`; CONDITIONS lists the active ones (`disk /var 93 % > 90 %`); STATE
 * counts a host's own or tag grace (`tagGraces`), as `--json` and the check do.
 */
export function formatHostTable(hosts: readonly HostView[], now: number, timezone: string, known?: KnownRules, tagGraces: ReadonlyMap<string, number> = new Map()): string {
  if (hosts.length === 0) return 'no hosts yet; add one with "hostwatch hosts add <name>"';
  const header = ['NAME', 'STATE', `LAST SEEN (${timezone})`, 'OFFLINE FOR', 'ALERT STEP', 'MUTED UNTIL', 'ACTIVE', 'ALARM', 'TAGS', 'CONDITIONS'];
  const rows = hosts.map((h) => {
    const state = hostState(h, now, effectiveGrace(h, tagGraces)?.seconds);
    const muted = h.mutedUntil !== undefined && h.mutedUntil.getTime() > now;
    return [
      h.name,
      state,
      h.lastReportAt ? formatLocalTime(h.lastReportAt.getTime(), timezone) : '-',
      state === 'offline' ? formatDuration(now - h.lastReportAt!.getTime()) : '-',
      alertStepCell(h),
      muted ? formatLocalTime(h.mutedUntil!.getTime(), timezone) : '-',
      h.active ? 'yes' : 'no',
      h.alarm ? 'on' : 'off',
      h.tags?.join(',') || '-',
      activeConditions(h, now, known).map((c) => c.text).join(', ') || '-',
    ];
  });
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function credentialLines(name: string, c: Credentials, apiPort: number): string[] {
  return [
    `  key:    ${c.key}`,
    `  secret: ${c.secret}`,
    '',
    'The secret cannot be shown again (only its hash is stored): copy it now.',
    `Configure the agent on ${name} with:`,
    `  HOSTWATCH_KEY=${c.key} HOSTWATCH_SECRET=${c.secret} hostwatch agent --url http://<hostwatch-server>:${apiPort}`,
    'or put both in /etc/hostwatch/agent.env for the systemd unit (see docs/agent.md).',
  ];
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Tags from the command line, normalized (tags.ts); a bad one is a usage error naming it, before any write. */
export function parseTags(tags: readonly string[]): string[] {
  return usage(() => checkTags(tags));
}

/**
 * Runs `fn` on the hosts store; a refused operation (ops/hosts.ts: an unknown or duplicate host name, a bad field)
 * is a usage error.
 */
function withHosts<T>(getConfig: () => Readonly<Config>, fn: (hosts: HostStore, config: Readonly<Config>) => Promise<T>): Promise<T> {
  return withStore(getConfig, (db) => new HostStore(db), (err) => err instanceof OpError, fn);
}

export function hostsCommand(getConfig: () => Readonly<Config>): Command {
  const hosts = new Command('hosts').description('register and manage the hosts that report in');
  const run = (fn: (hosts: HostStore, config: Readonly<Config>) => Promise<string>) => withHosts(getConfig, async (h, c) => console.log(await fn(h, c)));

  const add = new Command('add')
    .description('register a host and print its key and secret (shown once)')
    .argument('<name>', 'host name: 1-100 characters of letters, digits, ".", "_" and "-"')
    .option('--no-alarm', 'register it with alerts off (it still reports)')
    .option('--tag <tag>', 'a tag for schedules and rules to select it by; repeat for more', collect)
    .action(async (name: string, flags: { alarm: boolean; tag?: string[] }) => {
      validateHostName(name);
      const tags = parseTags(flags.tag ?? []);
      await run(async (store, config) => {
        await store.ensureIndexes(); // the unique name and key indexes make duplicates an error
        const created = await ops.createHost(store, { name, alarm: flags.alarm, tags });
        const notes = [...(flags.alarm ? [] : ['alarm off']), ...(tags.length > 0 ? [`tags ${tags.join(',')}`] : [])];
        return [`added host "${name}"${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`, ...credentialLines(name, created, config.api.port)].join('\n');
      });
    })
    .addHelpText('after', '\nExample:\n  hostwatch hosts add web-1 --tag prod --tag eu\n  hostwatch hosts add build-box --no-alarm');

  const list = new Command('list')
    .description('show every host: state, last report, how long offline, alert step, muting, flags and active conditions (metric rules, reboots)')
    .option('--json', 'print a JSON array instead of a table')
    .option('--tag <tag>', 'only hosts carrying this tag; repeat for any of several', collect)
    .action(async (flags: { json?: boolean; tag?: string[] }) => {
      const tags = flags.tag && parseTags(flags.tag);
      const open = (db: Db) => ({ hosts: new HostStore(db), rules: new RuleStore(db), tagSettings: new TagSettingsStore(db) });
      const out = await withStore(getConfig, open, () => false, async (stores, config) => {
        const [all, rules, graces] = await Promise.all([ops.listHosts(stores.hosts, tags ? { tags } : {}), stores.rules.all(), stores.tagSettings.graces()]);
        // Instances of a removed rule stay in a host's document until the next check drops them: not shown.
        const known = ruleBook(rules);
        const now = Date.now();
        if (flags.json) return JSON.stringify(all.map((h) => hostJson(h, now, known, graces)), null, 2);
        return [formatHostTable(all, now, config.timezone, known, graces), ...hostNotes(all, graces)].join('\n');
      });
      console.log(out);
    });

  const simple = (name: string, description: string, edit: (store: HostStore, host: string) => Promise<string>) =>
    new Command(name)
      .description(description)
      .argument('<name>', 'host name')
      .action(async (host: string) => run((store) => edit(store, host)));

  const enable = simple('enable', 'accept reports from the host again', async (store, host) => {
    await ops.updateHost(store, host, { enabled: true });
    return `enabled host "${host}"`;
  });
  const disable = simple('disable', 'refuse its reports and stop alerting for it (the record stays)', async (store, host) => {
    await ops.updateHost(store, host, { enabled: false });
    return `disabled host "${host}"`;
  });

  const alarm = new Command('alarm')
    .description('turn alerts for the host on or off (it keeps reporting)')
    .argument('<name>', 'host name')
    .argument('<on|off>', '"on" or "off"')
    .action(async (host: string, value: string) => {
      if (value !== 'on' && value !== 'off') throw new UsageError(`alarm must be "on" or "off", got "${value}"`);
      await run(async (store) => {
        await ops.updateHost(store, host, { alarm: value === 'on' });
        return `alarm ${value} for host "${host}"`;
      });
    });

  const rename = new Command('rename')
    .description('rename a host; its key, secret, reports and alert state stay')
    .argument('<old>', 'current name')
    .argument('<new>', 'new name')
    .action(async (from: string, to: string) => {
      validateHostName(to);
      await run(async (store) => {
        await store.ensureIndexes();
        await ops.updateHost(store, from, { name: to });
        return `renamed host "${from}" to "${to}"`;
      });
    });

  const remove = new Command('remove')
    .description('delete a host and its latest report for good')
    .argument('<name>', 'host name')
    .option('--yes', 'confirm the deletion')
    .action(async (host: string, flags: { yes?: boolean }) => {
      if (!flags.yes) throw new UsageError(`remove deletes host "${host}" for good; add --yes to confirm`);
      await run(async (store) => {
        await ops.removeHost(store, host);
        return `removed host "${host}"`;
      });
    });

  const rotate = simple('rotate-secret', 'give the host a new key and secret (printed once); the old ones stop working at once', async (store, host) => {
    const credentials = await ops.rotateHost(store, host);
    return [`new credentials for host "${host}" (the old key and secret no longer work)`, ...credentialLines(host, credentials, getConfig().api.port)].join('\n');
  });

  const mute = new Command('mute')
    .description('silence alerts for the host for a while (it keeps reporting)')
    .argument('<name>', 'host name')
    .option('--for <duration>', 'how long, e.g. 30m, 2h, 1d')
    .option('--until <time>', 'until an ISO time, e.g. 2026-11-23T18:00:00Z')
    .action(async (host: string, flags: { for?: string; until?: string }) => {
      if ((flags.for === undefined) === (flags.until === undefined)) throw new UsageError('mute needs exactly one of --for <duration> or --until <ISO time>');
      const now = Date.now();
      const until = usage(() => ops.muteUntil(flags, now, { until: '--until', for: '--for' }));
      await run(async (store, config) => {
        await ops.muteHost(store, host, { until });
        return `muted host "${host}" until ${formatLocalTime(until.getTime(), config.timezone)} ${config.timezone} (${until.toISOString()})`;
      });
    })
    .addHelpText('after', '\nExamples:\n  hostwatch hosts mute web-1 --for 2h\n  hostwatch hosts mute web-1 --until 2026-11-24T08:00:00+01:00');

  const unmute = simple('unmute', 'alert for the host again', async (store, host) => {
    await ops.unmuteHost(store, host);
    return `unmuted host "${host}"`;
  });

  const interval = new Command('interval')
    .description("how often the host reports, for reporters that do not state it: it is offline only after that plus the check's grace")
    .argument('<name>', 'host name')
    .argument('<duration|off>', 'e.g. 30s, 5m, 1h; "off" forgets it (reports that state their interval always win)')
    .action(async (host: string, value: string) => {
      const seconds = value === 'off' ? null : parseDuration(value, 'interval') / 1000;
      if (seconds !== null && seconds > 86_400) throw new UsageError(`interval must be at most 1d, got "${value}"`);
      await run(async (store) => {
        await ops.updateHost(store, host, { interval: seconds });
        return seconds === null ? `forgot the reporting interval of host "${host}"` : `host "${host}" reports every ${seconds} s`;
      });
    })
    .addHelpText('after', '\nExamples:\n  hostwatch hosts interval web-1 5m\n  hostwatch hosts interval web-1 off');

  const tagEdit = (verb: 'tag' | 'untag') =>
    new Command(verb)
      .description(verb === 'tag' ? 'add tags to a host (schedules and rules select hosts by tag)' : 'remove tags from a host')
      .argument('<name>', 'host name')
      .argument('<tags...>', 'one or more tags: letters, digits, ".", "_", "-" and ":" (stored in lower case)')
      .action(async (host: string, given: string[]) => {
        const tags = parseTags(given);
        await run(async (store) => {
          const now = verb === 'tag' ? await ops.tagHost(store, host, tags) : await ops.untagHost(store, host, tags);
          return `host "${host}" tags: ${now.length > 0 ? now.join(',') : '(none)'}`;
        });
      })
      .addHelpText('after', `\nExample:\n  hostwatch hosts ${verb} web-1 prod eu`);

  for (const c of [add, list, tagEdit('tag'), tagEdit('untag'), enable, disable, alarm, rename, remove, rotate, mute, unmute, interval, hostGraceCommand(getConfig), ackCommand(getConfig)]) hosts.addCommand(c);
  return hosts;
}
