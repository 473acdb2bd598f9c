import type { Client } from '@temporalio/client';
import { Command, Option } from 'commander';
import { loadConfigOrExit, type Config } from './config.js';
import { agentCommand } from './cli/agent-command.js';
import { channelsCommand } from './cli/channels.js';
import { enrollCommand } from './cli/enroll.js';
import { maintenanceCommand } from './cli/maintenance.js';
import { hostsCommand } from './cli/hosts.js';
import { ensuredLine, ensureHousekeepingSchedule, housekeepingCommand } from './cli/housekeeping.js';
import { noticesCommand } from './cli/notices.js';
import { withTemporal } from './cli/temporal-client.js';
import { rulesCommand } from './cli/rules.js';
import { tagsCommand } from './cli/tags.js';
import { checkInputFromFlags, parseDuration, UsageError, type CheckInputFlags } from './cli/parse.js';
import {
  createSchedule,
  currentSettings,
  DEFAULT_SCHEDULE_ID,
  describeSchedule,
  formatDescription,
  syncCoverage,
  triggerSchedule,
  updateSchedule,
  withSchedule,
} from './cli/schedules.js';

type ScheduleFlags = CheckInputFlags & { id: string; every?: string; paused?: boolean; json?: boolean; note?: string };

/** The commands below need only the client. */
function withClient<T>(getConfig: () => Readonly<Config>, fn: (client: Client) => Promise<T>): Promise<T> {
  return withTemporal(getConfig, (client) => fn(client));
}

