/** `npm run api`: the ingest API and status page, on PORT (default 8080), all interfaces. */
import { loadConfigOrExit } from '../config.js';
import { connectMongo } from '../store/mongo.js';
import { HostStore } from '../store/hosts-store.js';
import { buildApi } from './app.js';

async function run(): Promise<void> {
  const config = loadConfigOrExit();
  const mongo = await connectMongo(config.mongo.uri, config.mongo.db);
  const hosts = new HostStore(mongo.db);
  await hosts.ensureIndexes();
  const { perSource, perKey, windowMs, trustProxy, requestLog } = config.apiSecurity;
  const app = buildApi({
    hosts,
    ...(config.api.adminToken !== undefined && { adminToken: config.api.adminToken }),
    authLimits: { perSource, perKey, windowMs },
    ...(trustProxy !== undefined && { trustProxy }),
    logger: requestLog,
  });
  await app.listen({ port: config.api.port, host: '0.0.0.0' });
  console.log(`hostwatch api listening on http://localhost:${config.api.port} (all interfaces)${config.api.adminToken ? '' : '; ADMIN_TOKEN unset, /api/v1/hosts refuses every request'}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`hostwatch api: ${signal}, stopping`);
    void (async () => {
      try {
        await app.close();
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
  console.error(err);
  process.exit(1);
});
