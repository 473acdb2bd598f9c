/**
 * No secret in any log line or error: the real processes (CLI, API server with request logging on, agent,
 * worker) run with known secrets (host secrets, ADMIN_TOKEN, VIEWER_TOKEN, an SMTP password, a MongoDB password), through
 * succeeding and failing paths; their stdout and stderr are captured and searched for every secret, also
 * in the encodings it travels in (URL-encoded, base64, SMTP AUTH PLAIN). `hosts add` and `rotate-secret`
 * print the new secret once by design: it must appear there and nowhere else.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../../scripts/lib/services.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { hostwatchCli, startTsProcess, type CliResult, type LongRunning } from '../support/cli.js';
import { ChannelStore } from '../../src/store/channels-store.js';
import { loopback, type Recorded } from '../channels/support.js';
import { freshStore } from '../support/db.js';
import { uniqueTaskQueue } from '../support/temporal.js';

const RUN = randomBytes(4).toString('hex');
const ADMIN_TOKEN = `AdminTok-${RUN}-0123456789`;
const VIEWER_TOKEN = `ViewerTok-${RUN}-0123456789`;
const SMTP_USER = 'alerts';
const SMTP_PASS = `SmtpPass-${RUN}/+x`;
const MONGO_PASS = `MongoPass-${RUN}`;
/** Channel secrets: a webhook's signing secret and basic-auth password, a DingTalk robot's token and signing secret. */
const HOOK_SECRET = `HookSecret-${RUN}`;
const HOOK_PASS = `HookPass-${RUN}`;
const DING_TOKEN = `dingtoken${RUN}abcdef`;
const DING_SECRET = `SEC${RUN}0123456789abcdef`;

let mongo: MongoHandle;
let hosts: HostStore;
let env: Record<string, string>;
/** Host secrets printed by the CLI; every one must stay out of every other output. */
const hostSecrets: string[] = [];
let web: { key: string; secret: string };
let db: { key: string; secret: string };

beforeAll(async () => {
  const store = await freshStore();
  ({ mongo, hosts } = store);
  env = { MONGODB_URI: store.uri, MONGODB_DB: store.dbName };
});
afterAll(async () => {
  await mongo?.db.dropDatabase();
  await mongo?.close();
});

