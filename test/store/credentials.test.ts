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
import { BSON } from 'mongodb';
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
  const { secret } = newCredentials();
  const stored = hashSecret(secret);
  const presented = ['', 'x', secret, `${secret}x`, secret.slice(1), `x${secret.slice(1)}`, `${secret.slice(0, -1)}x`, 'é'.repeat(500), '\u0000'];
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
function medians(fns: (() => unknown)[], rounds: number, callsPerRound: number): number[] {
  const samples: number[][] = fns.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? fns.map((_, i) => i) : fns.map((_, i) => fns.length - 1 - i);
    for (const i of order) {
      const t0 = process.hrtime.bigint();
      for (let c = 0; c < callsPerRound; c++) fns[i]!();
      samples[i]!.push(Number(process.hrtime.bigint() - t0));
    }
  }
  return samples.map((s) => s.sort((x, y) => x - y)[Math.floor(s.length / 2)]!);
}

test('timing: wrong first character, wrong last character and the right secret take the same time (within 1.5x)', () => {
  const { secret } = newCredentials();
  const stored = hashSecret(secret);
  const firstWrong = `${secret[0] === 'A' ? 'B' : 'A'}${secret.slice(1)}`;
  const lastWrong = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
  const fns = [() => secretMatches(secret, stored), () => secretMatches(firstWrong, stored), () => secretMatches(lastWrong, stored)];
  for (const f of fns) f(); // warm up
  const [right, first, last] = medians(fns, 41, 2000);
  const ratios = [first! / right!, last! / right!, first! / last!];
  console.log(`secretMatches median per 2,000 calls: right ${right} ns, first wrong ${first} ns, last wrong ${last} ns; ratios ${ratios.map((r) => r.toFixed(3)).join(', ')}`);
  for (const r of ratios) {
    expect(r).toBeGreaterThan(1 / 1.5);
    expect(r).toBeLessThan(1.5);
  }
  // The same harness does see a real difference: a comparison that does three times the hashing work.
  const slow = () => secretMatches(secret, stored) && hashSecret(secret) && hashSecret(secret);
  const [fast, slower] = medians([() => secretMatches(secret, stored), slow], 41, 2000);
  expect(slower! / fast!).toBeGreaterThan(1.5);
});

test('timing through the API: an unknown key and a known key with a wrong secret answer in the same time (within 2x)', async () => {
  const { key, secret } = await hosts.add('timing-2');
  const app = buildApi({ hosts, authLimits: { perSource: 100_000, perKey: 100_000, windowMs: 60_000 } });
  const send = (k: string, s: string) => () => app.inject({ method: 'POST', url: '/api/v1/report', headers: reportHeaders(k, s), payload: '{}' });
  const fns = [send(key, `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`), send('hk_no_such_key_000000000', secret)];
  const samples: number[][] = [[], []];
  for (let r = 0; r < 61; r++) {
    for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
      const t0 = process.hrtime.bigint();
      for (let c = 0; c < 5; c++) expect((await fns[i]!()).statusCode).toBe(401);
      samples[i]!.push(Number(process.hrtime.bigint() - t0));
    }
  }
  const [known, unknown] = samples.map((s) => s.sort((x, y) => x - y)[30]!);
  console.log(`API 401 median per 5 requests: known key ${(known! / 1e6).toFixed(2)} ms, unknown key ${(unknown! / 1e6).toFixed(2)} ms, ratio ${(unknown! / known!).toFixed(3)}`);
  expect(unknown! / known!).toBeGreaterThan(0.5);
  expect(unknown! / known!).toBeLessThan(2);
  await app.close();
});
