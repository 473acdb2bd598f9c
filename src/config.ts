import { z } from 'zod';
import { isValidTimezone } from './alerting/local-time.js';

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
  HOSTWATCH_TIMEZONE: z.string().refine(isValidTimezone, 'must be an IANA time zone, e.g. Europe/Berlin').default('UTC'),
});

/** The name of every environment variable hostwatch reads; deployment files are checked against it. */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(schema.shape));

export interface Config {
  temporal: { address: string; namespace: string; taskQueue: string };
  mongo: { uri: string; db: string };
  mail: { smtpUrl: string; from: string };
  timezone: string;
  /** Ingest API and status page. `adminToken` unset: the admin API refuses every request. */
  api: { port: number; adminToken?: string };
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
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  return Object.freeze({
    temporal: Object.freeze({ address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE }),
    mongo: Object.freeze({ uri: e.MONGODB_URI, db: e.MONGODB_DB }),
    mail: Object.freeze({ smtpUrl: e.SMTP_URL, from: e.ALERT_FROM }),
    timezone: e.HOSTWATCH_TIMEZONE,
    api: Object.freeze({ port: e.PORT, ...(e.ADMIN_TOKEN !== undefined && { adminToken: e.ADMIN_TOKEN }) }),
  });
}

/** For entry points: the config, or one line per problem on stderr and exit code 2. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const p of err.problems) console.error(`hostwatch: ${p}`);
      process.exit(2);
    }
    throw err;
  }
}
