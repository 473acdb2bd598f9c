/** `hostwatch agent --enroll` as a real process against the real API (buildApi listening) on a fresh FerretDB database. */
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildApi } from '../../src/api/app.js';
import { defaultCredentialsPath, localHostName, readCredentialsFile } from '../../src/agent/enroll.js';
import { EnrollStore } from '../../src/store/enroll-store.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import { hostwatchCli, startTsProcess, untilProcess, type LongRunning } from '../support/cli.js';
import { freshStore } from '../support/db.js';

const NO_AGENT_ENV = { HOSTWATCH_URL: '', HOSTWATCH_KEY: '', HOSTWATCH_SECRET: '', HOSTWATCH_INTERVAL: '', HOSTWATCH_ENROLL_TOKEN: '', HOSTWATCH_CREDENTIALS: '' };

let hosts: HostStore;
let enroll: EnrollStore;
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  const s = await freshStore();
  hosts = s.hosts;
  enroll = new EnrollStore(s.mongo.db);
  app = buildApi({ hosts, enroll });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app.close();
});

const tempDir = () => mkdtemp(join(tmpdir(), 'hostwatch-enroll-'));

function startAgent(args: string[], env: Record<string, string>): LongRunning {
  return startTsProcess(['src/client.ts', 'agent', '--interval', '1h', ...args], { ...NO_AGENT_ENV, ...env });
}

async function stopAgent(agent: LongRunning): Promise<void> {
  agent.child.kill('SIGTERM');
  expect(await agent.exited).toBe(0);
}

test('defaultCredentialsPath: XDG_CONFIG_HOME, else ~/.config', () => {
  expect(defaultCredentialsPath({ XDG_CONFIG_HOME: '/etc/xdg-home', HOME: '/home/ops' })).toBe('/etc/xdg-home/hostwatch/agent.json');
  expect(defaultCredentialsPath({ HOME: '/home/ops' })).toBe('/home/ops/.config/hostwatch/agent.json');
  expect(defaultCredentialsPath({ XDG_CONFIG_HOME: 'relative', HOME: '/home/ops' })).toBe('/home/ops/.config/hostwatch/agent.json');
});

test('enrols under its host name, keeps the credentials 0600 and reports; a restart reuses them with the spent token', async () => {
  const config = await tempDir();
  const { token } = await enroll.create({ tags: ['lab'] });
  const name = localHostName();
  const env = { XDG_CONFIG_HOME: config, HOSTWATCH_URL: url };
  const first = startAgent(['--enroll', token], env);
  await untilProcess(first, 'the first report', () => first.out().includes('first report accepted'));
  const host = await hosts.byName(name);
  expect(host.lastReportAt).not.toBeNull();
  expect(host.tags).toEqual(['lab']);
  const file = join(config, 'hostwatch', 'agent.json');
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  expect((await stat(join(config, 'hostwatch'))).mode & 0o777).toBe(0o700);
  const saved = await readCredentialsFile(file);
  expect(saved).toMatchObject({ name, key: host.secretKey, url });
  await stopAgent(first);
  expect(first.err()).toBe('');
  const lines = first.out().split('\n');
  expect(lines[0]).toBe(`hostwatch agent: enrolled as "${name}" with ${url}/api/v1/enroll (key ${host.secretKey}); credentials saved to ${file}`);
  for (const out of [first.out(), first.err()]) {
    expect(out).not.toContain(saved!.secret);
    expect(out).not.toContain(token.slice(28));
  }

  const reportedAt = host.lastReportAt!.getTime();
  const restarted = startAgent([], { XDG_CONFIG_HOME: config, HOSTWATCH_ENROLL_TOKEN: token }); // the URL comes from the file
  await untilProcess(restarted, 'the report after the restart', () => restarted.out().includes('first report accepted'));
  await stopAgent(restarted);
  expect(restarted.out().split('\n')[0]).toBe(`hostwatch agent: using the credentials of "${name}" from ${file}`);
  expect(restarted.out()).not.toContain(saved!.secret);
  expect((await hosts.byName(name)).lastReportAt!.getTime()).toBeGreaterThan(reportedAt);
  expect((await hosts.list()).filter((h) => h.name === name).length).toBe(1);
  expect(await readCredentialsFile(file)).toEqual(saved);
  expect((await enroll.list()).find((t) => t.tags[0] === 'lab')).toMatchObject({ state: 'spent', usesLeft: 0 });
});

