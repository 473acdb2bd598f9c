import { Command } from 'commander';
import { reportUrl, runAgent } from '../agent/agent.js';
import { parseDuration, UsageError } from './parse.js';
import { safeUrl } from '../redact.js';

export interface AgentSettings {
  url: string;
  key: string;
  secret: string;
  intervalMs: number;
}

interface AgentFlags {
  url?: string;
  key?: string;
  secret?: string;
  interval?: string;
}

const DEFAULT_INTERVAL = '30s';

/** Flags win over HOSTWATCH_URL, HOSTWATCH_KEY, HOSTWATCH_SECRET and HOSTWATCH_INTERVAL; empty counts as unset. */
export function agentSettings(flags: AgentFlags, env: NodeJS.ProcessEnv = process.env): AgentSettings {
  const pick = (flag: string | undefined, name: string) => (flag !== undefined && flag !== '' ? flag : env[name] !== '' ? env[name] : undefined);
  const url = pick(flags.url, 'HOSTWATCH_URL');
  const key = pick(flags.key, 'HOSTWATCH_KEY');
  const secret = pick(flags.secret, 'HOSTWATCH_SECRET');
  const missing = [
    ...(url === undefined ? ['--url (or HOSTWATCH_URL)'] : []),
    ...(key === undefined ? ['--key (or HOSTWATCH_KEY)'] : []),
    ...(secret === undefined ? ['--secret (or HOSTWATCH_SECRET)'] : []),
  ];
  if (missing.length > 0) throw new UsageError(`agent: missing ${missing.join(', ')}`);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url!);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new UsageError(`--url must be an http:// or https:// URL of the hostwatch server, got "${safeUrl(url!)}"`);
  }
  // fetch refuses such URLs, and they would be printed in every log line.
  if (parsed.username !== '' || parsed.password !== '') throw new UsageError('--url must not contain a user name or password: the agent authenticates with its key and secret');
  const intervalText = flags.interval ?? (env.HOSTWATCH_INTERVAL || DEFAULT_INTERVAL);
  const intervalMs = parseDuration(intervalText, flags.interval !== undefined ? '--interval' : 'HOSTWATCH_INTERVAL');
  return { url: url!, key: key!, secret: secret!, intervalMs };
}

export function agentCommand(): Command {
  return new Command('agent')
    .description('report this machine to the hostwatch server every interval, until stopped (SIGINT/SIGTERM)')
    .option('--url <url>', 'hostwatch server base URL (env HOSTWATCH_URL)')
    .option('--key <key>', 'this host\'s key (env HOSTWATCH_KEY)')
    .option('--secret <secret>', 'this host\'s secret (env HOSTWATCH_SECRET; prefer the variable: flags show up in ps)')
    .option('--interval <duration>', `time between reports, e.g. 30s, 1m (env HOSTWATCH_INTERVAL, default ${DEFAULT_INTERVAL})`)
    .addHelpText('after', '\nExample:\n  HOSTWATCH_KEY=hk_... HOSTWATCH_SECRET=... hostwatch agent --url https://hostwatch.example.com\n\nSee docs/agent.md for a systemd unit.')
    .action(async (flags: AgentFlags) => {
      const settings = agentSettings(flags);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      console.log(`hostwatch agent: reporting to ${reportUrl(settings.url)} every ${settings.intervalMs / 1000}s as key ${settings.key}`);
      try {
        await runAgent({ ...settings, signal: controller.signal });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      console.log('hostwatch agent: stopped');
    });
}
