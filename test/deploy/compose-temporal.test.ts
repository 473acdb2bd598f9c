/**
 * Temporal in docker-compose.yml, on its maintained images as in Temporal's own compose for PostgreSQL: a one-shot
 * admin-tools job for the schema, the server, a one-shot job for the namespace, the UI. Read through
 * `docker-compose config` (test/deploy/support.ts); the namespace job's script also runs against the real
 * Temporal dev server with the real temporal CLI. No Docker engine here: the images themselves are not run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { BIN_DIR, freePort } from '../../scripts/lib/services.js';
import { loadConfig } from '../../src/config.js';
import { composeConfig, containerPorts, hostPathOf, parseYaml, portMappings, ROOT, run, type ComposeFile, type ComposeService } from './support.js';

const SECRETS = { MONGO_PASSWORD: 'mongo0test0secret0a1b2c3', POSTGRES_PASSWORD: 'pg0test0secret0d4e5f6' };
const RAW = readFileSync(`${ROOT}docker-compose.yml`, 'utf8');
const SERVER_VERSION = '1.29.1'; // the dev server the test suite runs on (scripts/lib/services.ts, SERVICES.md)
let compose: ComposeFile;
let normalized: string;

beforeAll(async () => {
  const r = await composeConfig(SECRETS);
  expect(r.code, `docker-compose config failed:\n${r.stderr}`).toBe(0);
  normalized = r.stdout;
  compose = (await parseYaml(r.stdout)) as ComposeFile;
});

function service(name: string): ComposeService {
  const svc = compose.services[name];
  if (!svc) throw new Error(`docker-compose.yml has no service "${name}" (services: ${Object.keys(compose.services).join(', ')})`);
  return svc;
}

const dependsOn = (name: string, target: string) => service(name).depends_on?.[target]?.condition;

/** The repository file a one-shot job runs: `/bin/sh <script>`, the script bind-mounted from the repository. */
function jobScript(name: string): string {
  const svc = service(name);
  expect(svc.entrypoint, `service "${name}": entrypoint`).toEqual(['/bin/sh']);
  expect(svc.command, `service "${name}": command`).toHaveLength(1);
  const host = hostPathOf(svc, svc.command![0]!);
  expect(host, `service "${name}": ${svc.command![0]} is not bind-mounted from the repository`).toBeDefined();
  expect(host!.startsWith(ROOT), `service "${name}": ${host} is outside the repository`).toBe(true);
  expect(existsSync(host!), `service "${name}": ${host} is missing`).toBe(true);
  return host!;
}

test('no deprecated temporalio/auto-setup anywhere; server and admin-tools pinned to the version the tests run on', () => {
  expect(RAW).not.toContain('auto-setup');
  expect(normalized).not.toContain('auto-setup');
  expect(service('temporal').image).toBe(`temporalio/server:${SERVER_VERSION}`);
  for (const job of ['temporal-schema', 'temporal-namespace']) {
    expect(service(job).image, `service "${job}"`).toMatch(new RegExp(`^temporalio/admin-tools:${SERVER_VERSION.replace(/\./g, '\\.')}(-|$)`));
  }
  expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
});

describe('the order `docker compose up -d` follows', () => {
  test('PostgreSQL healthy -> schema job completes -> server healthy -> namespace job completes -> worker and CLI', () => {
    expect(dependsOn('temporal-schema', 'postgresql')).toBe('service_healthy');
    expect(dependsOn('temporal', 'postgresql')).toBe('service_healthy');
    expect(dependsOn('temporal', 'temporal-schema')).toBe('service_completed_successfully');
    expect(dependsOn('temporal-namespace', 'temporal')).toBe('service_healthy');
    expect(dependsOn('temporal-ui', 'temporal')).toBe('service_healthy');
    for (const name of ['worker', 'cli']) {
      expect(dependsOn(name, 'temporal'), `service "${name}"`).toBe('service_healthy');
      expect(dependsOn(name, 'temporal-namespace'), `service "${name}"`).toBe('service_completed_successfully');
    }
    // Jobs run to completion each time: no restart policy, no port, no healthcheck.
    for (const job of ['temporal-schema', 'temporal-namespace']) {
      expect(service(job).restart, `service "${job}"`).toBe('no');
      expect(portMappings(service(job)), `service "${job}"`).toEqual([]);
      expect(service(job).healthcheck, `service "${job}"`).toBeUndefined();
    }
  });

  test('health checks: PostgreSQL over TCP (not the socket its first-start init answers on), the server on its gRPC port', () => {
    expect(service('postgresql').healthcheck!.test).toEqual(['CMD', 'pg_isready', '-h', '127.0.0.1', '-U', 'temporal', '-d', 'postgres']);
    expect(service('temporal').healthcheck!.test).toEqual(['CMD', 'nc', '-z', '127.0.0.1', '7233']);
    expect([...containerPorts(service('temporal'))]).toContain(7233);
  });
});

