import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { KINDS } from '../channels/registry.js';
import type { DeliveryError } from '../channels/types.js';
import type { Config } from '../config.js';
import { createSmtpMailer } from '../mail/mailer.js';
import { OpError } from '../ops/errors.js';
import type { MessageTemplate } from '../messages/template.js';
import { addChannel, channelJson, checkChannelInput, checkChannelMessages, checkName, listChannels, removeChannel, showChannel, testChannel, updateChannel } from '../ops/channels.js';
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

/** `--locale` and the template flags of `add` and `update`. */
interface MessageFlags {
  locale?: string;
  templateTitle?: string;
  templateBody?: string;
  templateTitleFile?: string;
  templateBodyFile?: string;
  clearTemplate?: boolean;
}

function readTemplateFile(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${JSON.stringify(path)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The template parts the flags give (a part given twice, as text and as a file, is refused). */
function templateParts(f: MessageFlags): MessageTemplate {
  const out: MessageTemplate = {};
  for (const [part, text, file] of [['title', f.templateTitle, f.templateTitleFile], ['body', f.templateBody, f.templateBodyFile]] as const) {
    if (text !== undefined && file !== undefined) throw new UsageError(`--template-${part} and --template-${part}-file: give one of them, not both`);
    if (text !== undefined) out[part] = text;
    if (file !== undefined) out[part] = readTemplateFile(file, `--template-${part}-file`);
  }
  return out;
}

/** Commander options of the channel's locale and template. */
function messageOptions(cmd: Command): Command {
  return cmd
    .option('--locale <locale>', 'language of this channel\'s notices, over the schedule\'s: en or zh-CN')
    .option('--template-title <text>', 'liquid template of the title (docs/messages.md)')
    .option('--template-body <text>', 'liquid template of the body (replaces the lines and the closing line)')
    .option('--template-title-file <file>', 'read the title template from a file')
    .option('--template-body-file <file>', 'read the body template from a file (errors name its line)');
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

/** `; locale zh-CN, template: title and body` after an add or update line, or nothing. */
function settingsNote(c: ChannelSummary): string {
  const parts = [...(c.locale ? [`locale ${c.locale}`] : []), ...(c.template ? [`template: ${Object.keys(c.template).join(' and ')}`] : [])];
  return parts.length ? `; ${parts.join(', ')}` : '';
}

/** `channels show`: one field a line, then each template part indented under its name. */
export function formatChannel(c: ChannelSummary): string {
  const indent = (text: string) => text.split('\n').map((l) => `    ${l}`.trimEnd());
  return [
    `name:          ${c.name}`,
    `kind:          ${c.kind}`,
    `destinations:  ${c.destinations}`,
    `url:           ${c.url}${c.problem !== undefined ? ` (unusable: ${c.problem})` : ''}`,
    `locale:        ${c.locale ?? '(the schedule\'s)'}`,
    `template:      ${c.template ? '' : '(none: the default messages)'}`.trimEnd(),
    ...(c.template?.title !== undefined ? ['  title:', ...indent(c.template.title)] : []),
    ...(c.template?.body !== undefined ? ['  body:', ...indent(c.template.body)] : []),
  ].join('\n');
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

  const add = messageOptions(new Command('add'))
    .description('add a channel; its URL is checked and shown back with secrets masked')
    .argument('<name>', 'channel name: 1-64 letters, digits, "_", "." and "-", starting with a letter or digit')
    .argument('<url>', URL_HELP)
    .action(async (name: string, urlArg: string, flags: MessageFlags) => {
      const parts = templateParts(flags);
      const messages = { ...(flags.locale !== undefined && { locale: flags.locale }), ...(Object.keys(parts).length > 0 && { template: parts }) };
      checked(() => checkChannelMessages(messages));
      const url = await checkedArguments(name, urlArg);
      await run(async (store) => {
        const added = await addChannel(store, { name, url, ...messages });
        return `added channel "${name}" ${describe(added)}${settingsNote(added)}`;
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
        '  hostwatch channels add ops-cn mailto:ops@example.cn --locale zh-CN',
        '  hostwatch channels add chat - --template-title "{{ title }}" --template-body-file chat.liquid < chat-url.txt',
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

  const update = messageOptions(new Command('update'))
    .description('replace the URL, locale or template of a channel (its name stays; unnamed settings keep their values)')
    .argument('<name>', 'channel name')
    .argument('[url]', `${URL_HELP}; omit it to keep the URL`)
    .option('--clear-template', 'drop the channel\'s template (the default messages again); with a --template flag: start from none')
    .action(async (name: string, urlArg: string | undefined, flags: MessageFlags) => {
      const parts = templateParts(flags);
      const given = Object.keys(parts).length > 0;
      checked(() => checkChannelMessages({ ...(flags.locale && { locale: flags.locale }), ...(given && { template: parts }) }));
      const url = urlArg === undefined ? undefined : await checkedArguments(name, urlArg);
      if (url === undefined && flags.locale === undefined && !given && !flags.clearTemplate) {
        throw new UsageError('nothing to change: give a URL, --locale or a --template flag (see --help)');
      }
      await run(async (store) => {
        let template: MessageTemplate | null | undefined = flags.clearTemplate && !given ? null : undefined;
        // A part given replaces that part; the other one stays unless --clear-template.
        if (given) template = { ...(flags.clearTemplate ? {} : (await showChannel(store, { name })).template), ...parts };
        const updated = await updateChannel(store, {
          name,
          ...(url !== undefined && { url }),
          ...(flags.locale !== undefined && { locale: flags.locale === '' ? null : flags.locale }),
          ...(template !== undefined && { template }),
        });
        return `updated channel "${name}" ${describe(updated)}${settingsNote(updated)}`;
      });
    })
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  hostwatch channels update ops mailto:ops@example.com',
        '  hostwatch channels update oncall - < oncall-url.txt',
        '  hostwatch channels update ops --locale zh-CN        (--locale "" drops it: the schedule\'s locale again)',
        '  hostwatch channels update chat --template-body-file chat.liquid',
        '  hostwatch channels update chat --clear-template',
      ].join('\n'),
    );

  const show = new Command('show')
    .description('show one channel: kind, destinations, URL with secrets masked, locale and template')
    .argument('<name>', 'channel name')
    .option('--json', 'print JSON instead of text')
    .action(async (name: string, flags: { json?: boolean }) => {
      checked(() => checkName(name));
      await run(async (store) => {
        const c = await showChannel(store, { name });
        return flags.json ? JSON.stringify(channelJson(c), null, 2) : formatChannel(c);
      });
    })
    .addHelpText('after', '\nExamples:\n  hostwatch channels show ops\n  hostwatch channels show ops --json');

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
        let warned = false;
        const outcomes = await testChannel(store, { name }, deps, (o) => {
          if (o.templateError !== undefined && !warned) {
            warned = true;
            console.log(`warning: the channel's template did not render (${o.templateError}): the default message was sent`);
          }
          console.log(o.error ? `FAILED  ${failureText(label(o.destination), o.error)}` : `ok  ${label(o.destination)}`);
        }).finally(() => mailer.close());
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

  for (const c of [add, list, show, update, remove, test]) channels.addCommand(usageExitCodes(c));
  return usageExitCodes(channels);
}
