import { Command } from 'commander';
import { reportUrl, runAgent } from '../agent/agent.js';
import { checkWritable, CredentialsFileError, defaultCredentialsPath, enroll, EnrollRefusedError, enrollUrl, localHostName, readCredentialsFile, writeCredentialsFile } from '../agent/enroll.js';
import { parseDuration, UsageError } from './parse.js';
import { safeUrl } from '../redact.js';

export interface AgentSettings {
  url: string;
  key: string;
  secret: string;
  intervalMs: number;
}

export interface AgentFlags {
  url?: string;
  key?: string;
  secret?: string;
  interval?: string;
  enroll?: string;
  credentials?: string;
  name?: string;
}

const DEFAULT_INTERVAL = '30s';

/** A flag, else the variable `name`; empty counts as unset. */
function pickFrom(flag: string | undefined, env: NodeJS.ProcessEnv, name: string): string | undefined {
  return flag !== undefined && flag !== '' ? flag : env[name] !== '' ? env[name] : undefined;
}

/** Flags win over HOSTWATCH_URL, HOSTWATCH_KEY, HOSTWATCH_SECRET and HOSTWATCH_INTERVAL; empty counts as unset. */
export function agentSettings(flags: AgentFlags, env: NodeJS.ProcessEnv = process.env): AgentSettings {
  const pick = (flag: string | undefined, name: string) => pickFrom(flag, env, name);
  const url = pick(flags.url, 'HOSTWATCH_URL');
  const key = pick(flags.key, 'HOSTWATCH_KEY');
  const secret = pick(flags.secret, 'HOSTWATCH_SECRET');
  const missing = [
    ...(url === undefined ? ['--url (or HOSTWATCH_URL)'] : []),
    ...(key === undefined ? ['--key (or HOSTWATCH_KEY)'] : []),
    ...(secret === undefined ? ['--secret (or HOSTWATCH_SECRET)'] : []),
  ];
  if (missing.length > 0) throw new UsageError(`agent: missing ${missing.join(', ')}`);
  checkServerUrl(url!);
  return { url: url!, key: key!, secret: secret!, intervalMs: agentInterval(flags, env) };
}

/** Refuses anything but an http(s) URL without a user name or password. */
export function checkServerUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new UsageError(`--url must be an http:// or https:// URL of the hostwatch server, got "${safeUrl(url)}"`);
  }
  // fetch refuses such URLs, and they would be printed in every log line.
  if (parsed.username !== '' || parsed.password !== '') throw new UsageError('--url must not contain a user name or password: the agent authenticates with its key and secret');
}

/** `--interval`, else HOSTWATCH_INTERVAL, else 30s. */
export function agentInterval(flags: AgentFlags, env: NodeJS.ProcessEnv): number {
  const intervalText = flags.interval ?? (env.HOSTWATCH_INTERVAL || DEFAULT_INTERVAL);
  return parseDuration(intervalText, flags.interval !== undefined ? '--interval' : 'HOSTWATCH_INTERVAL');
}

/** Host names as `hosts add` takes them (hosts.ts validateHostName). */
const HOST_NAME = /^[A-Za-z0-9._-]{1,100}$/;
const FIRST_RETRY_MS = 1_000;

/** Without --key, --secret or their variables the agent runs on a credentials file, enrolling first when it has none. */
export function usesCredentialsFile(flags: AgentFlags, env: NodeJS.ProcessEnv = process.env): boolean {
  return pickFrom(flags.key, env, 'HOSTWATCH_KEY') === undefined && pickFrom(flags.secret, env, 'HOSTWATCH_SECRET') === undefined;
}

/**
 * Settings from the credentials file (`--credentials`, HOSTWATCH_CREDENTIALS, else defaultCredentialsPath): when it
 * holds credentials they are used and any token is ignored (a restart reuses them); otherwise the agent enrols with
 * `--enroll` (or HOSTWATCH_ENROLL_TOKEN) under `--name` or this machine's host name, retrying while the server is
 * away, and saves what it got. Undefined: stopped by `signal` while waiting. Throws EnrollRefusedError on a refusal.
 */
