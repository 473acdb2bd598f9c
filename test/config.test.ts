import { expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

function problemsFor(env: NodeJS.ProcessEnv): { err: ConfigError; problems: string[] } {
  let caught: unknown;
  try {
    loadConfig(env);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const err = caught as ConfigError;
  return { err, problems: err.problems };
}

test('config: defaults when nothing is set', () => {
  expect(loadConfig({})).toEqual({
    temporal: { address: 'localhost:7233', namespace: 'default', taskQueue: 'hostwatch' },
    mongo: { uri: 'mongodb://localhost:27017', db: 'hostwatch' },
    mail: { smtpUrl: 'smtp://localhost:1025', from: 'hostwatch <hostwatch@localhost>' },
    timezone: 'UTC',
    api: { port: 8080, statusPublic: false },
    auth: { perSource: 30, perKey: 10, windowMs: 60_000 },
    log: { format: 'text', level: 'info' },
    history: { metrics: true, minuteDays: 1, tenMinuteDays: 7, hourlyDays: 90, outageDays: 400, noticeDays: 90 },
  });
});

test('config: empty variables count as unset; unrelated variables are ignored', () => {
  const c = loadConfig({ TEMPORAL_ADDRESS: '', HOSTWATCH_TIMEZONE: '', PATH: '/usr/bin', HOME: '/root' });
  expect(c.temporal.address).toBe('localhost:7233');
  expect(c.timezone).toBe('UTC');
});

test('config: every variable is read', () => {
  const c = loadConfig({
    TEMPORAL_ADDRESS: 'temporal.internal:7233',
    TEMPORAL_NAMESPACE: 'ops',
    TEMPORAL_TASK_QUEUE: 'hw',
    MONGODB_URI: 'mongodb+srv://cluster0.example.net',
    MONGODB_DB: 'hw_prod',
    SMTP_URL: 'smtps://alerts:pw@mail.example.com:465',
    ALERT_FROM: 'Ops <ops@example.com>',
    HOSTWATCH_TIMEZONE: 'Europe/Berlin',
    PORT: '9090',
    ADMIN_TOKEN: 'a-long-admin-token-123',
    VIEWER_TOKEN: 'a-long-viewer-token-456',
    STATUS_PUBLIC: 'true',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'debug',
    METRICS_ADDRESS: '0.0.0.0:9464',
    AUTH_FAILURES_PER_SOURCE: '100',
    AUTH_FAILURES_PER_KEY: '3',
    AUTH_FAILURE_WINDOW: '300',
    TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,fd00::/8',
    HISTORY_METRICS: 'false',
    HISTORY_MINUTE_DAYS: '2',
    HISTORY_10MIN_DAYS: '14',
    HISTORY_HOURLY_DAYS: '365',
    OUTAGE_RETENTION_DAYS: '90',
    NOTICE_RETENTION_DAYS: '30',
  });
  expect(c).toEqual({
    temporal: { address: 'temporal.internal:7233', namespace: 'ops', taskQueue: 'hw' },
    mongo: { uri: 'mongodb+srv://cluster0.example.net', db: 'hw_prod' },
    mail: { smtpUrl: 'smtps://alerts:pw@mail.example.com:465', from: 'Ops <ops@example.com>' },
    timezone: 'Europe/Berlin',
    api: { port: 9090, adminToken: 'a-long-admin-token-123', viewerToken: 'a-long-viewer-token-456', statusPublic: true },
    auth: { perSource: 100, perKey: 3, windowMs: 300_000, trustProxy: '127.0.0.1, 10.0.0.0/8,fd00::/8' },
    log: { format: 'json', level: 'debug' },
    metrics: { address: '0.0.0.0:9464' },
    history: { metrics: false, minuteDays: 2, tenMinuteDays: 14, hourlyDays: 365, outageDays: 90, noticeDays: 30 },
  });
  expect(loadConfig({ ALERT_FROM: 'ops@example.com' }).mail.from).toBe('ops@example.com');
});

test('config: each bad variable gives exactly one problem line naming it', () => {
  const bad: Record<string, string> = {
    TEMPORAL_ADDRESS: 'localhost',
    MONGODB_URI: 'http://localhost:27017',
    MONGODB_DB: 'has space',
    SMTP_URL: 'http://mail.example.com',
    ALERT_FROM: 'not an address',
    HOSTWATCH_TIMEZONE: 'Mars/Olympus_Mons',
    LOG_FORMAT: 'pretty',
    LOG_LEVEL: 'verbose',
    METRICS_ADDRESS: '9464',
    AUTH_FAILURES_PER_SOURCE: '0',
    AUTH_FAILURES_PER_KEY: 'ten',
    AUTH_FAILURE_WINDOW: '1.5',
    TRUST_PROXY: '10.0.0.0/33',
    VIEWER_TOKEN: 'short',
    STATUS_PUBLIC: 'yes',
    HISTORY_METRICS: 'on',
    HISTORY_MINUTE_DAYS: '0',
    HISTORY_10MIN_DAYS: '7.5',
    HISTORY_HOURLY_DAYS: 'ninety',
    OUTAGE_RETENTION_DAYS: '30',
    NOTICE_RETENTION_DAYS: '4000',
  };
  for (const [name, value] of Object.entries(bad)) {
    const { err, problems } = problemsFor({ [name]: value });
    expect(problems, name).toHaveLength(1);
    expect(problems[0]!.startsWith(`${name}: `), problems[0]).toBe(true);
    expect(err.message).toContain(problems[0]);
    expect(err.name).toBe('ConfigError');
  }
});

test('config: several bad variables give several lines, one each', () => {
  const { err, problems } = problemsFor({ TEMPORAL_ADDRESS: 'a b:1', HOSTWATCH_TIMEZONE: 'Nowhere/Town', MONGODB_DB: 'a.b', TEMPORAL_NAMESPACE: 'fine' });
  expect(problems).toHaveLength(3);
  expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['HOSTWATCH_TIMEZONE', 'MONGODB_DB', 'TEMPORAL_ADDRESS']);
  expect(err.message.split('\n')).toHaveLength(4); // header + one line per problem
});

test('config: a bad SMTP_URL holding a password is not echoed in the error', () => {
  const secret = 'hunter2-Sup3rS3cret';
  for (const value of [`http://alerts:${secret}@mail.example.com:587`, `smtp://alerts:${secret}@`, `alerts:${secret}`]) {
    const { err, problems } = problemsFor({ SMTP_URL: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.startsWith('SMTP_URL: ')).toBe(true);
    expect(err.message).not.toContain(secret);
    expect(JSON.stringify(problems)).not.toContain(secret);
    expect(err.message).not.toContain(value);
  }
});

test('config: a bad MONGODB_URI holding a password is not echoed either', () => {
  const secret = 'dbPassw0rd-xyz';
  const { err } = problemsFor({ MONGODB_URI: `postgres://u:${secret}@db:5432` });
  expect(err.message).toContain('MONGODB_URI');
  expect(err.message).not.toContain(secret);
});

test('config: the result is frozen, nested objects too', () => {
  const c = loadConfig({});
  expect(Object.isFrozen(c)).toBe(true);
  expect(Object.isFrozen(c.temporal)).toBe(true);
  expect(Object.isFrozen(c.mongo)).toBe(true);
  expect(Object.isFrozen(c.mail)).toBe(true);
  expect(() => {
    (c as { timezone: string }).timezone = 'Europe/Berlin';
  }).toThrow(TypeError);
  expect(() => {
    (c.mail as { smtpUrl: string }).smtpUrl = 'smtp://evil:25';
  }).toThrow(TypeError);
  expect(c.timezone).toBe('UTC');
});

test('config: PORT and ADMIN_TOKEN are validated, and the token is never echoed', () => {
  expect(() => loadConfig({ PORT: '70000' })).toThrow('PORT: must be a port 1-65535');
  expect(() => loadConfig({ PORT: 'http' })).toThrow(ConfigError);
  let message = '';
  try {
    loadConfig({ ADMIN_TOKEN: 'short-secret' });
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message).toContain('ADMIN_TOKEN: must be at least 16 characters');
  expect(message).not.toContain('short-secret');
});

test('config: the status page is private unless STATUS_PUBLIC=true; VIEWER_TOKEN is validated and never echoed', () => {
  expect(loadConfig({}).api.statusPublic).toBe(false);
  for (const v of ['true', 'TRUE', 'True']) expect(loadConfig({ STATUS_PUBLIC: v }).api.statusPublic, v).toBe(true);
  for (const v of ['false', 'FALSE']) expect(loadConfig({ STATUS_PUBLIC: v }).api.statusPublic, v).toBe(false);
  for (const v of ['1', 'yes', 'on', 'public']) expect(problemsFor({ STATUS_PUBLIC: v }).problems, v).toEqual(['STATUS_PUBLIC: must be true or false']);
  expect(loadConfig({ VIEWER_TOKEN: 'viewer-token-0123456' }).api.viewerToken).toBe('viewer-token-0123456');
  const { err } = problemsFor({ VIEWER_TOKEN: 'short-viewer' });
  expect(err.problems).toEqual(['VIEWER_TOKEN: must be at least 16 characters']);
  expect(err.message).not.toContain('short-viewer');
});

test('config: LOG_FORMAT is text or json, LOG_LEVEL one of the SDK levels in any case', () => {
  expect(loadConfig({ LOG_FORMAT: 'json' }).log).toEqual({ format: 'json', level: 'info' });
  expect(loadConfig({ LOG_LEVEL: 'WARN' }).log).toEqual({ format: 'text', level: 'warn' });
  for (const level of ['trace', 'debug', 'info', 'warn', 'error']) expect(loadConfig({ LOG_LEVEL: level }).log.level).toBe(level);
  expect(problemsFor({ LOG_FORMAT: 'JSON' }).problems).toEqual(['LOG_FORMAT: must be text or json']);
  expect(problemsFor({ LOG_LEVEL: 'fatal' }).problems).toEqual(['LOG_LEVEL: must be one of trace, debug, info, warn, error']);
  expect(Object.isFrozen(loadConfig({}).log)).toBe(true);
});

test('config: METRICS_ADDRESS is unset by default and must be an IP socket address', () => {
  expect(loadConfig({}).metrics).toBeUndefined();
  for (const ok of ['0.0.0.0:9464', '127.0.0.1:1', '[::]:9464', '[::1]:65535']) expect(loadConfig({ METRICS_ADDRESS: ok }).metrics, ok).toEqual({ address: ok });
  for (const bad of ['localhost:9464', '9464', ':9464', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:65536', '::1:9464', '[127.0.0.1]:9464', '300.1.1.1:9464', 'http://0.0.0.0:9464']) {
    expect(problemsFor({ METRICS_ADDRESS: bad }).problems, bad).toEqual([
      'METRICS_ADDRESS: must be ip:port with an IP address, e.g. 0.0.0.0:9464, 127.0.0.1:9464 or [::1]:9464',
    ]);
  }
  expect(Object.isFrozen(loadConfig({ METRICS_ADDRESS: '127.0.0.1:9464' }).metrics)).toBe(true);
});

test('config: retention settings are whole days, outages kept at least 90 days, metric levels ordered', () => {
  expect(problemsFor({ OUTAGE_RETENTION_DAYS: '89' }).problems).toEqual(['OUTAGE_RETENTION_DAYS: must be 90 to 3650 days']);
  expect(problemsFor({ HISTORY_MINUTE_DAYS: '1.5' }).problems).toEqual(['HISTORY_MINUTE_DAYS: must be a whole number of days']);
  expect(problemsFor({ NOTICE_RETENTION_DAYS: '0' }).problems).toEqual(['NOTICE_RETENTION_DAYS: must be 1 to 3650 days']);
  expect(problemsFor({ HISTORY_MINUTE_DAYS: '8' }).problems).toEqual(['HISTORY_10MIN_DAYS: must be at least HISTORY_MINUTE_DAYS (8): minute <= 10-minute <= hourly retention']);
  expect(problemsFor({ HISTORY_10MIN_DAYS: '120' }).problems).toEqual(['HISTORY_HOURLY_DAYS: must be at least HISTORY_10MIN_DAYS (120): minute <= 10-minute <= hourly retention']);
  expect(problemsFor({ HISTORY_MINUTE_DAYS: '3', HISTORY_10MIN_DAYS: '2', HISTORY_HOURLY_DAYS: '1' }).problems).toHaveLength(2);
  expect(loadConfig({ HISTORY_MINUTE_DAYS: '7', HISTORY_10MIN_DAYS: '7', HISTORY_HOURLY_DAYS: '7' }).history).toMatchObject({ minuteDays: 7, tenMinuteDays: 7, hourlyDays: 7 });
  for (const v of ['FALSE', 'false']) expect(loadConfig({ HISTORY_METRICS: v }).history.metrics, v).toBe(false);
  expect(problemsFor({ HISTORY_METRICS: '0' }).problems).toEqual(['HISTORY_METRICS: must be true or false']);
  expect(Object.isFrozen(loadConfig({}).history)).toBe(true);
});
