/** `npm run api`: the ingest API and status page, on PORT (default 8080), all interfaces. */
import { loadConfigOrExit, type Config } from '../config.js';
import { earlyProcessLog } from '../logging.js';
import { connectMongo } from '../store/mongo.js';
import { HostStore } from '../store/hosts-store.js';
import { buildApi } from './app.js';
import { RuleCache } from './rule-cache.js';
import { RuleStore } from '../store/rules-store.js';
import { AuthFailureStore } from '../store/auth-failures-store.js';
import { AuthFailureLimiter } from './auth-limiter.js';
import { NoticeLogStore } from '../store/notice-log-store.js';
import { EnrollStore } from '../store/enroll-store.js';

/** Who can read the status page, for the start-up line. */
function statusAccessLine(api: Readonly<Config['api']>): string {
  if (api.statusPublic) return 'status page public (STATUS_PUBLIC=true)';
  if (api.viewerToken === undefined && api.adminToken === undefined) return 'status page private and VIEWER_TOKEN unset: nobody can read it';
  return 'status page private (viewer or admin token)';
}

async function run(): Promise<void> {
  const config = loadConfigOrExit();
  const mongo = await connectMongo(config.mongo.uri, config.mongo.db);
  // Each report adds a point to the metric history unless HISTORY_METRICS=false (docs/history.md).
  const hosts = new HostStore(mongo.db, config.history.metrics ? {} : { history: false });
  await hosts.ensureIndexes();
  const ruleStore = new RuleStore(mongo.db);
  await ruleStore.ensureIndexes();
  const rules = new RuleCache(ruleStore, { onError: (err) => earlyProcessLog().error('hostwatch api: cannot read the rules; keeping the last ones read', { error: err }) });
  await rules.start();
  // LOG_FORMAT=json: every request and these start/stop lines are JSON lines on stdout; text: start/stop lines only.
  const json = config.log.format === 'json';
  const { trustProxy, ...authLimits } = config.auth;
  // Failed-authentication counts shared with the other API processes on this database (docs/security.md).
  const authLimiter = new AuthFailureLimiter(authLimits, undefined, {
    store: new AuthFailureStore(mongo.db),
    onError: (err) => earlyProcessLog().error('hostwatch api: failed-authentication limits: database error; using this process\'s counts', { error: err }),
  });
  await authLimiter.start();
  const app = buildApi({
    hosts,
    rules,
    ...(config.api.adminToken !== undefined && { adminToken: config.api.adminToken }),
    authLimiter,
    readAccess: { public: config.api.statusPublic, ...(config.api.viewerToken !== undefined && { viewerToken: config.api.viewerToken }), ...(config.api.adminToken !== undefined && { adminToken: config.api.adminToken }) },
    ...(trustProxy !== undefined && { trustProxy }),
    logger: json,
    logLevel: config.log.level,
    // Host pages, the history API and the overview's uptime and sparklines (docs/status-page.md).
    history: { ...(hosts.history && { metrics: hosts.history }), outages: hosts.outages, notices: new NoticeLogStore(mongo.db) },
    timezone: config.timezone,
    enroll: new EnrollStore(mongo.db), // POST /api/v1/enroll (docs/agent.md)
    db: mongo.db, // the management API's stores (src/api/manage/, docs/api.md)
  });
  const say = (line: string): void => (json ? app.log.info(line) : console.log(line));
  await app.listen({ port: config.api.port, host: '0.0.0.0' });
  say(`hostwatch api listening on http://localhost:${config.api.port} (all interfaces)${config.api.adminToken ? '' : '; ADMIN_TOKEN unset, /api/v1/hosts refuses every request'}; ${statusAccessLine(config.api)}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    say(`hostwatch api: ${signal}, stopping`);
    void (async () => {
      try {
        rules.stop();
        authLimiter.stop();
        await app.close();
        await hosts.history?.flush(); // points of the last reports (metric-history.ts recordSafely)
        await mongo.close();
        process.exit(0);
      } catch (err) {
        console.error(err);
        process.exit(1);
      }
    })();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

run().catch((err) => {
  earlyProcessLog().error('hostwatch api: failed', { error: err });
  process.exit(1);
});
