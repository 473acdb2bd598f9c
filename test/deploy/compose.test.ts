/**
 * docker-compose.yml, as Docker Compose itself reads it (Debian's docker-compose 1.29.2 `config`, which needs
 * no engine), checked against src/config.ts and against itself: addresses, ports, health checks, volumes,
 * pinned images and secrets. The images are not built or run here (no Docker engine on these machines).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { freePort } from '../../scripts/lib/services.js';
import { CONFIG_VARIABLES, loadConfig, type Config } from '../../src/config.js';
import { startTsProcess } from '../support/cli.js';
import { composeConfig, containerPorts, parseYaml, portMappings, ROOT, run, type ComposeFile, type ComposeService } from './support.js';

// Values a user would put into .env; distinctive, so the test can find every place they end up.
const SECRETS = {
  MONGO_PASSWORD: 'mongo0test0secret0a1b2c3',
  POSTGRES_PASSWORD: 'pg0test0secret0d4e5f6',
  ADMIN_TOKEN: 'admin0test0token0789abcdef',
  VIEWER_TOKEN: 'viewer0test0token0123fedcba',
};
const RAW = readFileSync(`${ROOT}docker-compose.yml`, 'utf8');

let compose: ComposeFile;
/** Temporal's jobs that run to completion on every `docker compose up` (test/deploy/compose-temporal.test.ts). */
const ONE_SHOT = ['temporal-schema', 'temporal-namespace'];

beforeAll(async () => {
  const r = await composeConfig(SECRETS);
  expect(r.code, `docker-compose config failed:\n${r.stderr}`).toBe(0);
  compose = (await parseYaml(r.stdout)) as ComposeFile;
});

function service(name: string): ComposeService {
  const svc = compose.services[name];
  if (!svc) throw new Error(`docker-compose.yml has no service "${name}" (services: ${Object.keys(compose.services).join(', ')})`);
  return svc;
}

/** Services built from this repository's Dockerfile: hostwatch itself. */
function hostwatchServices(): [string, ComposeService][] {
  return Object.entries(compose.services).filter(([, s]) => s.build !== undefined && resolve(s.build.context) === resolve(ROOT));
}

function configOf(name: string): Readonly<Config> {
  try {
    return loadConfig(service(name).environment ?? {});
  } catch (err) {
    throw new Error(`service "${name}": its environment fails src/config.ts: ${(err as Error).message}`);
  }
}

