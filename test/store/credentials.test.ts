/**
 * Host secrets at rest and their comparison: after `hosts add` and `rotate-secret` (the CLI, as processes)
 * and reports through the API, no secret is in any document of any collection nor in any file of the
 * database's own directory (a FerretDB started here, so its SQLite files can be read); the stored hash is
 * SHA-256 of the secret; every verification goes through crypto.timingSafeEqual on equal-length buffers.
 */
import * as crypto from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { BSON, ObjectId } from 'mongodb';
import { startFerretDb } from '../../scripts/lib/services.js';
import { buildApi } from '../../src/api/app.js';
import { hashSecret, newCredentials, secretMatches } from '../../src/store/credentials.js';
import { HostStore } from '../../src/store/hosts-store.js';
import { connectMongo, type MongoHandle } from '../../src/store/mongo.js';
import { hostwatchCli } from '../support/cli.js';
import { reportHeaders } from '../api/support.js';

// The real timingSafeEqual, wrapped so the test can see every call and its arguments.
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});
const timingSafeEqual = vi.mocked(crypto.timingSafeEqual);

const DB = 'secrets_at_rest';
let dir: string;
let ferret: Awaited<ReturnType<typeof startFerretDb>>;
let mongo: MongoHandle;
let hosts: HostStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hostwatch-secrets-'));
  ferret = await startFerretDb({ dataDir: dir });
  mongo = await connectMongo(ferret.uri, DB);
  hosts = new HostStore(mongo.db);
  await hosts.ensureIndexes();
});
afterAll(async () => {
  await mongo?.close();
  await ferret?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Every document of every collection of the database, as extended JSON. */
async function dumpDatabase(): Promise<string> {
  const parts: string[] = [];
  for (const { name } of await mongo.db.listCollections().toArray()) {
    parts.push(`${name}: ${BSON.EJSON.stringify(await mongo.db.collection(name).find().toArray(), { relaxed: false })}`);
  }
  return parts.join('\n');
}

/** Every file under the database's directory, read as bytes (SQLite files, write-ahead logs, FerretDB's log). */
function filesUnder(root: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push({ path, bytes: readFileSync(path) });
  }
  return out;
}

/** The forms a leaked secret could take: as sent, and its 32 random bytes as hex and as standard base64. */
function forms(secret: string): string[] {
  const raw = Buffer.from(secret, 'base64url');
  expect(raw).toHaveLength(32);
  return [secret, raw.toString('hex'), raw.toString('base64').replace(/=+$/, '')];
}

const credentialsIn = (stdout: string) => ({ key: /^ {2}key: {4}(\S+)$/m.exec(stdout)![1]!, secret: /^ {2}secret: (\S+)$/m.exec(stdout)![1]! });

test('after hosts add, rotate-secret and reports, no secret is in the database or its files; the hash is SHA-256', async () => {
  const env = { MONGODB_URI: ferret.uri, MONGODB_DB: DB };
  const added = await hostwatchCli(['hosts', 'add', 'web-1'], env);
  expect(added.code).toBe(0);
  const first = credentialsIn(added.stdout);
  const second = credentialsIn((await hostwatchCli(['hosts', 'add', 'db-1'], env)).stdout);
  const rotated = await hostwatchCli(['hosts', 'rotate-secret', 'db-1'], env);
  expect(rotated.code).toBe(0);
  const third = credentialsIn(rotated.stdout);
  const fromStore = await hosts.add('store-added');
  const secrets = [first.secret, second.secret, third.secret, fromStore.secret];
  expect(new Set(secrets).size).toBe(4);

  // Reports with the secrets go through the API into the same database.
  const app = buildApi({ hosts });
  for (const c of [first, third, fromStore]) {
    expect((await app.inject({ method: 'POST', url: '/api/v1/report', headers: reportHeaders(c.key, c.secret), payload: '{"hostname":"x"}' })).statusCode).toBe(204);
  }
  await app.close();

  // The stored hash is exactly SHA-256 (hex) of the secret, as credentials.ts computes it.
  for (const [name, c] of [['web-1', first], ['db-1', third], ['store-added', fromStore]] as const) {
    const doc = await hosts.collection.findOne({ name });
    expect(doc?.secretKey).toBe(c.key);
    expect(doc?.secretHash).toBe(crypto.createHash('sha256').update(c.secret, 'utf8').digest('hex'));
    expect(doc?.secretHash).toBe(hashSecret(c.secret));
  }
  expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'); // FIPS 180-2 test vector

  const dump = await dumpDatabase();
  expect(dump).toMatch(/^hosts: \[/m);
  expect(dump).toContain(hashSecret(first.secret)); // the dump does hold the hashes it should
  for (const s of secrets) for (const f of forms(s)) expect(dump).not.toContain(f);

  // At rest on disk: FerretDB's SQLite files (and write-ahead log) after it has stored all of the above.
  const files = filesUnder(dir);
  expect(files.some((f) => f.path.endsWith(`${DB}.sqlite`))).toBe(true);
  expect(files.some((f) => f.bytes.includes(Buffer.from(hashSecret(third.secret))))).toBe(true); // the scan does see stored data
  for (const s of secrets) for (const f of forms(s)) for (const file of files) expect(file.bytes.includes(Buffer.from(f)), `${file.path} holds a secret`).toBe(false);
});

test('secretMatches compares equal-length digests with timingSafeEqual, whatever is presented', () => {
  const { secret } = newCredentials(new ObjectId().toHexString());
  const stored = hashSecret(secret);
  // One character changed, first or last: to a character it is not (a random secret may start or end with "x").
  const other = (c: string) => (c === 'x' ? 'y' : 'x');
  const presented = ['', 'x', secret, `${secret}x`, secret.slice(1), `${other(secret[0]!)}${secret.slice(1)}`, `${secret.slice(0, -1)}${other(secret.at(-1)!)}`, 'é'.repeat(500), '\u0000'];
  timingSafeEqual.mockClear();
  const results = presented.map((p) => secretMatches(p, stored));
  expect(results).toEqual([false, false, true, false, false, false, false, false, false]);
  expect(timingSafeEqual).toHaveBeenCalledTimes(presented.length);
  for (const [a, b] of timingSafeEqual.mock.calls) {
    expect(a.byteLength).toBe(32);
    expect(b.byteLength).toBe(32);
  }
  // A malformed stored hash is refused without a comparison of different lengths.
  timingSafeEqual.mockClear();
  expect(secretMatches(secret, 'not-hex')).toBe(false);
  expect(timingSafeEqual).not.toHaveBeenCalled();
});

test('the API makes exactly one constant-time comparison per report, for known and unknown keys alike, and one per admin request', async () => {
  const { key, secret } = await hosts.add('timing-1');
  const other = await hosts.add('timing-1-other');
  const app = buildApi({ hosts, adminToken: 'admin-token-for-the-test-0123', authLimits: { perSource: 1000, perKey: 1000, windowMs: 60_000 } });
  const report = (k: string | undefined, s: string | undefined) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (k !== undefined) headers['x-host-key'] = k;
    if (s !== undefined) headers['x-host-secret'] = s;
    return app.inject({ method: 'POST', url: '/api/v1/report', headers, payload: '{}' });
  };
  const cases: [string, () => Promise<{ statusCode: number }>, number][] = [
    ['right secret', () => report(key, secret), 204],
    ['wrong first character', () => report(key, `${secret[0] === 'A' ? 'B' : 'A'}${secret.slice(1)}`), 401],
    ['wrong last character', () => report(key, `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`), 401],
    ['unknown key', () => report('hk_unknown_key_0000000000', secret), 401],
    ['unknown key of the current shape', () => report(`hk_${new ObjectId().toHexString()}_${key.slice(-16)}`, secret), 401],
    ["another host's id in a key of the current shape", () => report(`${other.key.slice(0, 28)}${key.slice(-16)}`, secret), 401],
    ['unknown key of the old shape', () => report('hk_AAAAAAAAAAAAAAAA', secret), 401],
    ['no secret', () => report(key, undefined), 401],
    ['no key', () => report(undefined, secret), 401],
    ['admin, right token', () => app.inject({ method: 'GET', url: '/api/v1/hosts', headers: { authorization: 'Bearer admin-token-for-the-test-0123' } }), 200],
    ['admin, wrong token', () => app.inject({ method: 'GET', url: '/api/v1/hosts', headers: { authorization: 'Bearer admin-token-for-the-test-0124' } }), 401],
    ['admin, no token', () => app.inject({ method: 'GET', url: '/api/v1/hosts' }), 401],
  ];
  for (const [label, send, status] of cases) {
    timingSafeEqual.mockClear();
    expect((await send()).statusCode, label).toBe(status);
    expect(timingSafeEqual, label).toHaveBeenCalledTimes(1);
    const [a, b] = timingSafeEqual.mock.calls[0]!;
    expect(a.byteLength, label).toBe(32);
    expect(b.byteLength, label).toBe(32);
  }
  await app.close();
});

/** Median of `rounds` per-round timings of each function, rounds interleaved in alternating order. */
/**
 * Median over interleaved rounds of time(a) / time(b), each round timing `calls` calls of each back to back
 * (order alternating). Pairing adjacent measurements cancels the drift of a machine whose load changes.
 */
function medianRatio(a: () => unknown, b: () => unknown, rounds: number, calls: number): number {
  const time = (f: () => unknown): number => {
    const t0 = process.hrtime.bigint();
    for (let c = 0; c < calls; c++) f();
    return Number(process.hrtime.bigint() - t0);
  };
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      const ta = time(a);
      ratios.push(ta / time(b));
    } else {
      const tb = time(b);
      ratios.push(time(a) / tb);
    }
  }
  return ratios.sort((x, y) => x - y)[Math.floor(rounds / 2)]!;
}

