/** Reads docker-compose.yml the way Docker Compose does, with Debian's docker-compose (no engine needed). */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(file: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { cwd: opts.cwd ?? ROOT, env: opts.env ?? { ...process.env }, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: (string | { published?: number | string; target: number; host_ip?: string })[];
  expose?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  profiles?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

// An empty env file, so a developer's own .env never changes what the test sees.
const emptyEnvFile = join(mkdtempSync(join(tmpdir(), 'hostwatch-compose-')), 'empty.env');
writeFileSync(emptyEnvFile, '');

/**
 * `docker-compose config` on the repository's file with exactly `vars` as the environment (plus PATH), all
 * profiles enabled. Compose interpolates and normalizes; the caller gets its exit code and output.
 */
export function composeConfig(vars: Record<string, string>): Promise<Run> {
  return run('docker-compose', ['--env-file', emptyEnvFile, '--profile', 'tools', '-f', 'docker-compose.yml', 'config'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...vars },
  });
}

/** The normalized YAML as an object, parsed by PyYAML (a dependency of docker-compose itself). */
export async function parseYaml(text: string): Promise<unknown> {
  const r = await run('python3', ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], { input: text });
  if (r.code !== 0) throw new Error(`python3 could not parse the YAML: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export interface PortMapping {
  hostIp?: string;
  published?: number;
  target: number;
}

/** Both forms docker-compose 1.29 prints: `{ published, target }` and the string "ip:host:container/proto". */
export function portMappings(svc: ComposeService): PortMapping[] {
  return (svc.ports ?? []).map((p) => {
    if (typeof p !== 'string') return { target: Number(p.target), ...(p.published !== undefined && { published: Number(p.published) }), ...(p.host_ip && { hostIp: p.host_ip }) };
    const parts = p.replace(/\/(tcp|udp)$/, '').split(':');
    const target = Number(parts.pop());
    const published = parts.length > 0 ? Number(parts.pop()) : undefined;
    const hostIp = parts.length > 0 ? parts.join(':') : undefined;
    return { target, ...(published !== undefined && { published }), ...(hostIp !== undefined && { hostIp }) };
  });
}

/** Every port the service's container listens on, as declared by `expose` or `ports`. */
export function containerPorts(svc: ComposeService): Set<number> {
  return new Set([...(svc.expose ?? []).map((p) => Number(String(p).replace(/\/(tcp|udp)$/, ''))), ...portMappings(svc).map((p) => p.target)]);
}

/**
 * The host path behind `containerPath` in the service's bind mounts ("/host/dir:/container/dir[:ro]"), or
 * undefined when no bind mount covers it. docker-compose config prints the host side as an absolute path.
 */
export function hostPathOf(svc: ComposeService, containerPath: string): string | undefined {
  for (const v of svc.volumes ?? []) {
    const [source, target] = v.split(':');
    if (!source!.startsWith('/') || target === undefined) continue;
    if (containerPath === target) return source;
    if (containerPath.startsWith(`${target}/`)) return `${source}${containerPath.slice(target.length)}`;
  }
  return undefined;
}
