import { isIP } from 'node:net';
import { z } from 'zod';
import { isValidTimezone } from './alerting/local-time.js';

/** Log levels, least severe first (the SDK's levels, in lower case). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

function failureCount(fallback: number) {
  return z.coerce.number().int('must be a whole number').min(1, 'must be 1 to 100000').max(100_000, 'must be 1 to 100000').default(fallback);
}

/** Retention in whole days, 1 to 3650 (ten years); `min` raises the floor (outages: 90, so 90-day uptime works). */
function retentionDays(fallback: number, min = 1) {
  const range = `must be ${min} to 3650 days`;
  return z.coerce.number().int('must be a whole number of days').min(min, range).max(3650, range).default(fallback);
}

/** `10.0.0.1`, `::1`, `10.0.0.0/8` or `fd00::/8`. */
function isAddressOrCidr(v: string): boolean {
  const [ip, bits, extra] = v.split('/');
  const family = isIP(ip ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/** Every environment variable hostwatch reads, with its default. Documented in README.md. */
const schema = z.object({
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. localhost:7233').default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1, 'must not be empty').default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1, 'must not be empty').default('hostwatch'),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\/\S+$/, 'must be a mongodb:// or mongodb+srv:// URI').default('mongodb://localhost:27017'),
  MONGODB_DB: z.string().regex(/^[^\s/\\."$]{1,63}$/, 'must be a MongoDB database name').default('hostwatch'),
  SMTP_URL: z
    .string()
    .refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'smtp:' || u.protocol === 'smtps:') && u.hostname !== '';
      } catch {
        return false;
      }
    }, 'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587')
    .default('smtp://localhost:1025'),
  ALERT_FROM: z.string().regex(/^([^<>]*<)?[^\s@<>]+@[^\s@<>]+>?$/, 'must be an address, e.g. "hostwatch <alerts@example.com>"').default('hostwatch <hostwatch@localhost>'),
  PORT: z.coerce.number().int('must be a whole number').min(1, 'must be a port 1-65535').max(65535, 'must be a port 1-65535').default(8080),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  VIEWER_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  STATUS_PUBLIC: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(['true', 'false'], { errorMap: () => ({ message: 'must be true or false' }) }))
    .default('false'),
  HOSTWATCH_TIMEZONE: z.string().refine(isValidTimezone, 'must be an IANA time zone, e.g. Europe/Berlin').default('UTC'),
  LOG_FORMAT: z.enum(['text', 'json'], { errorMap: () => ({ message: 'must be text or json' }) }).default('text'),
  LOG_LEVEL: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(LOG_LEVELS, { errorMap: () => ({ message: `must be one of ${LOG_LEVELS.join(', ')}` }) }))
    .default('info'),
  AUTH_FAILURES_PER_SOURCE: failureCount(30),
  AUTH_FAILURES_PER_KEY: failureCount(10),
  AUTH_FAILURE_WINDOW: z.coerce.number().int('must be a whole number of seconds').min(1, 'must be 1 to 86400 seconds').max(86_400, 'must be 1 to 86400 seconds').default(60),
  TRUST_PROXY: z
    .string()
    .refine((v) => v.split(',').every((p) => isAddressOrCidr(p.trim())), 'must be comma-separated IP addresses or CIDR ranges, e.g. 127.0.0.1,10.0.0.0/8')
    .optional(),
  METRICS_ADDRESS: z.string().refine(isIpSocketAddress, 'must be ip:port with an IP address, e.g. 0.0.0.0:9464, 127.0.0.1:9464 or [::1]:9464').optional(),
  HISTORY_METRICS: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(['true', 'false'], { errorMap: () => ({ message: 'must be true or false' }) }))
    .default('true'),
  HISTORY_MINUTE_DAYS: retentionDays(1),
  HISTORY_10MIN_DAYS: retentionDays(7),
  HISTORY_HOURLY_DAYS: retentionDays(90),
  OUTAGE_RETENTION_DAYS: retentionDays(400, 90),
  NOTICE_RETENTION_DAYS: retentionDays(90),
  PUBLIC_URL: z.string().refine(isPublicUrl, 'must be an http:// or https:// URL without query or fragment, e.g. https://hostwatch.example.com').optional(),
});

/** Finer metric levels never outlive coarser ones: each level is rolled up from the one before it. */
const ordered = schema.superRefine((e, ctx) => {
  if (e.HISTORY_10MIN_DAYS < e.HISTORY_MINUTE_DAYS) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['HISTORY_10MIN_DAYS'], message: `must be at least HISTORY_MINUTE_DAYS (${e.HISTORY_MINUTE_DAYS}): minute <= 10-minute <= hourly retention` });
  }
  if (e.HISTORY_HOURLY_DAYS < e.HISTORY_10MIN_DAYS) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['HISTORY_HOURLY_DAYS'], message: `must be at least HISTORY_10MIN_DAYS (${e.HISTORY_10MIN_DAYS}): minute <= 10-minute <= hourly retention` });
  }
});

/** The name of every environment variable hostwatch reads; deployment files are checked against it. */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(schema.shape));

