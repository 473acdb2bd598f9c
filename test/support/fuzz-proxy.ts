/**
 * A recording HTTP proxy for fuzzing an API: one request at a time, it reads a digest of the state (`state()`)
 * before forwarding a request and again after its answer, and records method, path, status and whether the state
 * changed. So a test can say which answers changed something: none of the refusals may.
 */
import { createHash } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BSON, type Db } from 'mongodb';

export interface ProxyRecord {
  method: string;
  /** Without the query string. */
  path: string;
  status: number;
  /** Whether the state digest differed after the answer. */
  changed: boolean;
  /** Whether the answer (headers or body) held one of the secrets the proxy was given. */
  leaked: boolean;
}

export interface FuzzProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  records: ProxyRecord[];
  stop(): Promise<void>;
}

/** A digest of the collections' documents (sorted by _id, canonical EJSON): equal digests, equal state. */
export function collectionsDigest(db: Db, names: readonly string[]): () => Promise<string> {
  return async () => {
    const hash = createHash('sha256');
    for (const name of names) {
      const docs = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
      hash.update(`${name}\n${BSON.EJSON.stringify(docs, { relaxed: false })}\n`);
    }
    return hash.digest('hex');
  };
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

function forward(target: URL, method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, method, path, headers: { ...headers, host: target.host } }, (res) => {
      readAll(res).then((b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }), reject);
    });
    req.once('error', reject);
    req.end(body);
  });
}

/**
 * Starts the proxy on 127.0.0.1 in front of `target` (`http://127.0.0.1:<port>`); `secrets` are strings no answer
 * may contain.
 */
export async function startFuzzProxy(target: string, state: () => Promise<string>, secrets: readonly string[] = []): Promise<FuzzProxy> {
  const to = new URL(target);
  const records: ProxyRecord[] = [];
  // One request at a time, so each digest pair belongs to one request.
  let queue: Promise<void> = Promise.resolve();
  const server = createServer((req, res) => {
    queue = queue.then(async () => {
      try {
        const body = await readAll(req);
        const before = await state();
        const answer = await forward(to, req.method ?? 'GET', req.url ?? '/', req.headers, body);
        const after = await state();
        const text = JSON.stringify(answer.headers) + answer.body.toString('latin1');
        const leaked = secrets.some((s) => text.includes(s));
        records.push({ method: req.method ?? 'GET', path: (req.url ?? '/').split('?', 1)[0]!, status: answer.status, changed: before !== after, leaked });
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      } catch (err) {
        records.push({ method: req.method ?? 'GET', path: (req.url ?? '/').split('?', 1)[0]!, status: 599, changed: false, leaked: false });
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fuzz proxy: ${(err as Error).message}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    records,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The figures a fuzz run reports: requests, answers by status, state changes by status class. */
export function fuzzFigures(records: readonly ProxyRecord[]) {
  const byStatus: Record<string, number> = {};
  const changesByClass: Record<string, number> = { '2xx': 0, '4xx': 0, '5xx': 0 };
  for (const r of records) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const kind = `${Math.floor(r.status / 100)}xx`;
    if (r.changed) changesByClass[kind] = (changesByClass[kind] ?? 0) + 1;
  }
  return { requests: records.length, byStatus, changesByClass };
}

/** `1022 requests; answers 200: 150, 400: 640, ...; state changed by 2xx: 81, 4xx: 0, 5xx: 0` */
export function figuresLine(figures: ReturnType<typeof fuzzFigures>): string {
  const answers = Object.entries(figures.byStatus).map(([code, n]) => `${code}: ${n}`).join(', ');
  const changes = Object.entries(figures.changesByClass).map(([kind, n]) => `${kind}: ${n}`).join(', ');
  return `${figures.requests} requests; answers ${answers}; state changed by ${changes}`;
}