test('spent, expired, revoked and wrong tokens: exit 1 naming the reason, no file, no host', async () => {
  const spent = await enroll.create();
  expect(await enroll.enroll(spent.token, 'first-user', hosts)).toMatchObject({ ok: true });
  const expired = await enroll.create({ expiresMs: 60_000, now: new Date(Date.now() - 120_000) });
  const revoked = await enroll.create();
  await enroll.revoke(revoked.id);
  const before = (await hosts.list()).length;
  for (const [token, reason] of [
    [spent.token, 'spent'],
    [expired.token, 'expired'],
    [revoked.token, 'revoked'],
    [`et_${'c'.repeat(24)}_${'d'.repeat(43)}`, 'unknown'],
  ] as const) {
    const dir = await tempDir();
    const file = join(dir, 'sub', 'agent.json');
    const r = await hostwatchCli(['agent', '--url', url, '--credentials', file, '--name', 'refused-host'], { ...NO_AGENT_ENV, HOSTWATCH_ENROLL_TOKEN: token });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^hostwatch agent: enrolment refused \\(${reason}\\): .+\\n$`));
    expect(r.stderr).not.toContain(token.slice(28));
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  }
  expect((await hosts.list()).length).toBe(before);
});

test('a taken name: exit 1 (conflict), the use kept; --name picks another; bad input exits 2', async () => {
  await hosts.add('taken-name');
  const { token } = await enroll.create();
  const dir = await tempDir();
  const file = join(dir, 'agent.json');
  const run = (...args: string[]) => hostwatchCli(['agent', '--url', url, '--credentials', file, '--enroll', token, ...args], NO_AGENT_ENV);
  const taken = await run('--name', 'Taken-Name');
  expect(taken.code).toBe(1);
  expect(taken.stderr).toMatch(/^hostwatch agent: enrolment refused \(conflict\): a host named "taken-name" already exists/);
  await expect(stat(file)).rejects.toThrow(/ENOENT/);
  const bad = await run('--name', 'no spaces');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toBe('hostwatch: invalid host name "no spaces" (--name): use 1 to 100 characters of letters, digits, ".", "_" and "-"\n');

  const agent = startAgent(['--url', url, '--credentials', file, '--name', 'picked-name'], { HOSTWATCH_ENROLL_TOKEN: token });
  await untilProcess(agent, 'the first report', () => agent.out().includes('first report accepted'));
  await stopAgent(agent);
  expect((await hosts.byName('picked-name')).lastReportAt).not.toBeNull();
});

test('no credentials file and no token, or a broken file: exit 2 naming the file', async () => {
  const dir = await tempDir();
  const file = join(dir, 'agent.json');
  const none = await hostwatchCli(['agent', '--url', url, '--credentials', file], NO_AGENT_ENV);
  expect(none.code).toBe(2);
  expect(none.stderr).toBe(`hostwatch: agent: no credentials in ${file}: pass --enroll TOKEN (or HOSTWATCH_ENROLL_TOKEN) to enrol this machine, or --key and --secret\n`);
  await writeFile(file, '{"name": "x"}', { mode: 0o600 });
  const broken = await hostwatchCli(['agent', '--url', url, '--credentials', file, '--enroll', 'et_x'], NO_AGENT_ENV);
  expect(broken.code).toBe(2);
  expect(broken.stderr).toBe(`hostwatch: credentials file ${file} has no "key"; remove it to enrol again\n`);
  expect(await readFile(file, 'utf8')).toBe('{"name": "x"}');
});