function scheduleCommand(config: () => Readonly<Config>): Command {
  const schedule = new Command('schedule').description('manage the Temporal Schedule that runs the check every minute');
  const idOption = () => new Option('--id <scheduleId>', 'schedule id').default(DEFAULT_SCHEDULE_ID);
  const inputOptions = (cmd: Command, required: boolean) =>
    cmd
      .addOption(idOption())
      .option('--recipients <emails>', `comma-separated addresses that receive the digest${required ? ' (this or --channels is required)' : '; "" clears'}`)
      .option('--channels <names>', 'comma-separated channel names (hostwatch channels list); name:60 gets notices from step 60 on (escalation)')
      .option('--steps <minutes>', 'comma-separated minutes offline at which to notify (default 1,10,60,240,1440)')
      .option('--ignore-hours <hours>', 'comma-separated local hours 0-23 that hold notices back (default none; "" clears)')
      .option('--timezone <zone>', `IANA time zone for quiet hours and digest times (default HOSTWATCH_TIMEZONE of the worker)`)
      .option('--locale <locale>', `language of the notices: en or zh-CN (default en; a channel's own --locale wins${required ? '' : '; "" clears'})`)
      .option('--grace <duration>', 'silence allowed beyond a host\'s stated reporting interval before it is offline, e.g. 60s (default 60s)')
      .option('--every <duration>', `how often the check runs, e.g. 30s, 1m, 5m${required ? ' (default 1m)' : ''}`)
      .option('--tag <tag>', `check only hosts carrying this tag; repeat for any of several (default every host${required ? '' : '; --all-hosts clears'})`, (v: string, p?: string[]) => [...(p ?? []), v])
      .option('--all-hosts', 'check every host again (drops the --tag selector)');

  const create = inputOptions(new Command('create').description('create the schedule'), true)
    .option('--paused', 'create it paused')
    .option('--no-housekeeping', 'do not also create the hourly "hostwatch-housekeeping" schedule (metric rollups, history retention)')
    .action(async (flags: ScheduleFlags & { housekeeping?: boolean }) => {
      const input = checkInputFromFlags(flags);
      const everyMs = parseDuration(flags.every ?? '1m', '--every');
      await withClient(config, async (client) => {
        const taskQueue = config().temporal.taskQueue;
        await createSchedule(client, flags.id, { input, everyMs, taskQueue }, flags.paused ?? false);
        console.log(`created schedule "${flags.id}": every ${everyMs / 1000}s, task queue "${taskQueue}", input ${JSON.stringify(input)}`);
        const covered = await syncCoverage(config(), flags.id, input); // for the agent interval warning
        if (covered) console.log(covered);
        if (flags.housekeeping !== false) console.log(ensuredLine(await ensureHousekeepingSchedule(client, { taskQueue })));
      });
    })
    .addHelpText('after', '\nExamples:\n  hostwatch schedule create --recipients ops@example.com --ignore-hours 1,2,3 --timezone Europe/Berlin\n  hostwatch schedule create --channels team-chat,oncall:60 --recipients ops@example.com\n  hostwatch schedule create --id check-prod --tag prod --channels oncall --steps 1,10,60\n  hostwatch schedule create --id check-lab --tag lab --recipients lab@example.com --steps 1440\n  hostwatch schedule create --channels ops-cn --locale zh-CN --timezone Asia/Shanghai');

  const update = inputOptions(new Command('update').description('change recipients, channels, steps, quiet hours, time zone, locale, grace, hosts (--tag) or interval; unnamed settings keep their values'), false).action(
    async (flags: ScheduleFlags) => {
      await withClient(config, async (client) => {
        const current = currentSettings(await describeSchedule(client, flags.id));
        const input = checkInputFromFlags(flags, current.input);
        const everyMs = flags.every !== undefined ? parseDuration(flags.every, '--every') : (current.everyMs ?? 60_000);
        await updateSchedule(client, flags.id, { input, everyMs, taskQueue: current.taskQueue ?? config().temporal.taskQueue });
        console.log(`updated schedule "${flags.id}": every ${everyMs / 1000}s, input ${JSON.stringify(input)}`);
        const covered = await syncCoverage(config(), flags.id, input);
        if (covered) console.log(covered);
      });
    },
  );

  const describe = new Command('describe')
    .description('show the schedule: state, interval, input, next and recent runs')
    .addOption(idOption())
    .option('--json', 'print the full description as JSON')
    .action(async (flags: ScheduleFlags) => {
      await withClient(config, async (client) => {
        const d = await describeSchedule(client, flags.id);
        console.log(flags.json ? JSON.stringify(d, null, 2) : formatDescription(flags.id, d));
      });
    });

  const simple = (name: string, description: string, run: (client: Client, flags: ScheduleFlags) => Promise<string>) =>
    new Command(name)
      .description(description)
      .addOption(idOption())
      .action(async (flags: ScheduleFlags) => withClient(config, async (client) => console.log(await run(client, flags))));

  const trigger = simple('trigger', 'run the check now (skipped if a run is in progress)', async (client, f) => {
    await triggerSchedule(client, f.id);
    return `triggered schedule "${f.id}"`;
  });
  const pause = simple('pause', 'stop starting runs until unpaused', async (client, f) => {
    await withSchedule(client, f.id, (h) => h.pause(f.note ?? 'paused with hostwatch CLI'));
    return `paused schedule "${f.id}"`;
  }).option('--note <text>', 'why it is paused (shown in the Web UI)');
  const unpause = simple('unpause', 'resume starting runs', async (client, f) => {
    await withSchedule(client, f.id, (h) => h.unpause('unpaused with hostwatch CLI'));
    return `unpaused schedule "${f.id}"`;
  });
  const remove = simple('delete', 'delete the schedule (runs already started finish)', async (client, f) => {
    await withSchedule(client, f.id, (h) => h.delete());
    const note = await syncCoverage(config(), f.id, null);
    return `deleted schedule "${f.id}"${note ? `\n${note}` : ''}`;
  });

  return schedule.addCommand(create).addCommand(update).addCommand(describe).addCommand(trigger).addCommand(pause).addCommand(unpause).addCommand(remove);
}

/** Config is read when a command runs, so `--help` works even with a bad environment. */
export function buildProgram(config: () => Readonly<Config> = () => loadConfigOrExit()): Command {
  const program = new Command('hostwatch')
    .description('hostwatch: email alerts when your servers stop reporting in (Temporal + MongoDB)')
    .showHelpAfterError()
    .addHelpText('after', '\nConfiguration comes from environment variables; see README.md.');
  return program.addCommand(scheduleCommand(config)).addCommand(hostsCommand(config)).addCommand(tagsCommand(config)).addCommand(channelsCommand(config)).addCommand(rulesCommand(config)).addCommand(housekeepingCommand(config)).addCommand(noticesCommand(config)).addCommand(enrollCommand(config)).addCommand(maintenanceCommand(config)).addCommand(agentCommand());
}

async function main(argv: string[]): Promise<void> {
  let config: Readonly<Config> | undefined;
  await buildProgram(() => (config ??= loadConfigOrExit())).parseAsync(argv);
}

main(process.argv).catch((err) => {
  if (err instanceof UsageError) {
    console.error(`hostwatch: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
