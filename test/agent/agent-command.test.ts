/** `hostwatch agent` as a real process, reporting to the real API (buildApi) on a fresh FerretDB database. */
import type { AddressInfo } from 'node:net';
import { expect, test } from 'vitest';
import { agentSettings } from '../../src/cli/agent-command.js';
import { UsageError } from '../../src/cli/parse.js';
import { buildApi } from '../../src/api/app.js';
import { hostwatchCli, startTsProcess } from '../support/cli.js';
import { freshStore } from '../support/db.js';

const NO_AGENT_ENV = { HOSTWATCH_URL: '', HOSTWATCH_KEY: '', HOSTWATCH_SECRET: '', HOSTWATCH_INTERVAL: '' };

function startAgentProcess(args: string[], env: Record<string, string>) {
  return startTsProcess(['src/client.ts', 'agent', ...args], { ...NO_AGENT_ENV, ...env });
}

test('agentSettings: flags win over the environment, the interval defaults to 30s, missing ones are named', () => {
  const env = { HOSTWATCH_URL: 'http://env:8080', HOSTWATCH_KEY: 'hk_env', HOSTWATCH_SECRET: 'env-secret', HOSTWATCH_INTERVAL: '1m' };
  expect(agentSettings({}, env)).toEqual({ url: 'http://env:8080', key: 'hk_env', secret: 'env-secret', intervalMs: 60_000 });
  expect(agentSettings({ url: 'https://flag', key: 'hk_flag', secret: 'flag-secret', interval: '5s' }, env)).toEqual({
    url: 'https://flag',
    key: 'hk_flag',
    secret: 'flag-secret',
    intervalMs: 5_000,
  });
  expect(agentSettings({ url: 'http://x', key: 'k', secret: 's' }, {}).intervalMs).toBe(30_000);
  expect(() => agentSettings({ key: 'k' }, { HOSTWATCH_SECRET: '' })).toThrow(new UsageError('agent: missing --url (or HOSTWATCH_URL), --secret (or HOSTWATCH_SECRET)'));
  expect(() => agentSettings({}, { ...env, HOSTWATCH_INTERVAL: 'soon' })).toThrow(new UsageError('HOSTWATCH_INTERVAL must be a positive duration like 30s, 1m, 2h or 1d, got "soon"'));
  expect(() => agentSettings({ interval: '0s' }, env)).toThrow(new UsageError('--interval must be a positive duration like 30s, 1m, 2h or 1d, got "0s"'));
  expect(() => agentSettings({ url: 'hostwatch:8080' }, env)).toThrow(new UsageError('--url must be an http:// or https:// URL of the hostwatch server, got "hostwatch:8080"'));
  expect(() => agentSettings({ url: 'ftp://ops:UrlPassw0rd@hostwatch:21' }, env)).toThrow(new UsageError('--url must be an http:// or https:// URL of the hostwatch server, got "ftp://ops:***@hostwatch:21"'));
  expect(() => agentSettings({ url: 'https://ops:UrlPassw0rd@hostwatch' }, env)).toThrow(new UsageError('--url must not contain a user name or password: the agent authenticates with its key and secret'));
});

test('missing settings: exit 2 naming each, nothing started', async () => {
  const r = await hostwatchCli(['agent', '--key', 'hk_x'], NO_AGENT_ENV);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe('hostwatch: agent: missing --url (or HOSTWATCH_URL), --secret (or HOSTWATCH_SECRET)\n');
  expect(r.stdout).toBe('');
});

test.each(['SIGTERM', 'SIGINT'] as const)('hostwatch agent reports from the environment, prints no secret, and stops cleanly on %s', async (signal) => {
  const { hosts } = await freshStore();
  const { key, secret } = await hosts.add('proc-host');
  const app = buildApi({ hosts });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    // The flag wins over a wrong key in the environment.
    const agent = startAgentProcess(['--key', key, '--interval', '1h'], { HOSTWATCH_URL: url, HOSTWATCH_KEY: 'hk_wrong', HOSTWATCH_SECRET: secret });
    const deadline = Date.now() + 30_000;
    // Stored, and the agent has seen the answer (under load the log line can trail the database write).
    while ((await hosts.byName('proc-host')).lastReportAt === null || !agent.out().includes('first report accepted')) {
      if (agent.child.exitCode !== null) throw new Error(`agent exited early: ${agent.err()}`);
      if (Date.now() > deadline) throw new Error(`no report: ${agent.out()} ${agent.err()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    agent.child.kill(signal);
    expect(await agent.exited).toBe(0);
    expect(agent.err()).toBe('');
    expect(agent.out().split('\n')).toEqual([
      `hostwatch agent: reporting to ${url}/api/v1/report every 3600s as key ${key}`,
      `hostwatch agent: first report accepted by ${url}/api/v1/report`,
      'hostwatch agent: stopped',
      '',
    ]);
    expect(agent.out()).not.toContain(secret);
  } finally {
    await app.close();
  }
});
