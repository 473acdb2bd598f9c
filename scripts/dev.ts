/**
 * `npm run dev`: the whole system on one machine, after `npm run provision`. Starts the Temporal dev server
 * with its Web UI, FerretDB (unless MONGODB_URI is set), a mail catcher with a web inbox (unless SMTP_URL is
 * set) and the worker; seeds "demo-host", the example rule "demo-disk" (scripts/lib/dev-demo.ts), the
 * "hostwatch-check" schedule and the hourly "hostwatch-housekeeping" schedule; prints where everything is.
 * State persists under .hostwatch/dev/. Ctrl-C stops everything. Run with --help for the variables.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, ScheduleAlreadyRunning } from '@temporalio/client';
import type { CheckInput } from '../src/alerting/check-input.js';
import { checkInputFromFlags, UsageError } from '../src/cli/parse.js';
import { createSchedule, DEFAULT_SCHEDULE_ID, updateSchedule } from '../src/cli/schedules.js';
import { ensuredLine, ensureHousekeepingSchedule } from '../src/cli/housekeeping.js';
import { ConfigError, loadConfig, type Config } from '../src/config.js';
import { describeRule } from '../src/rules/rule.js';
import { connectMongo } from '../src/store/mongo.js';
import { DEMO_HOST, demoHint, seedDemo, type DemoSeed } from './lib/dev-demo.js';
import { startLocalHost } from './lib/dev-local-host.js';
import { startInbox } from './lib/inbox-server.js';
import { WorkerOutput } from './lib/worker-output.js';
import { MailCatcher } from './lib/mail-catcher.js';
import { BIN_DIR, portOpens, startFerretDb, startTemporalDevServer, stopChild } from './lib/services.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STATE_DIR = join(ROOT, '.hostwatch', 'dev');

const USAGE = `Usage: npm run dev [-- --help]

Starts hostwatch locally: Temporal dev server + Web UI, FerretDB, a mail catcher with a web inbox,
the worker, a demo host with an example disk rule, the "${DEFAULT_SCHEDULE_ID}" schedule (every 1m) and the hourly
"hostwatch-housekeeping" schedule (metric rollups, history retention). State persists in .hostwatch/dev/.
Ctrl-C stops everything.

Environment:
  DEV_TEMPORAL_PORT    Temporal gRPC port                        (default 7233)
  DEV_UI_PORT          Temporal Web UI port                      (default 8233)
  DEV_MONGO_PORT       FerretDB port                             (default 27017)
  DEV_SMTP_PORT        mail catcher SMTP port                    (default 1025)
  DEV_INBOX_PORT       web inbox port                            (default 8025)
  DEV_API_PORT         ingest API and status page port           (default 8080)
  DEV_RECIPIENTS       comma-separated alert recipients          (default you@example.com)
  MONGODB_URI          use this MongoDB instead of starting FerretDB
  SMTP_URL             send mail there instead of to the catcher (no inbox then)
  ALERT_FROM           sender address                            (default "hostwatch <hostwatch@localhost>")
  TEMPORAL_TASK_QUEUE  task queue                                (default hostwatch)
  MONGODB_DB, HOSTWATCH_TIMEZONE and the rest of the worker's variables are passed through.`;

const log = (msg: string): void => console.log(`[dev] ${msg}`);

/** Things started so far, stopped in ascending `order` (worker first, Temporal last). */
class Running {
  private items: Array<{ name: string; order: number; stop: () => Promise<void> }> = [];
  private pending = new Set<Promise<unknown>>();
  stopping = false;

  add(name: string, order: number, stop: () => Promise<void>): void {
    this.items.push({ name, order, stop });
  }

