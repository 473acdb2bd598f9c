/**
 * Log lines in hostwatch's two formats: human-readable text, or one JSON object per line (`time`, `level`,
 * `message`, then fields). Type-only imports from the SDK, so the API server can use this without the worker.
 */
import type { LogEntry, LogLevel, LogMetadata } from '@temporalio/worker';
import type { Config } from './config.js';

type LogFormat = Config['log']['format'];

/** Fields every JSON line starts with; metadata using one of these names is kept under `fields` instead. */
const RESERVED = new Set(['time', 'level', 'message']);

function plainError(err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: err.message };
  for (const key of ['type', 'nonRetryable', 'code', 'responseCode'] as const) {
    const v = (err as unknown as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  if (err.stack !== undefined) out.stack = err.stack;
  if (err.cause !== undefined) out.cause = err.cause;
  return out;
}

/** JSON.stringify that copes with what log metadata holds: errors, bigints, functions and repeated references. */
export function safeStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'function' || typeof v === 'symbol') return undefined;
    if (v instanceof Error) v = plainError(v);
    if (v !== null && typeof v === 'object') {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
}

/** One log entry as one line of JSON: `time` (ISO 8601), `level` (lower case), `message`, then the metadata. */
export function jsonLogLine(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const line: Record<string, unknown> = { time, level: entry.level.toLowerCase(), message: entry.message };
  const clashes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry.meta ?? {})) {
    if (RESERVED.has(key)) clashes[key] = value;
    else line[key] = value;
  }
  if (Object.keys(clashes).length > 0) line.fields = clashes;
  return safeStringify(line);
}

/**
 * hostwatch's own start/stop/failure lines: plain text on stdout/stderr as before, or JSON lines on stdout.
 * They are written whatever LOG_LEVEL says, so a running worker always says so.
 */
export interface ProcessLog {
  info(message: string, meta?: LogMetadata): void;
  error(message: string, meta?: LogMetadata): void;
}

export function createProcessLog(format: LogFormat): ProcessLog {
  if (format === 'json') {
    const write = (level: LogLevel, message: string, meta?: LogMetadata): void => {
      const timestampNanos = BigInt(Date.now()) * 1_000_000n;
      process.stdout.write(`${jsonLogLine({ level, message, timestampNanos, meta: { sdkComponent: 'hostwatch', ...meta } })}\n`);
    };
    return { info: (message, meta) => write('INFO', message, meta), error: (message, meta) => write('ERROR', message, meta) };
  }
  return {
    info: (message) => console.log(message),
    error: (message, meta) => (meta?.error !== undefined ? console.error(message, meta.error) : console.error(message)),
  };
}

/** Before the configuration is read: JSON if the environment asks for it, so a failed start is still parseable. */
export function earlyProcessLog(env: NodeJS.ProcessEnv = process.env): ProcessLog {
  return createProcessLog(env.LOG_FORMAT === 'json' ? 'json' : 'text');
}
