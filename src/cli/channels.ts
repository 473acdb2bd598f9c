import { Command } from 'commander';
import { KINDS } from '../channels/registry.js';
import type { DeliveryError } from '../channels/types.js';
import type { Config } from '../config.js';
import { createSmtpMailer } from '../mail/mailer.js';
import { OpError } from '../ops/errors.js';
import { addChannel, channelJson, checkChannelInput, checkName, listChannels, removeChannel, testChannel, updateChannel } from '../ops/channels.js';
import { redactUrl } from '../redact.js';
import { ChannelStore, type ChannelSummary } from '../store/channels-store.js';
import { withStore } from './database.js';
import { usageExitCodes, UsageError } from './parse.js';

/** How long `channels test` gives each destination. */
const TEST_TIMEOUT_MS = 10_000;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `(slack, 1 destination): slack+https://hooks.slack.com/services/***` */
function describe(c: ChannelSummary): string {
  return `(${c.kind}, ${plural(c.destinations, 'destination')}): ${c.url}`;
}

/**
 * The URL argument, or the first line of stdin when it is `-` (a URL with a token typed on the command line ends up
 * in the shell's history and in `ps`).
 */
async function urlArgument(arg: string): Promise<string> {
  if (arg !== '-') return arg;
  if (process.stdin.isTTY) process.stderr.write('reading the channel URL from stdin (end with Ctrl-D)\n');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const lines = Buffer.concat(chunks).toString('utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) throw new UsageError('URL: nothing on stdin (URL "-" reads the channel URL from stdin)');
  if (lines.length > 1) throw new UsageError(`URL: stdin must hold one line, the channel URL, not ${lines.length}`);
  return lines[0]!;
}

/** An operation's refusal as a usage error (exit code 2). */
function checked<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof OpError) throw new UsageError(err.message);
    throw err;
  }
}

/** NAME and URL of `add` and `update`, checked before any connection; the URL read from stdin for `-`. */
async function checkedArguments(name: string, urlArg: string): Promise<string> {
  checked(() => checkName(name));
  const url = await urlArgument(urlArg);
  checked(() => checkChannelInput({ name, url }));
  return url;
}

/** Runs `fn` on the channels store; a refusal of the operation (bad, duplicate or unknown channel) is a usage error. */
function withChannels<T>(getConfig: () => Readonly<Config>, fn: (store: ChannelStore, config: Readonly<Config>) => Promise<T>): Promise<T> {
  return withStore(getConfig, (db) => new ChannelStore(db), (err) => err instanceof OpError, fn);
}

