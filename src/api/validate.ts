/**
 * Validation of report bodies. A rejected report leaves the host's `lastReportAt` untouched, so the host
 * looks offline and alerts go out: only what is certainly wrong is refused. Unknown fields are kept as sent;
 * the known ones are checked when present (null counts as present, and as the wrong type).
 */

/** Deepest nesting accepted (MongoDB refuses documents nested over 100 levels; no report needs more). */
export const MAX_DEPTH = 32;

export class BodyError extends Error {
  override name = 'BodyError';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function fieldPath(parent: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/**
 * Nested arrays (FerretDB 1.x refuses them) and field names MongoDB (or FerretDB) could refuse inside `$set: { data }`, which would fail the write after
 * the request was accepted: names starting with `$`, containing `.` or NUL, empty, and `__proto__`.
 */
function checkNames(value: unknown, path: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new BodyError(`body is nested more than ${MAX_DEPTH} levels deep (at ${path})`);
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      // FerretDB 1.x refuses nested arrays; hostwatch stores only what MongoDB and FerretDB both accept.
      if (Array.isArray(v)) throw new BodyError(`${path}[${i}] is an array inside an array, which cannot be stored`);
      checkNames(v, `${path}[${i}]`, depth + 1);
    });
  } else if (isObject(value)) {
    for (const key of Object.keys(value)) {
      if (key === '' || key.startsWith('$') || key.includes('.') || key.includes('\0') || key === '__proto__') {
        throw new BodyError(`${fieldPath(path, key)} is not an allowed field name (names must not be empty, start with "$", or contain "." or NUL)`);
      }
      checkNames(value[key], fieldPath(path, key), depth + 1);
    }
  }
}

/** Parses and validates a report body; throws BodyError with a message naming the field. */
export function parseReport(raw: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new BodyError('body is not valid JSON');
  }
  if (!isObject(body)) throw new BodyError('body must be a JSON object');
  checkNames(body, 'body', 1);

  const b = body;
  if ('hostname' in b && typeof b.hostname !== 'string') throw new BodyError('body.hostname must be a string');
  if ('os' in b && typeof b.os !== 'string') throw new BodyError('body.os must be a string');
  if ('uptime' in b && !(isNumber(b.uptime) && b.uptime >= 0)) throw new BodyError('body.uptime must be a number >= 0');
  // The reporter's interval in seconds: the host is offline only after it plus the check's grace (ALERTING.md rule 9).
  if ('interval' in b && !(isNumber(b.interval) && b.interval >= 1 && b.interval <= 86_400)) throw new BodyError('body.interval must be a number of seconds from 1 to 86400');
  if ('cpu' in b && !(isNumber(b.cpu) && b.cpu >= 0 && b.cpu <= 100)) throw new BodyError('body.cpu must be a number from 0 to 100');
  // Logical CPUs: load rules with --per-cpu divide the load by it.
  if ('cpus' in b && !(Number.isSafeInteger(b.cpus) && (b.cpus as number) >= 1)) throw new BodyError('body.cpus must be a whole number >= 1 (logical CPUs)');
  if ('load' in b) {
    if (!Array.isArray(b.load)) throw new BodyError('body.load must be an array of numbers');
    b.load.forEach((v, i) => {
      if (!isNumber(v)) throw new BodyError(`body.load[${i}] must be a number`);
    });
  }
  if ('memory' in b) {
    const m = b.memory;
    if (!isObject(m)) throw new BodyError('body.memory must be an object { total: number, used: number }');
    for (const k of ['total', 'used'] as const) {
      if (!isNumber(m[k])) throw new BodyError(`body.memory.${k} must be a number`);
    }
  }
  if ('disk' in b) {
    if (!Array.isArray(b.disk)) throw new BodyError('body.disk must be an array of { mount: string, total: number, used: number }');
    b.disk.forEach((d, i) => {
      if (!isObject(d)) throw new BodyError(`body.disk[${i}] must be an object { mount: string, total: number, used: number }`);
      if (typeof d.mount !== 'string') throw new BodyError(`body.disk[${i}].mount must be a string`);
      for (const k of ['total', 'used'] as const) {
        if (!isNumber(d[k])) throw new BodyError(`body.disk[${i}].${k} must be a number`);
      }
    });
  }
  return b;
}

/** The few metrics the public status shows, read defensively (data stored before validation may be anything). */
export interface PublicMetrics {
  cpu: number | null;
  memoryUsed: number | null;
  memoryTotal: number | null;
  diskUsed: number | null;
  diskTotal: number | null;
  load1: number | null;
  uptime: number | null;
}

export function publicMetrics(data: Record<string, unknown> | null): PublicMetrics {
  const num = (v: unknown): number | null => (isNumber(v) ? v : null);
  const d = isObject(data) ? data : {};
  const memory = isObject(d.memory) ? d.memory : {};
  const root = Array.isArray(d.disk) ? d.disk.find((x): x is Record<string, unknown> => isObject(x) && x.mount === '/') : undefined;
  return {
    cpu: num(d.cpu),
    memoryUsed: num(memory.used),
    memoryTotal: num(memory.total),
    diskUsed: num(root?.used),
    diskTotal: num(root?.total),
    load1: Array.isArray(d.load) ? num(d.load[0]) : null,
    uptime: num(d.uptime),
  };
}
