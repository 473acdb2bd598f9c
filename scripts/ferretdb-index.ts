/**
 * `npm run ferretdb-index -- <FerretDB state dir or .sqlite file> [--watch]`: adds the `_id` index FerretDB 1.x's
 * SQLite backend lacks (scripts/lib/ferretdb-id-index.ts, docs/deploy.md). Safe to run while FerretDB runs, and
 * again at any time: tables that have the index are left alone.
 */
import { parseArgs } from 'node:util';
import { ensureIdIndexes, ferretDbFiles, watchIdIndexes } from './lib/ferretdb-id-index.js';

const USAGE = `usage: npm run ferretdb-index -- <dir|file.sqlite> [--watch] [--interval-ms N]

  Adds an SQLite index on _ferretdb_sjson->'$._id' to the table of every collection in each FerretDB
  database file (<db>.sqlite) of the directory FerretDB's --sqlite-url names, so finds and updates by _id
  search an index instead of scanning the table. FerretDB's own indexes, listIndexes and stats are unchanged.

  --watch          keep running and index collections created or re-created later (Ctrl-C stops)
  --interval-ms N  how often --watch looks (default 1000)
  --help           this text
`;

function main(): void {
  const { values, positionals } = parseArgs({
    options: { watch: { type: 'boolean' }, 'interval-ms': { type: 'string' }, help: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (values.help) return void console.log(USAGE);
  const [target] = positionals;
  if (!target || positionals.length > 1) {
    console.error(`ferretdb-index: give exactly one FerretDB directory or .sqlite file\n\n${USAGE}`);
    process.exit(2);
  }
  const files = ferretDbFiles(target);
  if (files.length === 0 && !values.watch) {
    console.error(`ferretdb-index: no FerretDB database files (*.sqlite) at ${target}`);
    process.exit(1);
  }
  for (const file of files) {
    const created = ensureIdIndexes(file);
    console.log(`${file}: ${created.length === 0 ? 'every collection already has the _id index' : `indexed ${created.join(', ')}`}`);
  }
  if (!values.watch) return;
  const intervalMs = Number(values['interval-ms'] ?? 1000);
  if (!Number.isInteger(intervalMs) || intervalMs < 100) {
    console.error(`ferretdb-index: --interval-ms must be a whole number of at least 100, got "${values['interval-ms']}"`);
    process.exit(2);
  }
  const watcher = watchIdIndexes(target, { intervalMs, onError: (err) => console.error(`ferretdb-index: ${String(err)}`) });
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const stop = () => {
    watcher.stop();
    clearInterval(keepAlive);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

try {
  main();
} catch (err) {
  console.error(`ferretdb-index: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
