/**
 * deploy/systemd: the units pass `systemd-analyze verify` (which parses them and checks the executable without a
 * running systemd), follow the conventions docs/deploy.md describes, and their ExecStart starts hostwatch from
 * a checkout; the example environment file holds only variables src/config.ts reads, with valid values.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config.js';
import { ROOT, run } from './support.js';

const DIR = `${ROOT}deploy/systemd/`;
const UNITS = { 'hostwatch-worker.service': 'src/worker.ts', 'hostwatch-api.service': 'src/api/server.ts' } as const;

/** `Key=value` lines of one section; repeated keys keep every value. */
function section(unit: string, name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const raw of readFileSync(`${DIR}${unit}`, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) current = header[1]!;
    else if (current === name) {
      const i = line.indexOf('=');
      const key = line.slice(0, i);
      out.set(key, [...(out.get(key) ?? []), line.slice(i + 1)]);
    }
  }
  return out;
}

function envFile(): Record<string, string> {
  return Object.fromEntries(
    readFileSync(`${DIR}hostwatch.env.example`, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

test('systemd-analyze verify accepts both units without a warning', async () => {
  const r = await run('systemd-analyze', ['verify', ...Object.keys(UNITS).map((u) => `${DIR}${u}`)]);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
});

test('systemd-analyze verify does report a broken unit (the check above can fail)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostwatch-units-'));
  const broken = readFileSync(`${DIR}hostwatch-worker.service`, 'utf8').replace('Restart=on-failure', 'Restart=sometimes').replace('ProtectHome=yes', 'ProtectHomeDir=yes');
  writeFileSync(join(dir, 'hostwatch-worker.service'), broken);
  const r = await run('systemd-analyze', ['verify', join(dir, 'hostwatch-worker.service')]);
  expect(r.stderr).toContain('Failed to parse service restart specifier');
  expect(r.stderr).toContain("Unknown key 'ProtectHomeDir'");
  writeFileSync(join(dir, 'hostwatch-api.service'), readFileSync(`${DIR}hostwatch-api.service`, 'utf8').replace('/usr/bin/node ', '/usr/bin/no-such-node '));
  const missing = await run('systemd-analyze', ['verify', join(dir, 'hostwatch-api.service')]);
  expect(missing.code).not.toBe(0);
  expect(missing.stderr).toContain('/usr/bin/no-such-node is not executable');
});

test('both units: env file, dedicated user, restart on failure but not on a config error, node --import tsx, hardening node survives', () => {
  for (const [unit, entry] of Object.entries(UNITS)) {
    const s = section(unit, 'Service');
    const one = (k: string) => s.get(k)?.join(' | ');
    expect({ unit, exec: one('ExecStart') }).toEqual({ unit, exec: `/usr/bin/node --import tsx /opt/hostwatch/${entry}` });
    expect(() => readFileSync(`${ROOT}${entry}`), `${unit}: ${entry} is missing`).not.toThrow();
    expect(one('WorkingDirectory'), `${unit}: tsx resolves from the working directory`).toBe('/opt/hostwatch');
    expect(one('EnvironmentFile')).toBe('/etc/hostwatch/hostwatch.env');
    expect([one('User'), one('Group')]).toEqual(['hostwatch', 'hostwatch']);
    expect([one('Restart'), one('RestartPreventExitStatus')]).toEqual(['on-failure', '2']);
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(s.has('MemoryDenyWriteExecute'), `${unit}: MemoryDenyWriteExecute breaks V8's JIT`).toBe(false);
    expect(section(unit, 'Install').get('WantedBy')).toEqual(['multi-user.target']);
  }
});

test('the example env file holds only variables src/config.ts reads, and passes it', () => {
  const env = envFile();
  expect(Object.keys(env).filter((k) => !CONFIG_VARIABLES.includes(k))).toEqual([]);
  expect([...CONFIG_VARIABLES].sort()).toEqual(Object.keys(env).sort());
  const c = loadConfig(env);
  expect(c.api).toEqual({ port: 8080, statusPublic: false });
  expect(c.mail.smtpUrl).toBe('smtp://alerts%40example.com:CHANGE_ME@mail.example.com:587');
});

test("each unit's ExecStart, run from a checkout as /opt/hostwatch, starts and validates its configuration", async () => {
  for (const [unit] of Object.entries(UNITS)) {
    const argv = section(unit, 'Service').get('ExecStart')![0]!.split(' ').map((a) => a.replace('/opt/hostwatch/', ROOT));
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...envFile(), NODE_ENV: 'production', PORT: '70000' };
    const r = await run(argv[0]!, argv.slice(1), { cwd: ROOT, env });
    // The example env file asks for JSON logs, so the error is one JSON line naming the variable.
    expect({ unit, code: r.code, error: JSON.parse(r.stderr.trim()) }).toMatchObject({
      unit,
      code: 2,
      error: { level: 'error', message: 'hostwatch: PORT: must be a port 1-65535', variable: 'PORT' },
    });
  }
});
