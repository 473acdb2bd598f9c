/**
 * The host page's server time with 90 days of history (issue 13, bench item `hostpage`; bench/lib/host-page.ts).
 *
 *   tsx bench/host-page.ts [--json] [--mongo-uri URI] [--fleet LIST] [--requests R]
 *
 * Without --mongo-uri a FerretDB is started in a temporary directory; the database is dropped at the end. Progress
 * goes to stderr; stdout gets the table, or with --json exactly one JSON line.
 */
import { parseArgs } from 'node:util';
import { benchDatabase, cleanUpOnSignal, type Cleanup } from './lib/api-process.js';
import { hostPageTable, measureHostPage, type HostPageResult } from './lib/host-page.js';
import { log, scriptArgs } from './lib/script-args.js';
import { tableText } from './report.js';

const HELP = `usage: tsx bench/host-page.ts [options]

  --json             one JSON line on stdout (the table goes to stderr)
  --mongo-uri URI    use this database server instead of starting a FerretDB
  --fleet LIST       other hosts whose outage records and notices fill the collections, comma-separated
                     fleet sizes, a fresh database each (default 0,1000)
  --requests R       timed requests per row, after 3 warm-ups (default 50)
  --help             this text
`;

const { fail, positiveInt } = scriptArgs('bench/host-page', HELP);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { json: { type: 'boolean' }, 'mongo-uri': { type: 'string' }, fleet: { type: 'string' }, requests: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const fleets = (values.fleet ?? '0,1000').split(',').map((v) => v.trim());
  if (fleets.some((v) => !/^\d+$/.test(v))) fail('--fleet must be comma-separated whole numbers');
  const requests = positiveInt(values.requests, '--requests', 50);
  const cleanup: Cleanup = [];
  cleanUpOnSignal('bench/host-page', cleanup, log);
  try {
    let uri = values['mongo-uri'];
    const results: HostPageResult[] = [];
    for (const fleet of fleets.map(Number)) {
      // The first call starts a FerretDB unless --mongo-uri; the others make a fresh database on the same server.
      const db = await benchDatabase('hostpage', { ...(uri !== undefined && { mongoUri: uri }), maxPoolSize: 8, cleanup, log });
      uri = db.uri;
      results.push(await measureHostPage(db.client.db(db.dbName), { fleet, requests, log }));
    }
    const result = { results };
    const text = tableText(hostPageTable(results));
    if (values.json) {
      log(text);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      process.stdout.write(text);
    }
  } finally {
    for (const c of cleanup.splice(0)) await c().catch(() => undefined);
  }
}

main().catch((err) => {
  console.error('bench/host-page failed:', err);
  process.exit(1);
});