/** `https://hostwatch.example.com` or `http://10.0.0.5:8080/hostwatch`: where people reach the API (acknowledge links). */
function isPublicUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' && u.search === '' && u.hash === '' && u.username === '' && u.password === '' && !/[?#]/.test(v);
  } catch {
    return false;
  }
}

/** `1.2.3.4:9464` or `[::1]:9464`: the Prometheus exporter binds a socket address, not a host name. */
function isIpSocketAddress(v: string): boolean {
  const m = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(v);
  if (!m) return false;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return false;
  return m[1] !== undefined ? isIP(m[1]) === 6 : isIP(m[2]!) === 4;
}

export interface Config {
  temporal: { address: string; namespace: string; taskQueue: string };
  mongo: { uri: string; db: string };
  mail: { smtpUrl: string; from: string };
  timezone: string;
  /**
   * Ingest API and status page. `adminToken` unset: the admin API refuses every request. The status page and
   * `GET /api/v1/status` need the viewer or the admin token unless `statusPublic` (docs/security.md).
   */
  api: { port: number; adminToken?: string; viewerToken?: string; statusPublic: boolean };
  /** Failed-authentication limits of the API (429), and the proxies whose X-Forwarded-For is believed. */
  auth: { perSource: number; perKey: number; windowMs: number; trustProxy?: string };
  /** `text`: human-readable lines; `json`: one JSON object per line (time, level, message, fields). */
  log: { format: 'text' | 'json'; level: LogLevelName };
  /** Prometheus exporter of the worker's SDK metrics (`/metrics`); unset, no metrics are served. */
  metrics?: { address: string };
  /** History (docs/history.md): whether the API records metric points, and how many days each kind is kept. */
  history: HistoryConfig;
  /**
   * The API's address as people reach it, without a trailing `/` (`https://hostwatch.example.com`); set, every step
   * notice line carries an acknowledge link `<publicUrl>/ack/<token>` (docs/operations.md "Acknowledging an alert").
   */
  publicUrl?: string;
}

/** Retention in days, enforced by the housekeeping schedule; `metrics` false: the API records no metric points. */
export interface HistoryConfig {
  metrics: boolean;
  /** One point a minute (default 1 day). */
  minuteDays: number;
  /** One point per 10 minutes (default 7 days). */
  tenMinuteDays: number;
  /** One point per hour (default 90 days). */
  hourlyDays: number;
  /** Ended outages, by their end (default 400 days, at least 90). */
  outageDays: number;
  /** The notification log, by check time (default 90 days). */
  noticeDays: number;
}

/** Bad configuration; `problems` has one line per bad variable. Values are never echoed (they may hold secrets). */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** Reads and validates the environment once; the result is frozen. Empty variables count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ordered.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  return Object.freeze({
    temporal: Object.freeze({ address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE }),
    mongo: Object.freeze({ uri: e.MONGODB_URI, db: e.MONGODB_DB }),
    mail: Object.freeze({ smtpUrl: e.SMTP_URL, from: e.ALERT_FROM }),
    timezone: e.HOSTWATCH_TIMEZONE,
    api: Object.freeze({
      port: e.PORT,
      ...(e.ADMIN_TOKEN !== undefined && { adminToken: e.ADMIN_TOKEN }),
      ...(e.VIEWER_TOKEN !== undefined && { viewerToken: e.VIEWER_TOKEN }),
      statusPublic: e.STATUS_PUBLIC === 'true',
    }),
    auth: Object.freeze({
      perSource: e.AUTH_FAILURES_PER_SOURCE,
      perKey: e.AUTH_FAILURES_PER_KEY,
      windowMs: e.AUTH_FAILURE_WINDOW * 1000,
      ...(e.TRUST_PROXY !== undefined && { trustProxy: e.TRUST_PROXY }),
    }),
    log: Object.freeze({ format: e.LOG_FORMAT, level: e.LOG_LEVEL }),
    ...(e.METRICS_ADDRESS !== undefined && { metrics: Object.freeze({ address: e.METRICS_ADDRESS }) }),
    history: Object.freeze({
      metrics: e.HISTORY_METRICS === 'true',
      minuteDays: e.HISTORY_MINUTE_DAYS,
      tenMinuteDays: e.HISTORY_10MIN_DAYS,
      hourlyDays: e.HISTORY_HOURLY_DAYS,
      outageDays: e.OUTAGE_RETENTION_DAYS,
      noticeDays: e.NOTICE_RETENTION_DAYS,
    }),
    ...(e.PUBLIC_URL !== undefined && { publicUrl: e.PUBLIC_URL.replace(/\/+$/, '') }),
  });
}

/**
 * For entry points: the config, or one line per problem on stderr and exit code 2. With LOG_FORMAT=json each
 * line is a JSON object, so a log collector can read even a failed start.
 */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      const json = env.LOG_FORMAT === 'json';
      for (const p of err.problems) {
        const line = `hostwatch: ${p}`;
        console.error(json ? JSON.stringify({ time: new Date().toISOString(), level: 'error', message: line, variable: p.split(':', 1)[0] }) : line);
      }
      process.exit(2);
    }
    throw err;
  }
}