/** The `channels list` table. */
export function formatChannelTable(channels: readonly ChannelSummary[]): string {
  if (channels.length === 0) return 'no channels yet; add one with "hostwatch channels add <name> <url>"';
  const header = ['NAME', 'KIND', 'DESTINATIONS', 'URL'];
  const rows = channels.map((c) => [c.name, c.kind, String(c.destinations), c.problem !== undefined ? `${c.url} (unusable: ${c.problem})` : c.url]);
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** `bad@example.com: mail server refused ... (would retry)` */
function failureText(label: string, e: DeliveryError): string {
  return `${label}: ${e.message} (${e.retry ? 'would retry' : 'would not retry'})`;
}

/** Commander's own usage errors (a missing argument, an unknown option) exit with 2, like ours; help with 0. */
const URL_HELP = 'channel URL, or "-" to read it from stdin (keeps a token out of shell history)';

export function channelsCommand(getConfig: () => Readonly<Config>): Command {
  const channels = new Command('channels')
    .description('name the places notices go (mail, webhooks, chat) and test them')
    .addHelpText('after', ['', 'Kinds:', ...KINDS.map((k) => `  ${k.kind.padEnd(10)} ${k.description}`), '', 'See docs/channels.md.'].join('\n'));
  const run = (fn: (store: ChannelStore, config: Readonly<Config>) => Promise<string>) => withChannels(getConfig, async (s, c) => console.log(await fn(s, c)));

  const add = new Command('add')
    .description('add a channel; its URL is checked and shown back with secrets masked')
    .argument('<name>', 'channel name: 1-64 letters, digits, "_", "." and "-", starting with a letter or digit')
    .argument('<url>', URL_HELP)
    .action(async (name: string, urlArg: string) => {
      const url = await checkedArguments(name, urlArg);
      await run(async (store) => {
        const added = await addChannel(store, { name, url });
        return `added channel "${name}" ${describe(added)}`;
      });
    })
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  hostwatch channels add ops mailto:ops@example.com,oncall@example.com',
        '  printf "%s\\n" "$WEBHOOK_URL" | hostwatch channels add oncall -',
        '  hostwatch channels add oncall - < oncall-url.txt',
      ].join('\n'),
    );

  const list = new Command('list')
    .description('show every channel: name, kind, number of destinations and URL with secrets masked')
    .option('--json', 'print a JSON array instead of a table')
    .action(async (flags: { json?: boolean }) => {
      await run(async (store) => {
        const all = await listChannels(store);
        return flags.json ? JSON.stringify(all.map(channelJson), null, 2) : formatChannelTable(all);
      });
    })
    .addHelpText('after', '\nExamples:\n  hostwatch channels list\n  hostwatch channels list --json');

  const update = new Command('update')
    .description('replace the URL of a channel (its name stays)')
    .argument('<name>', 'channel name')
    .argument('<url>', URL_HELP)
    .action(async (name: string, urlArg: string) => {
      const url = await checkedArguments(name, urlArg);
      await run(async (store) => {
        const updated = await updateChannel(store, { name, url });
        return `updated channel "${name}" ${describe(updated)}`;
      });
    })
    .addHelpText('after', '\nExamples:\n  hostwatch channels update ops mailto:ops@example.com\n  hostwatch channels update oncall - < oncall-url.txt');

  const remove = new Command('remove')
    .description('delete a channel')
    .argument('<name>', 'channel name')
    .action(async (name: string) => {
      checked(() => checkName(name));
      await run(async (store) => {
        await removeChannel(store, { name });
        return `removed channel "${name}"`;
      });
    })
    .addHelpText('after', '\nExample:\n  hostwatch channels remove ops');

  const test = new Command('test')
    .description('send a test notice to every destination of a channel, one attempt each; exit 0 only if all accept it')
    .argument('<name>', 'channel name')
    .action(async (name: string) => {
      checked(() => checkName(name));
      await withChannels(getConfig, async (store, config) => {
        const label = (d: string) => (d === '' ? name : d);
        const mailer = createSmtpMailer(config.mail.smtpUrl);
        const deps = {
          mailer,
          from: config.mail.from,
          timezone: config.timezone,
          timeoutMs: TEST_TIMEOUT_MS,
          // An SMTP error may quote the mail server's password.
          redact: (text: string) => redactUrl(text, config.mail.smtpUrl),
        };
        const outcomes = await testChannel(store, { name }, deps, (o) =>
          console.log(o.error ? `FAILED  ${failureText(label(o.destination), o.error)}` : `ok  ${label(o.destination)}`),
        ).finally(() => mailer.close());
        const failed = outcomes.filter((o) => o.error);
        if (failed.length === 0) return;
        console.error(
          [
            `hostwatch: channel "${name}": ${failed.length} of ${plural(outcomes.length, 'destination')} did not accept the test notice:`,
            ...failed.map((o) => `  ${failureText(label(o.destination), o.error!)}`),
          ].join('\n'),
        );
        process.exitCode = 1;
      });
    })
    .addHelpText(
      'after',
      [
        '',
        'Prints one line per destination:',
        '  ok  ops@example.com',
        '  FAILED  oncall@example.com: mail server refused oncall@example.com at RCPT TO: SMTP 550 5.1.1 no such user (would not retry)',
        'Exit code 0 when every destination accepted the notice, 1 when any did not, 2 for bad input.',
        'Mail goes through SMTP_URL from ALERT_FROM, as the worker sends it.',
        '',
        'Example:',
        '  hostwatch channels test ops',
      ].join('\n'),
    );

  for (const c of [add, list, update, remove, test]) channels.addCommand(usageExitCodes(c));
  return usageExitCodes(channels);
}
