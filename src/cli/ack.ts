/** `hostwatch hosts ack NAME [--condition C] [--by TEXT]`: acknowledge what a host is alerting for (src/ops/ack.ts). */
import { hostname, userInfo } from 'node:os';
import { Command } from 'commander';
import type { Db } from 'mongodb';
import { formatLocalTime } from '../alerting/local-time.js';
import type { Config } from '../config.js';
import { acknowledge, instanceLabel, type AcknowledgeResult } from '../ops/ack.js';
import { OpError } from '../ops/errors.js';
import { withStore } from './database.js';
import { usageExitCodes } from './parse.js';

/** `cli (ops@box-1)`: who acknowledged, when `--by` is not given. */
export function defaultAckBy(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry for this uid (a container): keep "unknown"
  }
  return `cli (${user}@${hostname()})`;
}

function resultText(r: AcknowledgeResult, timezone: string): string {
  return r.acknowledged
    .map((i) => {
      const since = formatLocalTime(Date.parse(i.since), timezone);
      const when = formatLocalTime(Date.parse(i.ack.at), timezone);
      const what = `host "${r.host}" ${instanceLabel(i)} (since ${since})`;
      return i.already ? `${what} was already acknowledged by ${i.ack.by} at ${when}` : `acknowledged ${what}: no further notices until it ends; its end is still sent`;
    })
    .join('\n');
}

export function ackCommand(getConfig: () => Readonly<Config>): Command {
  // Commander's own refusals (a missing name, an unknown option) exit 2 like every usage error.
  const ack = new Command('ack')
    .description('acknowledge what a host is alerting for: no further step notices for it, its recovery is still sent')
    .argument('<name>', 'host name')
    .option('--condition <condition>', '"offline", or a metric rule\'s name or id (default: everything the host is alerting for now)')
    .option('--by <text>', 'who acknowledges, shown on the status page and in "hosts list" (default: cli (<user>@<hostname>))')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, flags: { condition?: string; by?: string; json?: boolean }) => {
      const out = await withStore(
        getConfig,
        (db: Db) => db,
        (err) => err instanceof OpError,
        async (db, config) => {
          const result = await acknowledge(db, { host: name, by: flags.by ?? defaultAckBy(), ...(flags.condition !== undefined && { condition: flags.condition }) });
          return flags.json ? JSON.stringify(result, null, 2) : resultText(result, config.timezone);
        },
      );
      console.log(out);
    })
    .addHelpText(
      'after',
      [
        '',
        'An acknowledged alert stays acknowledged until it ends (the host reports again, the metric clears);',
        'acknowledging it again keeps the first acknowledgement. With PUBLIC_URL set, every notice carries a',
        'link that does the same (docs/operations.md "Acknowledging an alert").',
        '',
        'Examples:',
        '  hostwatch hosts ack web-1',
        '  hostwatch hosts ack web-1 --condition offline --by "alice (on call)"',
        '  hostwatch hosts ack db-1 --condition disk-full',
      ].join('\n'),
    );
  return usageExitCodes(ack);
}
