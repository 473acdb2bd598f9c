/**
 * The Dockerfile, statically (no engine here): what it copies exists and is not excluded by .dockerignore; it
 * runs as non-root with an exec-form node entry. Then what the image's build does, done for real in a temporary
 * directory: the files it copies plus `npm ci --omit=dev`, from which every hostwatch entry point of the compose
 * file must start far enough to validate its configuration (exit 2), not fail on a missing module.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { composeConfig, parseYaml, ROOT, run, type ComposeFile } from './support.js';

interface Instruction {
  op: string;
  args: string;
}

function dockerfile(): Instruction[] {
  const text = readFileSync(`${ROOT}Dockerfile`, 'utf8').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

const instructions = dockerfile();
const PKG = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

function copySources(): string[] {
  return instructions.filter((i) => i.op === 'COPY').flatMap((i) => i.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1));
}

function cmd(): string[] {
  const c = instructions.filter((i) => i.op === 'CMD');
  expect(c, 'Dockerfile: exactly one CMD').toHaveLength(1);
  return JSON.parse(c[0]!.args) as string[];
}

test('base image: Node.js 20 slim, pinned to a release', () => {
  const from = instructions.filter((i) => i.op === 'FROM').map((i) => i.args);
  expect(from).toEqual(['node:20.20.2-bookworm-slim']);
});

test('installs production dependencies only, from the lockfile, before copying the code', () => {
  const ops = instructions.map((i) => `${i.op} ${i.args}`);
  const install = ops.findIndex((o) => /^RUN npm ci --omit=dev\b/.test(o));
  expect(install, 'Dockerfile: RUN npm ci --omit=dev').toBeGreaterThan(-1);
  expect(ops.findIndex((o) => o === 'COPY package.json package-lock.json ./')).toBeLessThan(install);
  expect(ops.findIndex((o) => o === 'COPY src ./src')).toBeGreaterThan(install);
  expect(ops).toContain('ENV NODE_ENV=production');
  // tsx loads the TypeScript at run time, so it must be a production dependency.
  expect(Object.keys(PKG.dependencies)).toContain('tsx');
});

test('runs as the unprivileged node user, node itself as the process (exec form), the worker by default', () => {
  const ops = instructions.map((i) => i.op);
  const user = instructions.filter((i) => i.op === 'USER').map((i) => i.args);
  expect(user).toEqual(['node']);
  expect(ops.lastIndexOf('RUN')).toBeLessThan(ops.indexOf('USER'));
  expect(ops.indexOf('USER')).toBeLessThan(ops.indexOf('CMD'));
  expect(cmd()).toEqual(['node', '--import', 'tsx', 'src/worker.ts']);
  expect(instructions.some((i) => i.op === 'ENTRYPOINT'), 'an ENTRYPOINT would wrap the compose commands').toBe(false);
});

test('everything it copies exists and is not excluded by .dockerignore, which excludes local state and secrets', () => {
  const ignored = readFileSync(`${ROOT}.dockerignore`, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  expect(copySources().sort()).toEqual(['package-lock.json', 'package.json', 'src', 'tsconfig.json']);
  for (const src of copySources()) {
    expect(existsSync(`${ROOT}${src}`), `Dockerfile copies ${src}, which does not exist`).toBe(true);
    expect(ignored.filter((p) => p === src || src.startsWith(`${p}/`)), `.dockerignore excludes ${src}, which the Dockerfile copies`).toEqual([]);
  }
  for (const p of ['node_modules', '.git', '.env', '.hostwatch', 'test', 'coverage', '*.log']) expect(ignored, `.dockerignore should exclude ${p}`).toContain(p);
});

/** Every file under src/, recursively. */
function sourceFiles(dir = `${ROOT}src`): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('nothing under src/ imports a devDependency (the image has none)', () => {
  const builtins = new Set(builtinModules);
  const offenders: string[] = [];
  for (const file of sourceFiles()) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
      // `import type` disappears at run time.
      if (/^\s*(import|export)\s+type\s/.test(m[0])) continue;
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      if (!(pkg in PKG.dependencies)) offenders.push(`${file.slice(ROOT.length)}: ${spec}`);
    }
  }
  expect(offenders).toEqual([]);
});

// The image's build, without Docker: the files it copies, then its install command.
let image: string;

beforeAll(async () => {
  image = mkdtempSync(join(tmpdir(), 'hostwatch-image-'));
  for (const src of copySources()) cpSync(`${ROOT}${src}`, join(image, src), { recursive: true });
  const install = instructions.find((i) => i.op === 'RUN' && i.args.startsWith('npm ci'))!.args.split('&&')[0]!.trim().split(/\s+/);
  const r = await run('npm', [...install.slice(1), '--prefer-offline'], { cwd: image, timeoutMs: 300_000 });
  expect(r.code, `${install.join(' ')} failed:\n${r.stderr}`).toBe(0);
}, 320_000);

afterAll(() => {
  if (image) rmSync(image, { recursive: true, force: true });
});

test('the production install has tsx and none of the packages the lockfile marks development-only', () => {
  expect(existsSync(join(image, 'node_modules', 'tsx', 'package.json'))).toBe(true);
  const lock = JSON.parse(readFileSync(`${ROOT}package-lock.json`, 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const devOnly = Object.entries(lock.packages)
    .filter(([path, p]) => p.dev === true && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path))
    .map(([path]) => path);
  for (const d of ['vitest', 'typescript', '@temporalio/testing', 'fast-check', 'playwright-core']) expect(devOnly).toContain(`node_modules/${d}`);
  expect(devOnly.filter((path) => existsSync(join(image, path)))).toEqual([]);
});

test("every compose entry point and the image's CMD start from the production install and reach config validation", async () => {
  const r = await composeConfig({ MONGO_PASSWORD: 'x0', POSTGRES_PASSWORD: 'y0' });
  expect(r.code, r.stderr).toBe(0);
  const compose = (await parseYaml(r.stdout)) as ComposeFile;
  const entries: Record<string, string[]> = { 'Dockerfile CMD': cmd() };
  for (const [name, svc] of Object.entries(compose.services)) {
    if (svc.build === undefined) continue;
    entries[name] = svc.entrypoint ? [...svc.entrypoint, ...(name === 'cli' ? ['schedule', 'describe'] : svc.command ?? [])] : svc.command!;
  }
  expect(Object.keys(entries).sort()).toEqual(['Dockerfile CMD', 'api', 'cli', 'worker']);
  // A minimal environment, as in the container, with one bad variable.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: image, NODE_ENV: 'production', TEMPORAL_ADDRESS: 'no-port' };
  for (const [name, argv] of Object.entries(entries)) {
    expect(argv[0], `${name}: runs node`).toBe('node');
    const p = await run(process.execPath, argv.slice(1), { cwd: image, env });
    expect(p.stderr, `${name}: ${argv.join(' ')}`).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
    expect({ name, code: p.code, stderr: p.stderr.trim() }).toEqual({ name, code: 2, stderr: 'hostwatch: TEMPORAL_ADDRESS: must be host:port, e.g. localhost:7233' });
  }
  // The cli service's default command.
  const help = await run(process.execPath, [...compose.services.cli!.entrypoint!.slice(1), ...compose.services.cli!.command!], { cwd: image, env });
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/Commands:[\s\S]*schedule[\s\S]*hosts[\s\S]*agent/);
}, 120_000);
