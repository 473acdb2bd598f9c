/**
 * FerretDB 1.24's SQLite backend indexes `_id` as `_ferretdb_sjson->"_id"`, but every statement it runs by `_id`
 * (find, update, delete) says `_ferretdb_sjson->'$._id'`. SQLite uses an expression index only for the exact
 * expression, so each of those statements scans the whole table. An extra index on the statements' expression
 * turns them into an index search. It sits beside FerretDB's own indexes, under a name FerretDB never gives one
 * (its own are `<table>_<index name>`, listed in its metadata), so `listIndexes` and collection stats are unchanged.
 *
 * SQLite through better-sqlite3; FerretDB keeps its database in WAL mode, so this connection and FerretDB's
 * coexist, and FerretDB's prepared statements pick up the new index at their next run (schema change).
 */
import Database from 'better-sqlite3';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The expression of FerretDB 1.x's `_id` statements (internal/backends/sqlite/metadata: IDColumn). */
export const FERRETDB_ID_EXPRESSION = `_ferretdb_sjson->'$._id'`;
const INDEX_PREFIX = 'hostwatch_id_';

export function idIndexName(table: string): string {
  return `${INDEX_PREFIX}${table}`;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Creates the index on the table of every collection (or of the named ones) in one FerretDB SQLite database file
 * that lacks it. Returns the tables indexed now. A file that is not (yet) a FerretDB database is left alone.
 */
export function ensureIdIndexes(file: string, collections?: readonly string[]): string[] {
  const db = new Database(file, { fileMustExist: true, timeout: 10_000 });
  try {
    const meta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_ferretdb_collections'`).get();
    if (!meta) return [];
    const tables = db.prepare(`SELECT name, table_name AS tableName FROM _ferretdb_collections`).all() as { name: string; tableName: string }[];
    const existing = new Set((db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index'`).all() as { name: string }[]).map((r) => r.name));
    const created: string[] = [];
    for (const { name, tableName } of tables) {
      if (collections && !collections.includes(name)) continue;
      if (existing.has(idIndexName(tableName))) continue;
      // IF NOT EXISTS: another process (a second dev run, the CLI) may have just made it.
      db.exec(`CREATE INDEX IF NOT EXISTS ${quoteIdent(idIndexName(tableName))} ON ${quoteIdent(tableName)} (${FERRETDB_ID_EXPRESSION})`);
      created.push(tableName);
    }
    return created;
  } finally {
    db.close();
  }
}

/** The FerretDB database files (`<db>.sqlite`) in a state directory, or the file itself when given one. */
export function ferretDbFiles(path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path)
    .filter((f) => f.endsWith('.sqlite'))
    .map((f) => join(path, f));
}

/** `EXPLAIN QUERY PLAN` details of FerretDB's own find and update by `_id` on a collection's table. */
export function idStatementPlans(file: string, collection: string): { find: string; update: string } {
  const db = new Database(file, { fileMustExist: true, readonly: true, timeout: 10_000 });
  try {
    const row = db.prepare(`SELECT table_name AS tableName FROM _ferretdb_collections WHERE name = ?`).get(collection) as { tableName: string } | undefined;
    if (!row) throw new Error(`no collection "${collection}" in ${file}`);
    const t = quoteIdent(row.tableName);
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('x') as { detail: string }[]).map((r) => r.detail).join('; ');
    return {
      find: plan(`SELECT _ferretdb_sjson FROM ${t} WHERE ${FERRETDB_ID_EXPRESSION} = ?`),
      update: plan(`UPDATE ${t} SET _ferretdb_sjson = _ferretdb_sjson WHERE ${FERRETDB_ID_EXPRESSION} = ?`),
    };
  } finally {
    db.close();
  }
}

/**
 * Keeps the index on every collection of the FerretDB databases under `dir`: checks now and then every
 * `intervalMs`, so a collection created or re-created later gets it within that time. Errors (a file being
 * created or dropped at that moment) are retried at the next tick.
 */
export function watchIdIndexes(dir: string, opts: { intervalMs?: number; onError?: (err: unknown) => void } = {}): { check(): void; stop(): void } {
  const check = () => {
    for (const file of ferretDbFiles(dir)) {
      try {
        ensureIdIndexes(file);
      } catch (err) {
        opts.onError?.(err);
      }
    }
  };
  check();
  const timer = setInterval(check, opts.intervalMs ?? 500);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