export async function fileSettings(flags: AgentFlags, env: NodeJS.ProcessEnv, signal: AbortSignal, log: (line: string) => void): Promise<AgentSettings | undefined> {
  const path = pickFrom(flags.credentials, env, 'HOSTWATCH_CREDENTIALS') ?? defaultCredentialsPath(env);
  const intervalMs = agentInterval(flags, env);
  const given = pickFrom(flags.url, env, 'HOSTWATCH_URL');
  let saved;
  try {
    saved = await readCredentialsFile(path);
  } catch (err) {
    throw err instanceof CredentialsFileError ? new UsageError(err.message) : err;
  }
  if (saved) {
    const url = given ?? saved.url;
    checkServerUrl(url);
    log(`hostwatch agent: using the credentials of "${saved.name}" from ${path}`);
    return { url, key: saved.key, secret: saved.secret, intervalMs };
  }
  const token = pickFrom(flags.enroll, env, 'HOSTWATCH_ENROLL_TOKEN');
  if (token === undefined) throw new UsageError(`agent: no credentials in ${path}: pass --enroll TOKEN (or HOSTWATCH_ENROLL_TOKEN) to enrol this machine, or --key and --secret`);
  if (given === undefined) throw new UsageError('agent: missing --url (or HOSTWATCH_URL)');
  checkServerUrl(given);
  const name = flags.name ?? localHostName();
  if (!HOST_NAME.test(name)) throw new UsageError(`invalid host name "${name.slice(0, 120)}" (--name): use 1 to 100 characters of letters, digits, ".", "_" and "-"`);
  // Before the token is spent: a host whose credentials cannot be kept would be lost.
  try {
    await checkWritable(path);
  } catch (err) {
    throw new UsageError(`cannot write the credentials file ${path} (--credentials): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  for (let failures = 0; !signal.aborted; failures++) {
    try {
      const created = await enroll(given, token, name);
      await writeCredentialsFile(path, { ...created, url: given, enrolledAt: new Date().toISOString() });
      log(`hostwatch agent: enrolled as "${created.name}" with ${enrollUrl(given)} (key ${created.key}); credentials saved to ${path}`);
      return { url: given, key: created.key, secret: created.secret, intervalMs };
    } catch (err) {
      if (err instanceof EnrollRefusedError) throw err;
      const waitMs = Math.min(FIRST_RETRY_MS * 2 ** Math.min(failures, 30), intervalMs);
      log(`hostwatch agent: enrolment failed: ${(err as Error).message}; retrying in ${waitMs / 1000}s`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }
  return undefined;
}

export function agentCommand(): Command {
  return new Command('agent')
    .description('report this machine to the hostwatch server every interval, until stopped (SIGINT/SIGTERM)')
    .option('--url <url>', 'hostwatch server base URL (env HOSTWATCH_URL)')
    .option('--key <key>', 'this host\'s key (env HOSTWATCH_KEY)')
    .option('--secret <secret>', 'this host\'s secret (env HOSTWATCH_SECRET; prefer the variable: flags show up in ps)')
    .option('--interval <duration>', `time between reports, e.g. 30s, 1m (env HOSTWATCH_INTERVAL, default ${DEFAULT_INTERVAL})`)
    .option('--enroll <token>', 'enrolment token (hostwatch enroll create; env HOSTWATCH_ENROLL_TOKEN): register this machine when the credentials file has none')
    .option('--credentials <file>', 'where enrolled credentials are kept (env HOSTWATCH_CREDENTIALS, default $XDG_CONFIG_HOME/hostwatch/agent.json or ~/.config/hostwatch/agent.json)')
    .option('--name <name>', 'host name to enrol under (default this machine\'s host name, lower-cased)')
    .addHelpText(
      'after',
      '\nExamples:\n  HOSTWATCH_KEY=hk_... HOSTWATCH_SECRET=... hostwatch agent --url https://hostwatch.example.com\n  HOSTWATCH_ENROLL_TOKEN=et_... hostwatch agent --url https://hostwatch.example.com\n\nWithout --key and --secret the agent uses the credentials file, enrolling first if it has none;\na refused token exits 1 and writes nothing. See docs/agent.md (enrolment, systemd unit).',
    )
    .action(async (flags: AgentFlags) => {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        let settings: AgentSettings | undefined;
        try {
          settings = usesCredentialsFile(flags) ? await fileSettings(flags, process.env, controller.signal, console.log) : agentSettings(flags);
        } catch (err) {
          if (!(err instanceof EnrollRefusedError)) throw err;
          console.error(`hostwatch agent: enrolment refused (${err.reason}): ${err.message}`);
          process.exitCode = err.status === 400 ? 2 : 1;
          return;
        }
        if (settings === undefined) return console.log('hostwatch agent: stopped');
        console.log(`hostwatch agent: reporting to ${reportUrl(settings.url)} every ${settings.intervalMs / 1000}s as key ${settings.key}`);
        await runAgent({ ...settings, signal: controller.signal });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      console.log('hostwatch agent: stopped');
    });
}
