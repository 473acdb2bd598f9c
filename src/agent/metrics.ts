import { statfs } from 'node:fs/promises';
import os from 'node:os';

export interface DiskUsage {
  mount: string;
  /** Bytes. */
  total: number;
  /** Bytes in use (total minus free). */
  used: number;
}

/**
 * One report's body, as the agent sends it to `POST /api/v1/report`. Field names and types are the ones the
 * API validates (src/api/validate.ts): a report of another shape would be refused and the host look offline.
 */
export interface Metrics {
  hostname: string;
  /** Platform and kernel release, e.g. "linux 6.8.0-49-generic". */
  os: string;
  /** Seconds since the machine booted. */
  uptime: number;
  /** 1, 5 and 15 minute load averages (zeros on Windows). */
  load: [number, number, number];
  /** Busy share of all CPUs over the sampling window, 0-100. */
  cpu: number;
  /** Logical CPUs (`os.cpus().length`, at least 1): rules on load per CPU (`--per-cpu`) divide by it. */
  cpus: number;
  /** Bytes; `used` is total minus `os.freemem()`, which on Linux is MemAvailable (page cache is not counted as used). */
  memory: { total: number; used: number };
  /** Bytes per mount point; `/` by default. */
  disk: DiskUsage[];
  /** The agent's clock when sampled; the server timestamps reports with its own clock. */
  collectedAt: string;
}

interface CpuTimes {
  idle: number;
  total: number;
}

function cpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** CPU usage over `sampleMs`, from two readings of the per-CPU time counters. */
export async function cpuPercent(sampleMs = 200): Promise<number> {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, sampleMs));
  const b = cpuTimes();
  const total = b.total - a.total;
  if (total <= 0) return 0;
  const busy = total - (b.idle - a.idle);
  return Math.min(100, Math.max(0, Math.round((busy / total) * 1000) / 10));
}

export async function diskUsage(mount: string): Promise<DiskUsage> {
  const s = await statfs(mount);
  const total = s.blocks * s.bsize;
  return { mount, total, used: total - s.bfree * s.bsize };
}

/** Samples this machine; takes about `cpuSampleMs`. A disk that cannot be read is left out, not fatal. */
export async function collectMetrics(options: { cpuSampleMs?: number; mounts?: string[] } = {}): Promise<Metrics> {
  const [cpu, disks] = await Promise.all([
    cpuPercent(options.cpuSampleMs ?? 200),
    Promise.all((options.mounts ?? ['/']).map((m) => diskUsage(m).catch(() => undefined))),
  ]);
  const total = os.totalmem();
  const [l1 = 0, l5 = 0, l15 = 0] = os.loadavg();
  return {
    hostname: os.hostname(),
    os: `${os.platform()} ${os.release()}`,
    uptime: Math.round(os.uptime()),
    load: [l1, l5, l15],
    cpu,
    // os.cpus() can be empty where /proc/cpuinfo is unreadable; the API refuses 0.
    cpus: Math.max(1, os.cpus().length),
    memory: { total, used: Math.max(0, total - os.freemem()) },
    disk: disks.filter((d): d is DiskUsage => d !== undefined),
    collectedAt: new Date().toISOString(),
  };
}