test('timing: with a 64 KiB presented value, a wrong first or last character and the right one take the same time (within 2x)', () => {
  // A long value makes an early exit obvious: comparing it character by character would differ a thousandfold.
  const right = 'x'.repeat(65_536);
  const stored = hashSecret(right);
  const firstWrong = `y${right.slice(1)}`;
  const lastWrong = `${right.slice(0, -1)}y`;
  const check = (v: string) => () => secretMatches(v, stored);
  for (const v of [right, firstWrong, lastWrong]) secretMatches(v, stored); // warm up
  const ratios = [medianRatio(check(firstWrong), check(lastWrong), 101, 5), medianRatio(check(right), check(lastWrong), 101, 5)];
  console.log(`secretMatches, 64 KiB values: median time ratio first-wrong/last-wrong ${ratios[0]!.toFixed(3)}, right/last-wrong ${ratios[1]!.toFixed(3)}`);
  for (const r of ratios) {
    expect(r).toBeGreaterThan(0.5);
    expect(r).toBeLessThan(2);
  }
  // The same harness does see an early exit: a character-by-character comparison of the same values.
  const naive = (v: string) => () => {
    for (let i = 0; i < v.length; i++) if (v[i] !== right[i]) return false;
    return true;
  };
  const early = medianRatio(naive(lastWrong), naive(firstWrong), 101, 5);
  console.log(`early-exit comparison: last-wrong/first-wrong ${early.toFixed(1)}`);
  expect(early).toBeGreaterThan(10);
});

