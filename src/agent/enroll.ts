/**
 * Agent enrolment (issue 14): trade a token for a key and secret (`POST /api/v1/enroll`) and keep them in a file
 * readable only by the agent's user, so a restart reports with them instead of enrolling again.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { dirname, join } from 'node:path';

/** What the credentials file holds (JSON). */
export interface CredentialsFile {
  name: string;
  key: string;
  secret: string;
  /** The server it enrolled with, used when no --url or HOSTWATCH_URL is given. */
  url: string;
  enrolledAt: string;
}

/** `$XDG_CONFIG_HOME/hostwatch/agent.json`, else `~/.config/hostwatch/agent.json`. */
export function defaultCredentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'hostwatch', 'agent.json');
}

/** This machine's host name as the hosts registry takes it: letters, digits, `.`, `_`, `-`, lower case. */
export function localHostName(): string {
  return (hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 100) || 'this-machine').toLowerCase();
}

/** A credentials file that exists but cannot be used; names the file, never its content. */
export class CredentialsFileError extends Error {
  override name = 'CredentialsFileError';
}

/** The credentials in `path`, or undefined when there is no such file. */
export async function readCredentialsFile(path: string): Promise<CredentialsFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CredentialsFileError(`cannot read the credentials file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new CredentialsFileError(`credentials file ${path} is not JSON; remove it to enrol again`);
  }
  const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  for (const field of ['name', 'key', 'secret', 'url'] as const) {
    if (typeof d[field] !== 'string' || d[field] === '') throw new CredentialsFileError(`credentials file ${path} has no "${field}"; remove it to enrol again`);
  }
  return { name: d.name as string, key: d.key as string, secret: d.secret as string, url: d.url as string, enrolledAt: typeof d.enrolledAt === 'string' ? d.enrolledAt : '' };
}

/**
 * Writes `data` to `path` with mode 0600 (its directory, when made, 0700): to a temporary file beside it, flushed,
 * then renamed over `path`, so a crash never leaves half a file.
 */
export async function writeCredentialsFile(path: string, data: CredentialsFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(data, null, 2)}\n`, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  await rename(tmp, path);
}

/** The server refused the enrolment: `reason` is `unknown`, `expired`, `spent`, `revoked`, `conflict`, `bad_request` or `too_many_attempts`. */
export class EnrollRefusedError extends Error {
  override name = 'EnrollRefusedError';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export function enrollUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/api/v1/enroll`;
}

/**
 * Asks the server at `url` to register `hostName` with `token`. Resolves to the new host's credentials; throws
 * EnrollRefusedError for an answer that retrying does not change (4xx), and any other error for one that might
 * (network, 5xx).
 */
export async function enroll(url: string, token: string, hostName: string, options: { fetch?: typeof fetch; timeoutMs?: number } = {}): Promise<{ name: string; key: string; secret: string }> {
  const response = await (options.fetch ?? fetch)(enrollUrl(url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token, hostname: hostName }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await response.text().catch(() => '');
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: described by its status below
  }
  if (response.status === 201 && typeof body.name === 'string' && typeof body.key === 'string' && typeof body.secret === 'string') {
    return { name: body.name, key: body.key, secret: body.secret };
  }
  const message = typeof body.message === 'string' ? body.message : `HTTP ${response.status}`;
  if (response.status >= 400 && response.status < 500) {
    const reason = typeof body.reason === 'string' ? body.reason : typeof body.error === 'string' ? body.error : String(response.status);
    if (response.status === 404) throw new EnrollRefusedError(404, 'not_found', `${enrollUrl(url)} answered 404: check --url (the server needs hostwatch with enrolment)`);
    throw new EnrollRefusedError(response.status, reason, message);
  }
  throw new Error(`enrolment failed: ${message.slice(0, 200)}`);
}

/** Throws unless a file can be created beside `path` (its directory is made 0700 if missing). */
export async function checkWritable(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const probe = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(probe, 'wx', 0o600);
  await handle.close();
  await rm(probe, { force: true });
}
