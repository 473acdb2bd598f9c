/**
 * For `npm run dev`: the ingest API and status page, and a reporting agent for this machine that can be
 * stopped and started again from the terminal, so a newcomer can watch an alert and a recovery arrive.
 */
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { runAgent } from '../../src/agent/agent.js';
import { buildApi } from '../../src/api/app.js';
import { RuleCache } from '../../src/api/rule-cache.js';
import { RuleStore } from '../../src/store/rules-store.js';
import { DuplicateHostError, HostStore } from '../../src/store/hosts-store.js';
import { connectMongo } from '../../src/store/mongo.js';
import { NoticeLogStore } from '../../src/store/notice-log-store.js';

export interface LocalHost {
  apiUrl: string;
  hostName: string;
  close(): Promise<void>;
}

/** A host name for this machine that the hosts registry accepts. */
function localHostName(): string {
  return (hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 100) || 'this-machine').toLowerCase();
}

export async function startLocalHost(opts: { mongoUri: string; db: string; port: number; adminToken?: string; timezone?: string; log: (line: string) => void }): Promise<LocalHost> {
  const mongo = await connectMongo(opts.mongoUri, opts.db);
  const hosts = new HostStore(mongo.db);
  // The dev agent's reports are evaluated against the metric rules like any API process's.
  const ruleStore = new RuleStore(mongo.db);
  await ruleStore.ensureIndexes();
  const rules = new RuleCache(ruleStore, { onError: (err) => opts.log(`[api] cannot read the rules: ${err instanceof Error ? err.message : String(err)}`) });
  await rules.start();
  // Listening on 127.0.0.1 only, so the status page stays open (readAccess public) as the issue allows for dev.
  // With the history stores, so the host pages' charts fill up as the dev agent reports (docs/status-page.md).
  const history = { ...(hosts.history && { metrics: hosts.history }), outages: hosts.outages, notices: new NoticeLogStore(mongo.db) };
  const api = buildApi({ hosts, rules, history, ...(opts.timezone !== undefined && { timezone: opts.timezone }), readAccess: { public: true }, ...(opts.adminToken !== undefined && { adminToken: opts.adminToken }) });
  const apiUrl = await api.listen({ port: opts.port, host: '127.0.0.1' });

  // Secrets are shown once and stored only as hashes, so the dev agent gets fresh credentials at each start.
  const name = localHostName();
  let credentials;
  try {
    credentials = await hosts.add(name);
  } catch (err) {
    if (!(err instanceof DuplicateHostError)) throw err;
    credentials = await hosts.rotateSecret(name);
  }

  let agent: { stop: AbortController; done: Promise<void> } | undefined;
  const startAgent = () => {
    const stop = new AbortController();
    const done = runAgent({ url: apiUrl, key: credentials.key, secret: credentials.secret, intervalMs: 15_000, signal: stop.signal, log: (l) => opts.log(`[agent] ${l}`) });
    agent = { stop, done };
  };
  const stopAgent = async () => {
    agent?.stop.abort();
    await agent?.done;
    agent = undefined;
  };
  startAgent();

  const input = process.stdin.isTTY ? createInterface({ input: process.stdin }) : undefined;
  input?.on('line', (line) => {
    if (line.trim() !== 'a') return;
    if (agent) {
      void stopAgent().then(() => opts.log(`[agent] stopped: "${name}" goes offline; its first alert comes 1-2 minutes from now. Type a + Enter to start it again.`));
    } else {
      startAgent();
      opts.log(`[agent] started again: the next check sends "${name}" back online.`);
    }
  });

  return {
    apiUrl,
    hostName: name,
    async close() {
      input?.close();
      await stopAgent();
      rules.stop();
      await api.close();
      await mongo.close();
    },
  };
}