test('timing through the API: an unknown key and a known key with a wrong secret answer in the same time (within 2x)', async () => {
  const { key, secret } = await hosts.add('timing-2');
  const app = buildApi({ hosts, authLimits: { perSource: 100_000, perKey: 100_000, windowMs: 60_000 } });
  const send = (k: string, s: string) => () => app.inject({ method: 'POST', url: '/api/v1/report', headers: reportHeaders(k, s), payload: '{}' });
  const fns = [send(key, `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`), send(`hk_${new ObjectId().toHexString()}_${key.slice(-16)}`, secret)];
  // Paired per round (order alternating), as in medianRatio: the median of unknown/known over 61 rounds.
  const ratios: number[] = [];
  const time = async (f: () => Promise<{ statusCode: number }>) => {
    const t0 = process.hrtime.bigint();
    for (let c = 0; c < 5; c++) expect((await f()).statusCode).toBe(401);
    return Number(process.hrtime.bigint() - t0);
  };
  for (let r = 0; r < 61; r++) {
    if (r % 2 === 0) {
      const k = await time(fns[0]!);
      ratios.push((await time(fns[1]!)) / k);
    } else {
      const u = await time(fns[1]!);
      ratios.push(u / (await time(fns[0]!)));
    }
  }
  const ratio = ratios.sort((x, y) => x - y)[30]!;
  console.log(`API 401, unknown key vs known key with a wrong secret: median time ratio ${ratio.toFixed(3)} over 61 paired rounds of 5 requests`);
  expect(ratio).toBeGreaterThan(0.5);
  expect(ratio).toBeLessThan(2);
  await app.close();
});