  /** Awaits `start`, registering what it returns so that stopAll() also stops what was still starting. */
  start<T>(name: string, order: number, start: Promise<T>, stop: (t: T) => Promise<void>): Promise<T> {
    if (this.stopping) return Promise.reject(new Error('stopping'));
    const tracked = start.then((t) => {
      this.add(name, order, () => stop(t));
      return t;
    });
    this.pending.add(tracked);
    void tracked.catch(() => undefined).finally(() => this.pending.delete(tracked));
    return tracked;
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.pending]);
    for (const { name, stop } of this.items.splice(0).sort((a, b) => a.order - b.order)) {
      try {
        await stop();
        log(`stopped ${name}`);
      } catch (err) {
        log(`stopping ${name} failed: ${firstLine(err)}`);
      }
    }
  }
}

function firstLine(err: unknown): string {
  const e = err as Error;
  if (e instanceof ConfigError) return `invalid configuration: ${e.problems.join('; ')}`;
  return String(e?.message ?? e).split('\n')[0]!;
}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${name} must be a port number from 1 to 65535, got "${raw}"`);
  return n;
}

function assertPortFree(port: number, envName: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', () => reject(new UsageError(`port ${port} is already in use (is another "npm run dev" running?); choose another with ${envName}=...`)));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

/** host:port of an SMTP URL, never its credentials. */
function smtpHostPort(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === 'smtps:' ? 465 : 587)}`;
}

/**
 * `node --import tsx src/worker.ts`; resolves once the worker says it polls its task queue. Its whole output goes
 * to `logFile`; the terminal gets hostwatch's own lines, what each check delivered, and warnings and errors.
 */
async function startWorker(env: NodeJS.ProcessEnv, running: Running, logFile: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = new WorkerOutput(logFile, (line) => process.stdout.write(`[worker] ${line}\n`));
  running.add('worker', 0, async () => {
    await stopChild(child, 20_000);
    output.close();
  });
  await new Promise<void>((resolve, reject) => {
    const where = `see ${relative(process.cwd(), logFile)}`;
    const timer = setTimeout(() => reject(new Error(`the worker did not start within 120 s (${where})`)), 120_000);
    const done = (err?: Error): void => (clearTimeout(timer), err ? reject(err) : resolve());
    child.once('error', (err) => done(new Error(`could not start the worker: ${err.message}`)));
    child.once('exit', (code, signal) => done(new Error(`the worker exited (${signal ?? `code ${code}`}) before it was ready; ${where}`)));
    output.follow(child.stdout!, (line) => line.startsWith('hostwatch worker: task queue') && done());
    output.follow(child.stderr!);
  });
  return child;
}

/** Ensures demo-host and the demo-disk rule exist and records one breaching report now (scripts/lib/dev-demo.ts). */
async function seedDemoHost(config: Readonly<Config>): Promise<DemoSeed & { at: Date }> {
  const mongo = await connectMongo(config.mongo.uri, config.mongo.db);
  try {
    const at = new Date();
    const seed = await seedDemo(mongo.db, at);
    if (seed.hostAdded) log(`added host "${DEMO_HOST}"`);
    if (seed.ruleAdded) log(`added rule "${seed.rule.name}": ${describeRule(seed.rule)} on ${DEMO_HOST}, steps ${seed.rule.steps.join(', ')} min`);
    return { ...seed, at };
  } finally {
    await mongo.close();
  }
}

function recipientsInput(recipients: string): CheckInput {
  try {
    return checkInputFromFlags({ recipients });
  } catch (err) {
    throw err instanceof UsageError ? new UsageError(`DEV_RECIPIENTS: ${err.message.replace(/^--recipients: /, '')}`) : err;
  }
}

/** Creates the schedule, or updates it when a previous run left one in the persisted Temporal database. */
async function ensureSchedule(config: Readonly<Config>, recipients: string): Promise<void> {
  const input = recipientsInput(recipients);
  const settings = { input, everyMs: 60_000, taskQueue: config.temporal.taskQueue };
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: '5s' });
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    try {
      await createSchedule(client, DEFAULT_SCHEDULE_ID, settings);
      log(`created schedule "${DEFAULT_SCHEDULE_ID}" (every 1m, recipients ${(input.recipients ?? []).join(', ')})`);
    } catch (err) {
      if (!(err instanceof UsageError || err instanceof ScheduleAlreadyRunning)) throw err;
      await updateSchedule(client, DEFAULT_SCHEDULE_ID, settings);
      log(`updated schedule "${DEFAULT_SCHEDULE_ID}" (every 1m, recipients ${(input.recipients ?? []).join(', ')})`);
    }
    log(ensuredLine(await ensureHousekeepingSchedule(client, { taskQueue: config.temporal.taskQueue, update: true })));
  } finally {
    await connection.close();
  }
}