/** A secret and the forms it can travel in. */
function forms(secret: string): string[] {
  const out = [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')];
  if (/^[\w-]{43}$/.test(secret)) out.push(Buffer.from(secret, 'base64url').toString('hex'), Buffer.from(secret, 'base64url').toString('base64').replace(/=+$/, ''));
  return [...new Set(out)];
}

const SMTP_FORMS = [...forms(SMTP_PASS), Buffer.from(`\u0000${SMTP_USER}\u0000${SMTP_PASS}`).toString('base64')];

/** Asserts that none of `secrets` (in any of its forms) is in `text`. */
function expectClean(label: string, text: string, secrets: string[]): void {
  for (const s of secrets) for (const f of s === SMTP_PASS ? SMTP_FORMS : forms(s)) expect(text.includes(f), `${label} holds a secret (${s.slice(0, 6)}...)`).toBe(false);
}

const allSecrets = () => [...hostSecrets, ADMIN_TOKEN, VIEWER_TOKEN, SMTP_PASS, MONGO_PASS, HOOK_SECRET, HOOK_PASS, DING_TOKEN, DING_SECRET];
const output = (r: CliResult | LongRunning) => ('child' in r ? `${r.out()}\n${r.err()}` : `${r.stdout}\n${r.stderr}`);

function credentials(stdout: string): { key: string; secret: string } {
  const key = /^ {2}key: {4}(\S+)$/m.exec(stdout)?.[1];
  const secret = /^ {2}secret: (\S+)$/m.exec(stdout)?.[1];
  expect(secret).toMatch(/^[\w-]{43}$/);
  return { key: key!, secret: secret! };
}

async function waitFor(what: string, p: LongRunning, done: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (p.child.exitCode !== null) throw new Error(`${what}: process exited early (${p.child.exitCode}): ${p.err().slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`${what}: timed out; stdout ${p.out().slice(-1000)} stderr ${p.err().slice(-1000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(p: LongRunning): Promise<number | null> {
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 20_000);
  try {
    return await p.exited;
  } finally {
    clearTimeout(timer);
  }
}

async function startApi(extra: Record<string, string>): Promise<{ api: LongRunning; url: string }> {
  const port = await freePort();
  const api = startTsProcess(['src/api/server.ts'], { ...env, PORT: String(port), ADMIN_TOKEN, VIEWER_TOKEN, LOG_FORMAT: 'json', ...extra });
  await waitFor('api', api, () => api.out().includes('hostwatch api listening'));
  return { api, url: `http://127.0.0.1:${port}` };
}

test('CLI: hosts add and rotate-secret print their secret once, in their own stdout only; other commands and errors print none', { timeout: 120_000 }, async () => {
  const outputs: { label: string; text: string; allowed?: string }[] = [];
  const run = async (label: string, args: string[], extra: Record<string, string> = {}) => {
    const r = await hostwatchCli(args, { ...env, ...extra });
    outputs.push({ label, text: output(r) });
    return r;
  };

  const added = await run('hosts add web-1', ['hosts', 'add', 'web-1']);
  expect(added.code).toBe(0);
  web = credentials(added.stdout);
  outputs.at(-1)!.allowed = web.secret;
  const addedDb = await run('hosts add db-1', ['hosts', 'add', 'db-1']);
  const firstDb = credentials(addedDb.stdout);
  outputs.at(-1)!.allowed = firstDb.secret;
  const rotated = await run('hosts rotate-secret db-1', ['hosts', 'rotate-secret', 'db-1']);
  expect(rotated.code).toBe(0);
  db = credentials(rotated.stdout);
  outputs.at(-1)!.allowed = db.secret;
  hostSecrets.push(web.secret, firstDb.secret, db.secret);

  // Each secret is printed exactly once, to stdout, by the command that created it.
  expect(added.stdout.split(web.secret)).toHaveLength(3); // the "secret:" line and the agent example line
  expect(added.stderr).toBe('');
  expect(rotated.stdout).toContain(db.secret);
  expect(rotated.stdout).not.toContain(firstDb.secret);

  await run('hosts list', ['hosts', 'list']);
  await run('hosts list --json', ['hosts', 'list', '--json']);
  await run('hosts disable', ['hosts', 'disable', 'db-1']);
  await run('hosts enable', ['hosts', 'enable', 'db-1']);
  await run('hosts mute', ['hosts', 'mute', 'web-1', '--for', '1h']);
  await run('hosts unmute', ['hosts', 'unmute', 'web-1']);
  await run('hosts rotate-secret unknown', ['hosts', 'rotate-secret', 'no-such-host']);
  await run('hosts --help', ['hosts', '--help']);

  // Failing paths with a password in the environment.
  const unreachable = await run('unreachable MongoDB', ['hosts', 'list'], { MONGODB_URI: `mongodb://hw:${MONGO_PASS}@127.0.0.1:1/?serverSelectionTimeoutMS=500` });
  expect(unreachable.code).toBe(2);
  expect(unreachable.stderr).toMatch(/^hostwatch: cannot reach MongoDB \(MONGODB_URI\): /);
  // The driver quotes the whole URI in this parse error; it comes out masked.
  const quoted = await run('MongoDB URI the driver cannot parse', ['hosts', 'list'], { MONGODB_URI: `mongodb://hw:${MONGO_PASS}@@127.0.0.1/` });
  expect(quoted.stderr).toBe('hostwatch: cannot reach MongoDB (MONGODB_URI): Protocol and host list are required in "mongodb://hw:***@127.0.0.1/"\n');
  const badConfig = await run('bad configuration', ['hosts', 'list'], {
    MONGODB_URI: `postgres://hw:${MONGO_PASS}@db/`,
    SMTP_URL: `http://${SMTP_USER}:${SMTP_PASS}@mail`,
    ADMIN_TOKEN: ADMIN_TOKEN.slice(0, 15),
  });
  expect(badConfig.code).toBe(2);
  expect(badConfig.stderr.trim().split('\n').map((l) => l.split(':')[1])).toEqual([' MONGODB_URI', ' SMTP_URL', ' ADMIN_TOKEN']);
  expectClean('bad configuration', badConfig.stderr, [ADMIN_TOKEN.slice(0, 15)]);

  for (const o of outputs) expectClean(o.label, o.text, allSecrets().filter((s) => s !== o.allowed));
});

test('API server with its JSON request log: succeeding, refused, rate-limited and admin requests log no secret', { timeout: 120_000 }, async () => {
  expect(web, 'the CLI test ran first').toBeDefined();
  const { api, url } = await startApi({ AUTH_FAILURES_PER_SOURCE: '4', AUTH_FAILURES_PER_KEY: '3' });
  const report = (key: string, secret: string, body = '{"hostname":"web-1"}') =>
    fetch(`${url}/api/v1/report`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-host-key': key, 'x-host-secret': secret }, body });
  const admin = (auth: string) => fetch(`${url}/api/v1/hosts`, { headers: { authorization: auth } });
  const statuses: number[] = [];
  const note = async (r: Promise<Response>) => {
    const res = await r;
    statuses.push(res.status);
    const body = await res.text();
    expectClean(`answer ${res.status}`, `${JSON.stringify([...res.headers])}${body}`, allSecrets());
    return res;
  };
  try {
    await note(report(web.key, web.secret));
    await note(report(web.key, web.secret, `{"cpu": "${ADMIN_TOKEN}", "hostname": "${db.secret}"}`)); // 400, a secret in a bad body
    await note(admin(`Bearer ${ADMIN_TOKEN}`));
    await note(fetch(`${url}/api/v1/status`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } })); // the viewer token, as bearer
    await note(fetch(`${url}/`, { headers: { cookie: `hostwatch_view=${VIEWER_TOKEN}` } })); // and as the login cookie
    await note(admin(`Bearer ${ADMIN_TOKEN}x`)); // failure 1 of this source
    await note(report(web.key, `${web.secret}x`)); // 2
    await note(report(web.secret, web.key)); // 3: key and secret swapped
    await note(report(db.key, web.secret)); // 4: the source is now limited
    const limited = await note(report(web.key, web.secret));
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    await note(admin(`Bearer ${ADMIN_TOKEN}`));
    await note(admin(`Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`));
    expect(statuses).toEqual([204, 400, 200, 200, 200, 401, 401, 401, 401, 429, 429, 429]);
  } finally {
    expect(await stop(api)).toBe(0);
  }
  const text = output(api);
  // Request logging was really on: one line per request completed, three of them 429.
  expect(text.match(/"message":"request completed"/g)).toHaveLength(12);
  expect(text.match(/"statusCode":429/g)).toHaveLength(3);
  // The secret sent as a key (swapped headers) is not logged as a key.
  expect(text).toContain('"x-host-key":"[not a key]"');
  expectClean('API server', text, allSecrets());
});

test('API server failing to start: bad configuration and an unreachable or unparsable MongoDB URI print no password', { timeout: 120_000 }, async () => {
  const port = String(await freePort());
  const bad = startTsProcess(['src/api/server.ts'], { ...env, PORT: port, ADMIN_TOKEN: ADMIN_TOKEN.slice(0, 12), VIEWER_TOKEN: VIEWER_TOKEN.slice(0, 13), TRUST_PROXY: ADMIN_TOKEN, AUTH_FAILURES_PER_KEY: '0' });
  expect(await bad.exited).toBe(2);
  expect(bad.err().trim().split('\n').map((l) => l.split(':')[1]).sort()).toEqual([' ADMIN_TOKEN', ' AUTH_FAILURES_PER_KEY', ' TRUST_PROXY', ' VIEWER_TOKEN']);
  expectClean('api: bad configuration', output(bad), [ADMIN_TOKEN.slice(0, 12), VIEWER_TOKEN.slice(0, 13)]);

  for (const uri of [`mongodb://hw:${MONGO_PASS}@127.0.0.1:1/?serverSelectionTimeoutMS=500`, `mongodb://hw:${MONGO_PASS}@@127.0.0.1/`]) {
    const p = startTsProcess(['src/api/server.ts'], { ...env, PORT: port, ADMIN_TOKEN, MONGODB_URI: uri });
    expect(await p.exited).toBe(1);
    expect(p.err()).toContain('DatabaseConnectError');
    expectClean(`api: ${uri.includes('@@') ? 'unparsable' : 'unreachable'} MongoDB`, output(p), allSecrets());
  }
});

test('agent: accepted, rejected (401) and rate-limited (429) reports log no secret', { timeout: 120_000 }, async () => {
  expect(web, 'the CLI test ran first').toBeDefined();
  const { api, url } = await startApi({ AUTH_FAILURES_PER_KEY: '2' });
  const agents: LongRunning[] = [];
  try {
    const good = startTsProcess(['src/client.ts', 'agent', '--url', url, '--interval', '1s'], { HOSTWATCH_KEY: web.key, HOSTWATCH_SECRET: web.secret });
    agents.push(good);
    await waitFor('agent', good, () => good.out().includes('first report accepted'));
    expect(await stop(good)).toBe(0);

    const wrongSecret = `${db.secret.slice(0, -1)}${db.secret.endsWith('A') ? 'B' : 'A'}`;
    const bad = startTsProcess(['src/client.ts', 'agent', '--url', url, '--interval', '1s'], { HOSTWATCH_KEY: db.key, HOSTWATCH_SECRET: wrongSecret });
    agents.push(bad);
    await waitFor('agent (wrong secret)', bad, () => bad.out().includes('HTTP 429'));
    expect(bad.out()).toContain('rejected (401)');
    expect(await stop(bad)).toBe(0);
    for (const a of agents) expectClean('agent', output(a), [...allSecrets(), wrongSecret]);
  } finally {
    for (const a of agents) a.child.kill('SIGKILL');
    expect(await stop(api)).toBe(0);
  }
  expectClean('API server (agent test)', output(api), allSecrets());
});

test('worker: an SMTP login refused, then accepted, channels accepting and refusing, an unreachable database and bad configuration log no password; run histories hold no channel secret', { timeout: 180_000 }, async () => {
  // Channel receivers that echo back everything they were sent (URL, headers, body), as a careless vendor might.
  const echo = (r: Recorded) => `${r.method} ${r.path}?${r.query.toString()} ${JSON.stringify(r.headers)} ${r.body}`;
  const receiver = await loopback((r) => (r.path.startsWith('/robot') ? { status: 200, body: { errcode: 310000, errmsg: `sign not match: ${echo(r)}` } } : { status: 200, body: echo(r) }));
  const channels = new ChannelStore(mongo.db);
  const hookUrl = new URL(`${receiver.base}/hook`);
  hookUrl.username = 'hw';
  hookUrl.password = HOOK_PASS;
  await channels.add('hook', `webhook+${hookUrl.toString()}?secret=${HOOK_SECRET}`);
  await channels.add('ding', `dingtalk+${receiver.base}/robot/send?access_token=${DING_TOKEN}&secret=${DING_SECRET}`);
  // A real SMTP server that requires a login, refusing the right password until told to accept it.
  let acceptLogin = false;
  const logins: string[] = [];
  const delivered: string[] = [];
  const smtp = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth: (auth, _session, cb) => {
      const ok = auth.username === SMTP_USER && auth.password === SMTP_PASS;
      logins.push(ok ? (acceptLogin ? 'accepted' : 'refused') : 'wrong password');
      if (ok && acceptLogin) return cb(null, { user: SMTP_USER });
      return cb(new Error('Invalid username or password'));
    },
    onData: (stream, _session, cb) => {
      let text = '';
      stream.on('data', (d: Buffer) => (text += d.toString()));
      stream.on('end', () => {
        delivered.push(text);
        cb(null);
      });
    },
  });
  const smtpPort = await freePort();
  await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));

  const { id } = await hosts.add('silent-1');
  await hosts.recordReport(id, { hostname: 'silent-1' }, new Date(Date.now() - 5 * 60_000));
  const taskQueue = uniqueTaskQueue('secrets');
  const worker = startTsProcess(['src/worker.ts'], {
    ...env,
    TEMPORAL_ADDRESS: inject('devServerAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    SMTP_URL: `smtp://${SMTP_USER}:${encodeURIComponent(SMTP_PASS)}@127.0.0.1:${smtpPort}`,
  });
  const connection = await Connection.connect({ address: inject('devServerAddress') });
  let failure = '';
  try {
    await waitFor('worker', worker, () => worker.out().includes('hostwatch worker: task queue'));
    const client = new Client({ connection });
    const check = (n: number) =>
      client.workflow.execute('checkHostStatus', { taskQueue, workflowId: `${taskQueue}-${n}`, args: [{ recipients: ['ops@example.com'], channels: n === 1 ? [] : ['hook', 'ding'] }] });

    const refused = await check(1).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(WorkflowFailedError);
    // The failure as Temporal records it (and the Web UI shows it), whole cause chain.
    for (let e: unknown = refused; e instanceof Error; e = e.cause) failure += `${e.name}: ${e.message}\n${e.stack ?? ''}\n${JSON.stringify(e)}\n`;
    expect(failure).toContain('DeliveryIncomplete');
    expect(failure).toMatch(/ops@example\.com: .*535/);
    expect(logins).toEqual(['refused']);

    // Mail and the webhook accept; the DingTalk robot answers 200 with a signature error that quotes the request.
    acceptLogin = true;
    const second = await check(2).catch((err: unknown) => err);
    expect(second).toBeInstanceOf(WorkflowFailedError);
    let secondFailure = '';
    for (let e: unknown = second; e instanceof Error; e = e.cause) secondFailure += `${e.name}: ${e.message}\n${e.stack ?? ''}\n${JSON.stringify(e)}\n`;
    expect(secondFailure).toMatch(/1 of 3 destinations did not accept: ding \(dingtalk\): .*310000/);
    failure += secondFailure;
    expect(delivered).toHaveLength(1);
    expect(receiver.requests.filter((r) => r.path === '/hook')).toHaveLength(1);
    // Both runs' histories, as the Web UI shows them: channel names and labels, never a URL or secret.
    for (const n of [1, 2]) {
      const history = JSON.stringify(await client.workflow.getHandle(`${taskQueue}-${n}`).fetchHistory());
      expectClean(`run ${n} history`, history, allSecrets());
      expect(history).not.toContain(receiver.base);
    }
  } finally {
    await receiver.close();
    await connection.close();
    expect(await stop(worker)).toBe(0);
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  }
  expect(output(worker)).toContain('hostwatch worker: stopped');
  // The refused login was logged (the SDK's "Activity failed" warning with the server's reply).
  expect(output(worker)).toMatch(/Activity failed[\s\S]*535/);
  expect(output(worker)).toMatch(/Activity failed[\s\S]*310000/);
  expectClean('worker', output(worker), allSecrets());
  expectClean('the failed run as recorded', failure, allSecrets());

  const unreachable = startTsProcess(['src/worker.ts'], { ...env, MONGODB_URI: `mongodb://hw:${MONGO_PASS}@127.0.0.1:1/?serverSelectionTimeoutMS=500` });
  expect(await unreachable.exited).toBe(1);
  expect(unreachable.err()).toContain('DatabaseConnectError: connect ECONNREFUSED 127.0.0.1:1');
  expectClean('worker: unreachable MongoDB', output(unreachable), allSecrets());

  const badConfig = startTsProcess(['src/worker.ts'], { SMTP_URL: `ftp://${SMTP_USER}:${SMTP_PASS}@mail`, MONGODB_URI: `mongodb://hw:${MONGO_PASS}@db host/` });
  expect(await badConfig.exited).toBe(2);
  expect(badConfig.err().trim().split('\n')).toEqual([
    'hostwatch: MONGODB_URI: must be a mongodb:// or mongodb+srv:// URI',
    'hostwatch: SMTP_URL: must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587',
  ]);
  expectClean('worker: bad configuration', output(badConfig), allSecrets());
});