describe('the schema job', () => {
  test('reaches the PostgreSQL of this file as the server does, with the password from .env', () => {
    const job = service('temporal-schema').environment!;
    const server = service('temporal').environment!;
    const db = service('postgresql').environment!;
    expect(compose.services[job.POSTGRES_SEEDS!], `POSTGRES_SEEDS ${job.POSTGRES_SEEDS} is not a service`).toBeDefined();
    expect([...containerPorts(service(job.POSTGRES_SEEDS!))]).toContain(Number(job.DB_PORT));
    expect({ seeds: job.POSTGRES_SEEDS, port: job.DB_PORT, user: job.POSTGRES_USER }).toEqual({ seeds: server.POSTGRES_SEEDS, port: server.DB_PORT, user: server.POSTGRES_USER });
    expect(job.POSTGRES_USER).toBe(db.POSTGRES_USER);
    expect(job.SQL_PASSWORD).toBe(SECRETS.POSTGRES_PASSWORD);
    expect(server.POSTGRES_PWD).toBe(SECRETS.POSTGRES_PASSWORD);
    expect(server.DB).toBe('postgres12');
  });

  test("its script is shell-valid, stops on the first error, and keeps auto-setup's database names (the upgrade path)", async () => {
    const script = jobScript('temporal-schema');
    expect((await run('sh', ['-n', script])).code, `${script}: sh -n`).toBe(0);
    const text = readFileSync(script, 'utf8');
    expect(text).toMatch(/^set -eu$/m);
    // temporalio/auto-setup's defaults (DBNAME, VISIBILITY_DBNAME): the same volume keeps its databases.
    expect(text).toContain('temporal:temporal temporal_visibility:visibility');
    for (const step of ['create', 'setup-schema -v 0.0', 'update-schema -d "$SCHEMA/$dir/versioned"']) expect(text).toContain(step);
  });
});

test('the server reads the dynamic config file shipped in deploy/temporal/, and it is valid YAML', async () => {
  const svc = service('temporal');
  const file = svc.environment!.DYNAMIC_CONFIG_FILE_PATH!;
  const inContainer = posix.isAbsolute(file) ? file : posix.join('/etc/temporal', file); // the image's WORKDIR
  const host = hostPathOf(svc, inContainer);
  expect(host, `${inContainer} is not bind-mounted into "temporal"`).toBe(join(ROOT, 'deploy/temporal/dynamicconfig/development-sql.yaml'));
  const parsed = (await parseYaml(readFileSync(host!, 'utf8'))) as Record<string, { value: unknown; constraints: object }[]>;
  expect(parsed['limit.maxIDLength']).toEqual([{ value: 255, constraints: {} }]);
  for (const [key, entries] of Object.entries(parsed)) expect(Array.isArray(entries), `${key}: a list of { value, constraints }`).toBe(true);
});

describe('the namespace job', () => {
  test("creates the worker's TEMPORAL_NAMESPACE at its TEMPORAL_ADDRESS", () => {
    const env = service('temporal-namespace').environment!;
    const worker = loadConfig(service('worker').environment!).temporal;
    expect(env.NAMESPACE).toBe(worker.namespace);
    expect(env.TEMPORAL_ADDRESS).toBe(worker.address);
    expect(service('temporal-ui').environment!.TEMPORAL_ADDRESS).toBe(worker.address);
  });

  // The script as the job runs it, with the real temporal CLI against the real dev server.
  const runScript = (env: Record<string, string>) =>
    run('sh', [jobScript('temporal-namespace')], { env: { PATH: `${BIN_DIR}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: process.env.HOME ?? '/tmp', ...env }, timeoutMs: 60_000 });

  test('its script creates the namespace, and a second run finds it and still exits 0', async () => {
    const namespace = `compose-ns-${Date.now()}`;
    const address = inject('devServerAddress');
    const first = await runScript({ TEMPORAL_ADDRESS: address, NAMESPACE: namespace });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`namespace: ${namespace} created`);
    const described = await run(join(BIN_DIR, 'temporal'), ['operator', 'namespace', 'describe', '--namespace', namespace, '--address', address]);
    expect(described.code, described.stderr).toBe(0);
    const again = await runScript({ TEMPORAL_ADDRESS: address, NAMESPACE: namespace });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`namespace: ${namespace} exists`);
  });

  test('its script fails, naming the address, when no server answers; and names a missing variable', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const down = await runScript({ TEMPORAL_ADDRESS: address, NAMESPACE: 'default', NAMESPACE_WAIT_ATTEMPTS: '1' });
    expect(down.code).not.toBe(0);
    expect(down.stderr).toContain(`Temporal at ${address} is not healthy`);
    const missing = await runScript({ TEMPORAL_ADDRESS: address });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('NAMESPACE is required');
  });
});