function printBox(rows: Array<[string, string]>, hint: string[]): void {
  const w = Math.max(...rows.map(([k]) => k.length));
  const lines = [...rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`), '', ...hint];
  const width = Math.max(...lines.map((l) => l.length));
  console.log(`\n┌${'─'.repeat(width + 2)}┐`);
  for (const l of lines) console.log(`│ ${l.padEnd(width)} │`);
  console.log(`└${'─'.repeat(width + 2)}┘\n`);
}

async function main(running: Running): Promise<void> {
  const ports = {
    temporal: portFromEnv('DEV_TEMPORAL_PORT', 7233),
    ui: portFromEnv('DEV_UI_PORT', 8233),
    mongo: portFromEnv('DEV_MONGO_PORT', 27017),
    smtp: portFromEnv('DEV_SMTP_PORT', 1025),
    inbox: portFromEnv('DEV_INBOX_PORT', 8025),
    api: portFromEnv('DEV_API_PORT', 8080),
  };
  const userMongo = process.env.MONGODB_URI || undefined;
  const userSmtp = process.env.SMTP_URL || undefined;
  const recipients = process.env.DEV_RECIPIENTS || 'you@example.com';
  const temporalAddress = `127.0.0.1:${ports.temporal}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default', // the only namespace the dev server has
    MONGODB_URI: userMongo ?? `mongodb://127.0.0.1:${ports.mongo}/`,
    SMTP_URL: userSmtp ?? `smtp://127.0.0.1:${ports.smtp}`,
    ALERT_FROM: process.env.ALERT_FROM || 'hostwatch <hostwatch@localhost>',
  };
  const config = loadConfig(env); // the worker's own validation, before anything starts
  recipientsInput(recipients); // fail early on bad DEV_RECIPIENTS
  for (const bin of ['temporal', ...(userMongo ? [] : ['ferretdb'])]) {
    if (!existsSync(join(BIN_DIR, bin))) throw new UsageError(`${bin} is not provisioned: run "npm run provision" (looked in ${BIN_DIR})`);
  }

  await assertPortFree(ports.temporal, 'DEV_TEMPORAL_PORT');
  await assertPortFree(ports.ui, 'DEV_UI_PORT');
  await assertPortFree(ports.api, 'DEV_API_PORT');
  if (!userMongo) await assertPortFree(ports.mongo, 'DEV_MONGO_PORT');
  if (!userSmtp) {
    await assertPortFree(ports.smtp, 'DEV_SMTP_PORT');
    await assertPortFree(ports.inbox, 'DEV_INBOX_PORT');
  }

  const ferretDir = join(STATE_DIR, 'ferretdb');
  mkdirSync(ferretDir, { recursive: true });
  const parts = ['Temporal', ...(userMongo ? [] : ['FerretDB']), ...(userSmtp ? [] : ['the mail catcher'])];
  log(`starting ${parts.slice(0, -1).join(', ')}${parts.length > 1 ? ' and ' : ''}${parts.at(-1)} (state in ${relative(process.cwd(), STATE_DIR) || '.'})`);
  const starts = await Promise.allSettled([
    running.start('Temporal', 4, startTemporalDevServer({ port: ports.temporal, uiPort: ports.ui, dbFile: join(STATE_DIR, 'temporal.db'), dir: STATE_DIR }), (s) => s.stop()),
    userMongo ? Promise.resolve(undefined) : running.start('FerretDB', 3, startFerretDb({ port: ports.mongo, dataDir: ferretDir }), (s) => s.stop()),
    userSmtp ? Promise.resolve(undefined) : running.start('mail catcher', 2, new MailCatcher().start(ports.smtp), (c) => c.stop()),
  ]);
  const failed = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const [temporal, ferret, catcher] = starts.map((s) => (s as PromiseFulfilledResult<unknown>).value) as [
    Awaited<ReturnType<typeof startTemporalDevServer>>,
    Awaited<ReturnType<typeof startFerretDb>> | undefined,
    MailCatcher | undefined,
  ];
  const inbox = catcher ? await running.start('inbox', 1, startInbox(catcher, ports.inbox), (i) => i.close()) : undefined;
  if (running.stopping) return;

  const dbName = ferret ? `FerretDB at ${ferret.address}` : 'MONGODB_URI';
  const demo = await seedDemoHost(config).catch((err) => Promise.reject(new Error(`database (${dbName}): ${firstLine(err)}`)));
  await ensureSchedule(config, recipients).catch((err) => Promise.reject(new Error(`Temporal at ${temporalAddress}: ${firstLine(err)}`)));
  if (!(await portOpens(ports.ui, 30_000))) log(`warning: the Web UI is not answering on port ${ports.ui} yet; see ${temporal.logFile}`);
  if (running.stopping) return;

  log('starting the worker');
  const workerLog = join(STATE_DIR, 'worker.log');
  const worker = await startWorker(env, running, workerLog);
  worker.once('exit', (code, signal) => {
    if (running.stopping) return;
    console.error(`[dev] error: the worker exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`);
    void shutdown(running, 1);
  });

  const local = await running.start(
    'API and agent',
    0,
    startLocalHost({ mongoUri: config.mongo.uri, db: config.mongo.db, port: ports.api, timezone: config.timezone, ...(config.api.adminToken !== undefined && { adminToken: config.api.adminToken }), log: (l) => console.log(l) }),
    (l) => l.close(),
  );

  const ui = `http://localhost:${ports.ui}`;
  printBox(
    [
      ['Temporal Web UI', ui],
      ['  schedule', `${ui}/namespaces/default/schedules/${DEFAULT_SCHEDULE_ID}`],
      ['Temporal gRPC', temporalAddress],
      ['Database', ferret ? `FerretDB at ${ferret.address} (db "${config.mongo.db}")` : 'MONGODB_URI (your MongoDB)'],
      ['SMTP', catcher ? `mail catcher at 127.0.0.1:${catcher.port}` : `SMTP_URL (${smtpHostPort(userSmtp!)})`],
      ['Inbox', inbox ? inbox.url : `none: mail goes to ${smtpHostPort(userSmtp!)}`],
      ['Status page', `http://localhost:${ports.api}/ (open: dev listens on 127.0.0.1 only)`],
      ['Ingest API', `${local.apiUrl}/api/v1/report (agent for "${local.hostName}" reporting every 15s)`],
      ['Logs', [workerLog, ...[temporal, ferret].flatMap((s) => (s ? [s.logFile] : []))].map((f) => relative(process.cwd(), f)).join(', ')],
    ],
    [
      ...demoHint(demo, demo.at, inbox ? 'inbox' : `mailbox of ${recipients}`),
      `Type a + Enter to stop the agent for "${local.hostName}" (and again to restart it). Ctrl-C stops everything.`,
    ],
  );
}

let shuttingDown: Promise<void> | undefined;
function shutdown(running: Running, code: number): Promise<void> {
  shuttingDown ??= running.stopAll().then(() => process.exit(code));
  return shuttingDown;
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
if (args.length > 0) {
  console.error(`dev: unknown argument "${args[0]}"\n\n${USAGE}`);
  process.exit(2);
}

const running = new Running();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (shuttingDown) return; // tsx relays the terminal's SIGINT, so it can arrive twice
    log(`${signal}: stopping everything`);
    void shutdown(running, 0);
  });
}
main(running).catch((err) => {
  if (running.stopping) return;
  console.error(`[dev] error: ${firstLine(err)}`);
  void shutdown(running, 1);
});