function hostPort(address: string): { host: string; port: number } {
  const m = /^([^:]+):(\d+)$/.exec(address);
  if (!m) throw new Error(`not host:port: ${address}`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** The address names a service of this file that listens on that port. */
function expectServiceListening(field: string, host: string, port: number): void {
  expect(compose.services[host], `${field} points at "${host}", which is not a service in docker-compose.yml`).toBeDefined();
  expect([...containerPorts(service(host))], `${field} points at ${host}:${port}, but service "${host}" declares no port ${port} (expose/ports)`).toContain(port);
}

function expectDependsHealthy(name: string, target: string): void {
  expect(service(name).depends_on?.[target]?.condition, `service "${name}" must depend on "${target}" with condition service_healthy`).toBe('service_healthy');
}

test('docker-compose config refuses to run without each required password, naming it', async () => {
  for (const missing of ['MONGO_PASSWORD', 'POSTGRES_PASSWORD'] as const) {
    const vars: Record<string, string> = { ...SECRETS };
    delete vars[missing];
    const r = await composeConfig(vars);
    expect(r.code, `config succeeded without ${missing}`).not.toBe(0);
    expect(r.stderr).toContain(`set ${missing} in .env (see .env.example)`);
  }
});

test('the services: MongoDB, PostgreSQL, Temporal (schema job, server, namespace job, UI), Mailpit, and hostwatch worker, API and CLI', () => {
  expect(Object.keys(compose.services).sort()).toEqual(['api', 'cli', 'mailpit', 'mongodb', 'postgresql', 'temporal', 'temporal-namespace', 'temporal-schema', 'temporal-ui', 'worker']);
  expect(hostwatchServices().map(([n]) => n).sort()).toEqual(['api', 'cli', 'worker']);
  expect(service('cli').profiles).toEqual(['tools']);
});

describe('hostwatch services', () => {
  test('every variable they get is one src/config.ts reads, and their environments pass loadConfig', () => {
    for (const [name, svc] of hostwatchServices()) {
      const unknown = Object.keys(svc.environment ?? {}).filter((k) => !CONFIG_VARIABLES.includes(k));
      expect(unknown, `service "${name}" sets variables that src/config.ts does not read`).toEqual([]);
      configOf(name);
    }
    expect(configOf('worker').temporal).toEqual({ address: 'temporal:7233', namespace: 'default', taskQueue: 'hostwatch' });
    expect(configOf('api').api).toEqual({ port: 8080, adminToken: SECRETS.ADMIN_TOKEN, viewerToken: SECRETS.VIEWER_TOKEN, statusPublic: false });
  });

  test('without ADMIN_TOKEN the API still starts, with the admin endpoint closed; a short one is refused by loadConfig', async () => {
    const { ADMIN_TOKEN: _, VIEWER_TOKEN: __, ...rest } = SECRETS;
    const r = await composeConfig(rest);
    expect(r.code, r.stderr).toBe(0);
    const env = ((await parseYaml(r.stdout)) as ComposeFile).services.api!.environment!;
    expect(env.ADMIN_TOKEN).toBe('');
    expect(env.VIEWER_TOKEN).toBe('');
    // Private by default: the status page needs a token nobody has until one is set.
    expect(loadConfig(env).api).toEqual({ port: 8080, statusPublic: false });
    const open = (await parseYaml((await composeConfig({ ...rest, STATUS_PUBLIC: 'true' })).stdout)) as ComposeFile;
    expect(loadConfig(open.services.api!.environment!).api.statusPublic).toBe(true);
    // The check above can fail: what a user with a too-short token in .env would get.
    const short = (await parseYaml((await composeConfig({ ...rest, ADMIN_TOKEN: 'short' })).stdout)) as ComposeFile;
    expect(() => loadConfig(short.services.api!.environment!)).toThrow('ADMIN_TOKEN: must be at least 16 characters');
  });

  test('TEMPORAL_ADDRESS, MONGODB_URI and SMTP_URL point at services of this file, on the ports they listen on', () => {
    for (const [name] of hostwatchServices()) {
      const c = configOf(name);
      const temporal = hostPort(c.temporal.address);
      expectServiceListening(`${name}: TEMPORAL_ADDRESS`, temporal.host, temporal.port);
      const mongo = new URL(c.mongo.uri);
      expectServiceListening(`${name}: MONGODB_URI`, mongo.hostname, Number(mongo.port || 27017));
      const smtp = new URL(c.mail.smtpUrl);
      expectServiceListening(`${name}: SMTP_URL`, smtp.hostname, Number(smtp.port || 25));
      expectDependsHealthy(name, mongo.hostname);
    }
    for (const name of ['worker', 'cli']) {
      expectDependsHealthy(name, 'temporal');
      expect(service(name).depends_on?.['temporal-namespace']?.condition, `service "${name}" must wait for the namespace job`).toBe('service_completed_successfully');
    }
    expectDependsHealthy('worker', 'mailpit');
  });

  test("MONGODB_URI logs in with the user and password MongoDB's container is created with", () => {
    const db = service('mongodb').environment!;
    for (const [name] of hostwatchServices()) {
      const uri = new URL(configOf(name).mongo.uri);
      expect(decodeURIComponent(uri.username), `${name}: MONGODB_URI user`).toBe(db.MONGO_INITDB_ROOT_USERNAME);
      expect(decodeURIComponent(uri.password), `${name}: MONGODB_URI password`).toBe(SECRETS.MONGO_PASSWORD);
      expect(db.MONGO_INITDB_ROOT_PASSWORD).toBe(SECRETS.MONGO_PASSWORD);
      expect(uri.searchParams.get('authSource'), `${name}: MONGODB_URI authSource (the root user lives in admin)`).toBe('admin');
    }
  });

  test('each runs node --import tsx on an entry file that exists', () => {
    const expected: Record<string, string> = { worker: 'src/worker.ts', api: 'src/api/server.ts', cli: 'src/client.ts' };
    for (const [name, svc] of hostwatchServices()) {
      const argv = svc.entrypoint ?? svc.command ?? [];
      expect(argv.slice(0, 3), `service "${name}": entry`).toEqual(['node', '--import', 'tsx']);
      expect(argv[3], `service "${name}": entry file`).toBe(expected[name]);
      expect(() => readFileSync(`${ROOT}${argv[3]}`), `service "${name}": ${argv[3]} is missing`).not.toThrow();
    }
  });
});

describe('the API', () => {
  test("its container port is its PORT, and its healthcheck asks /healthz on that port with node (the image has no curl)", () => {
    const api = service('api');
    const port = configOf('api').api.port;
    expect(portMappings(api).map((p) => p.target), 'api: published container port vs PORT').toEqual([port]);
    const check = api.healthcheck?.test ?? [];
    expect(check.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(check[3]).toContain(`'http://127.0.0.1:${port}/healthz'`);
  });

  test('its healthcheck command exits 0 against a running API with a database, and 1 when nothing answers', async () => {
    const script = service('api').healthcheck!.test[3]!;
    const port = await freePort();
    const api = startTsProcess(['src/api/server.ts'], { PORT: String(port), MONGODB_URI: inject('mongoUri'), MONGODB_DB: `deploy_health_${port}` });
    try {
      const deadline = Date.now() + 60_000;
      while (!api.out().includes('listening') && Date.now() < deadline) {
        if (api.child.exitCode !== null) throw new Error(`api exited early: ${api.err()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const at = (p: number) => script.replace('127.0.0.1:8080', `127.0.0.1:${p}`);
      expect((await run(process.execPath, ['-e', at(port)])).code).toBe(0);
      expect((await run(process.execPath, ['-e', at(await freePort())])).code).toBe(1);
    } finally {
      api.child.kill('SIGTERM');
      await api.exited;
    }
  });
});

test('every image is pinned to a version: no latest, no bare name', () => {
  for (const [name, svc] of Object.entries(compose.services)) {
    expect(svc.image, `service "${name}" has no image`).toBeDefined();
    const tag = /:([^:/]+)$/.exec(svc.image!)?.[1];
    expect(tag, `service "${name}": image ${svc.image} has no tag`).toBeDefined();
    expect(tag, `service "${name}": image ${svc.image}`).not.toBe('latest');
    if (svc.build === undefined) expect(tag, `service "${name}": image ${svc.image} is not pinned to a version`).toMatch(/^v?\d+\.\d+/);
  }
  expect(Object.fromEntries(Object.entries(compose.services).map(([n, s]) => [n, s.image]))).toEqual({
    mongodb: 'mongo:7.0.14',
    postgresql: 'postgres:16.4',
    'temporal-schema': 'temporalio/admin-tools:1.29.1-tctl-1.18.4-cli-1.5.0',
    temporal: 'temporalio/server:1.29.1',
    'temporal-namespace': 'temporalio/admin-tools:1.29.1-tctl-1.18.4-cli-1.5.0',
    'temporal-ui': 'temporalio/ui:2.42.1',
    mailpit: 'axllent/mailpit:v1.21.8',
    worker: 'hostwatch:local',
    api: 'hostwatch:local',
    cli: 'hostwatch:local',
  });
});

test('named volumes: every one used is declared, every one declared is used, and the databases keep their data in one', () => {
  const used = new Map<string, string>();
  for (const [name, svc] of Object.entries(compose.services)) {
    for (const v of svc.volumes ?? []) {
      const [source, target] = v.split(':');
      if (!source!.startsWith('/') && !source!.startsWith('.')) used.set(`${name}:${target}`, source!);
    }
  }
  const declared = Object.keys(compose.volumes ?? {});
  for (const [where, vol] of used) expect(declared, `volume "${vol}" (${where}) is not declared under volumes:`).toContain(vol);
  expect([...new Set(used.values())].sort()).toEqual([...declared].sort());
  expect(used.get('mongodb:/data/db')).toBe('mongodb-data');
  expect(used.get('postgresql:/var/lib/postgresql/data')).toBe('temporal-postgres-data');
});

test('depends_on: targets exist, service_healthy targets have a healthcheck, service_completed_successfully ones run once; long-running services restart', () => {
  for (const [name, svc] of Object.entries(compose.services)) {
    for (const [target, { condition }] of Object.entries(svc.depends_on ?? {})) {
      expect(compose.services[target], `service "${name}" depends on "${target}", which does not exist`).toBeDefined();
      expect(['service_healthy', 'service_completed_successfully'], `service "${name}": depends_on "${target}" condition`).toContain(condition);
      if (condition === 'service_healthy') expect(compose.services[target]!.healthcheck, `service "${name}" waits for "${target}" to be healthy, but "${target}" has no healthcheck`).toBeDefined();
      // A job that restarted itself would never complete; one that exits must not be waited on as healthy.
      if (condition === 'service_completed_successfully') expect(compose.services[target]!.restart, `service "${name}" waits for "${target}" to complete, so "${target}" must not restart`).toBe('no');
    }
    if (svc.profiles === undefined && !ONE_SHOT.includes(name)) expect(svc.restart, `service "${name}": restart policy`).toBe('unless-stopped');
  }
  for (const name of ['cli', ...ONE_SHOT]) expect(service(name).restart, `service "${name}": restart policy`).toBe('no');
});

test('published ports: no clashes, databases unpublished, only the API on all interfaces', () => {
  const published = Object.entries(compose.services).flatMap(([name, svc]) => portMappings(svc).map((p) => ({ name, ...p })));
  const hostPorts = published.map((p) => p.published);
  expect(new Set(hostPorts).size, `a host port is published twice: ${hostPorts.join(', ')}`).toBe(hostPorts.length);
  expect(published.filter((p) => p.hostIp === undefined).map((p) => p.name)).toEqual(['api']);
  for (const p of published.filter((q) => q.name !== 'api')) expect(p.hostIp, `service "${p.name}" publishes ${p.published} beyond this machine`).toBe('127.0.0.1');
  for (const db of ['mongodb', 'postgresql']) expect(portMappings(service(db)), `service "${db}" is published`).toEqual([]);
  expect(Object.fromEntries(published.map((p) => [p.name, `${p.published}->${p.target}`]))).toEqual({
    api: '8080->8080',
    'temporal-ui': '8233->8080',
    temporal: '7233->7233',
    mailpit: '8025->8025',
  });
});

describe('secrets', () => {
  test('the file holds no password or token: each comes from the environment (.env), with no default', () => {
    const lines = RAW.split('\n');
    const secretLines = lines.filter((l) => /^\s*[A-Z_]*(PASSWORD|PWD|TOKEN|SECRET)[A-Z_]*:/.test(l));
    expect(secretLines.map((l) => l.trim().split(':')[0])).toEqual(['MONGO_INITDB_ROOT_PASSWORD', 'POSTGRES_PASSWORD', 'SQL_PASSWORD', 'POSTGRES_PWD', 'ADMIN_TOKEN', 'VIEWER_TOKEN']);
    for (const l of secretLines) {
      expect(l, 'a secret must be ${VAR:?message} or ${VAR:-} (empty default)').toMatch(/:\s*\$\{[A-Z_]+(:\?[^}]+|:-)\}\s*$/);
    }
    // Passwords inside URLs, too.
    for (const [, userinfo] of RAW.matchAll(/[a-z+]+:\/\/([^\s/@]*)@/g)) {
      const password = userinfo!.slice(userinfo!.indexOf(':') + 1);
      expect(password, `a URL in docker-compose.yml carries a literal password`).toMatch(/^\$\{[A-Z_]+:\?[^}]+\}$/);
    }
  });

  test('each secret reaches exactly the variables that need it, never a command line or healthcheck', () => {
    const found: Record<string, string[]> = {};
    const walk = (v: unknown, path: string): void => {
      if (typeof v === 'string') {
        for (const [key, secret] of Object.entries(SECRETS)) if (v.includes(secret)) (found[key] ??= []).push(path);
      } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
    };
    walk(compose, '');
    expect(found).toEqual({
      MONGO_PASSWORD: [
        'services.api.environment.MONGODB_URI',
        'services.cli.environment.MONGODB_URI',
        'services.mongodb.environment.MONGO_INITDB_ROOT_PASSWORD',
        'services.worker.environment.MONGODB_URI',
      ],
      POSTGRES_PASSWORD: [
        'services.postgresql.environment.POSTGRES_PASSWORD',
        'services.temporal.environment.POSTGRES_PWD',
        'services.temporal-schema.environment.SQL_PASSWORD',
      ],
      ADMIN_TOKEN: ['services.api.environment.ADMIN_TOKEN'],
      VIEWER_TOKEN: ['services.api.environment.VIEWER_TOKEN'],
    });
  });

  test('.env is ignored by git and by the image build; .env.example names every variable the file needs', () => {
    expect(readFileSync(`${ROOT}.gitignore`, 'utf8').split('\n')).toContain('.env');
    expect(readFileSync(`${ROOT}.dockerignore`, 'utf8').split('\n')).toContain('.env');
    const example = readFileSync(`${ROOT}.env.example`, 'utf8');
    const required = [...new Set([...RAW.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]!))].sort();
    expect(required).toEqual(['MONGO_PASSWORD', 'POSTGRES_PASSWORD']);
    for (const v of [...required, 'ADMIN_TOKEN', 'VIEWER_TOKEN']) expect(example, `.env.example does not mention ${v}`).toMatch(new RegExp(`^${v}=$`, 'm'));
  });
});
