/**
 * Seeded fuzz of POST /api/v1/report: thousands of generated requests mixing content types, sizes, credentials
 * and bodies. Each request's expected answer follows the documented order (415, 413, 401, 403, 400, 204);
 * after every request the dedicated host's document must have changed exactly when the answer was 204 (and
 * then hold the body and the server clock), and every other host must stay byte-for-byte as it was.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import fc from 'fast-check';
import { ObjectId } from 'mongodb';
import type { FastifyInstance } from 'fastify';
import { buildApi, BODY_LIMIT } from '../../src/api/app.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { addReportedHost, freshStore, markNotified } from '../support/db.js';
import { reportHeaders, snapshot } from './support.js';
import { clockAheadMs } from '../../src/store/report-clock.js';

const SEED = 20261123;
const REQUESTS = 3000;
const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;

let mongo: MongoHandle;
let hosts: HostStore;
let app: FastifyInstance;
let clock = T;
type Creds = { id: string; key: string; secret: string };
let target: Creds;
let disabled: Creds;
let bystanders: Creds[];

beforeAll(async () => {
  ({ mongo, hosts } = await freshStore());
  // Limits far above the request count: this test models the other answer codes; rate-limit.test.ts covers 429.
  app = buildApi({ hosts, now: () => new Date(clock), authLimits: { perSource: 1e6, perKey: 1e6, windowMs: 60_000 } });
  target = await hosts.add('fuzz-target');
  disabled = await hosts.add('fuzz-disabled', { active: false });
  await hosts.recordReport(disabled.id, { hostname: 'fuzz-disabled' }, new Date(T - 3 * MIN));
  bystanders = [];
  for (let i = 0; i < 3; i++) {
    const h = await hosts.add(`fuzz-bystander-${i}`);
    await hosts.recordReport(h.id, { hostname: `b${i}`, cpu: i }, new Date(T - i * MIN));
    bystanders.push(h);
  }
  // An alerted host in an outage: no request in the fuzz may mark it as seen again.
  const alerted = await hosts.add('fuzz-alerted');
  await hosts.recordReport(alerted.id, {}, new Date(T - 20 * MIN));
  await markNotified(hosts, alerted.id, T - 20 * MIN, 10, T - 5 * MIN);
  bystanders.push(alerted);
  bystanders.push(await hosts.add('fuzz-never-reported'));
  await addReportedHost(hosts, 'fuzz-other', T - 90 * MIN);
});
afterAll(async () => {
  await app.close();
  await mongo.db.dropDatabase();
  await mongo.close();
});

// ---- generators ----------------------------------------------------------------------------------------

const printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 });
const nonNeg = fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e12 });

const validReport = fc.record(
  {
    hostname: fc.string({ maxLength: 30 }),
    os: fc.constantFrom('Debian 12', 'Ubuntu 24.04', 'FreeBSD 14', ''),
    uptime: nonNeg,
    load: fc.array(finite, { maxLength: 3 }),
    cpu: fc.double({ noNaN: true, min: 0, max: 100 }),
    memory: fc.record({ total: finite, used: finite }),
    disk: fc.array(fc.record({ mount: fc.constantFrom('/', '/var', '/home', 'C:'), total: finite, used: finite }), { maxLength: 3 }),
    note: fc.string({ maxLength: 20 }),
    tags: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
    // The reporter's clock: ahead of the server's by more than 30 s for some requests (clockAheadMs), and not always
    // an ISO time (a reporter's own field, stored and not read).
    time: fc.oneof(
      { weight: 9, arbitrary: fc.integer({ min: T - 3_600_000, max: T + 7_200_000 }).map((ms) => new Date(ms).toISOString()) },
      { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constantFrom('yesterday', '2026-13-01T00:00:00Z', '2026-12-01 12:00')) },
    ),
  },
  { requiredKeys: [] },
);

const WRONG: Record<string, unknown[]> = {
  hostname: [1, null, true, {}, ['a']],
  os: [0, null, false, { name: 'linux' }],
  uptime: [-1, -0.001, '10', null, [], {}],
  cpu: [100.0001, -1, '50', null, true, [50]],
  load: [0.5, 'x', [1, '2'], [null], {}, null],
  memory: [1, [], { total: 1 }, { used: 1 }, { total: '1', used: 1 }, { total: 1, used: null }, null],
  disk: [{}, [1], ['/'], [{ mount: 1, total: 1, used: 1 }], [{ mount: '/', total: '1', used: 1 }], [{ mount: '/', total: 1 }], null],
};
const wrongTypeReport = fc
  .tuple(validReport, fc.constantFrom(...Object.keys(WRONG)), fc.nat())
  .map(([r, field, i]) => JSON.stringify({ ...r, [field]: WRONG[field]![i % WRONG[field]!.length] }));

const BAD_NAMES = ['$set', '$where', 'a.b', '.', '', 'nul\u0000key'];
const badNameReport = fc.tuple(validReport, fc.constantFrom(...BAD_NAMES), fc.nat(3)).map(([r, name, depth]) => {
  let inner: unknown = { [name]: 1 };
  for (let i = 0; i < depth; i++) inner = i % 2 ? [inner] : { nested: inner };
  return JSON.stringify({ ...r, extra: inner });
});
const protoReport = fc.constant('{"hostname":"x","__proto__":{"polluted":true}}');
const deepReport = fc.integer({ min: 33, max: 200 }).map((n) => '{"d":'.repeat(n) + '1' + '}'.repeat(n));

const malformed = fc.oneof(
  validReport.chain((r) => {
    const s = JSON.stringify({ ...r, pad: 'p' });
    return fc.integer({ min: 0, max: s.length - 1 }).map((n) => s.slice(0, n));
  }),
  fc.constantFrom("{'a':1}", '{a:1}', 'NaN', '{"a":1,}', '{"a":01}', '\u0000', '{"cpu": Infinity}', ' ', 'undefined', '{"a":"\\x"}'),
  printable.filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
);
const nonObject = fc
  .oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }), fc.string({ maxLength: 20 }), finite, fc.boolean(), fc.constant(null))
  .map((v) => JSON.stringify(v));
/** Anything JSON: accepted or refused (204 or 400), never anything else, and stored exactly when accepted. */
const arbitraryObject = fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }).map((o) => JSON.stringify(o));

type BodyKind = 'valid' | 'wrongType' | 'badName' | 'malformed' | 'nonObject' | 'arbitrary';
const body: fc.Arbitrary<{ kind: BodyKind; payload: string }> = fc.oneof(
  { weight: 40, arbitrary: validReport.map((r) => ({ kind: 'valid' as const, payload: JSON.stringify(r) })) },
  { weight: 12, arbitrary: wrongTypeReport.map((payload) => ({ kind: 'wrongType' as const, payload })) },
  { weight: 6, arbitrary: fc.oneof(badNameReport, protoReport, deepReport).map((payload) => ({ kind: 'badName' as const, payload })) },
  { weight: 12, arbitrary: malformed.map((payload) => ({ kind: 'malformed' as const, payload })) },
  { weight: 8, arbitrary: nonObject.map((payload) => ({ kind: 'nonObject' as const, payload })) },
  { weight: 12, arbitrary: arbitraryObject.map((payload) => ({ kind: 'arbitrary' as const, payload })) },
);

type AuthKind = 'target' | 'disabled' | 'wrongSecret' | 'swappedSecret' | 'unknownKey' | 'garbage' | 'missing';
interface Auth {
  kind: AuthKind;
  who?: number;
  key?: string;
  secret?: string;
}
const rec = <T extends Record<string, fc.Arbitrary<unknown>>>(r: T): fc.Arbitrary<Auth> => fc.record(r).map((x) => x as unknown as Auth);
const auth: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 45, arbitrary: fc.constant<Auth>({ kind: 'target' }) },
  { weight: 7, arbitrary: fc.constant<Auth>({ kind: 'disabled' }) },
  { weight: 10, arbitrary: rec({ kind: fc.constant('wrongSecret' as AuthKind), who: fc.nat(5), secret: printable }) },
  { weight: 8, arbitrary: rec({ kind: fc.constant('swappedSecret' as AuthKind), who: fc.nat(5) }) },
  { weight: 10, arbitrary: rec({ kind: fc.constant('unknownKey' as AuthKind), key: printable, secret: printable }) },
  { weight: 8, arbitrary: rec({ kind: fc.constant('garbage' as AuthKind), key: fc.string({ unit: 'binary-ascii', maxLength: 400 }), secret: fc.string({ unit: 'binary-ascii', maxLength: 2000 }) }) },
  { weight: 7, arbitrary: rec({ kind: fc.constant('missing' as AuthKind), who: fc.nat(3) }) },
);

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8'];
const OTHER_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'text/json', 'application/jsonp', 'application/json-seq', 'multipart/form-data; boundary=x', '*/*', ''];
const contentType = fc.oneof(
  { weight: 88, arbitrary: fc.constantFrom(...JSON_TYPES) },
  { weight: 12, arbitrary: fc.constantFrom<string | undefined>(...OTHER_TYPES, undefined) },
);
const size = fc.oneof({ weight: 95, arbitrary: fc.constant(0) }, { weight: 5, arbitrary: fc.integer({ min: 1, max: 4 * BODY_LIMIT }) });

const request = fc.record({ contentType, size, auth, body });

// ---- run ----------------------------------------------------------------------------------------------

/** Header values a real client could send (a header with a CR, LF or NUL never reaches the server). */
const headerSafe = (s: string) => s.replace(/[\r\n\0]/g, '');

interface Prepared {
  i: number;
  label: string;
  headers: Record<string, string>;
  payload: string;
  expected: number[];
  /** Sends the dedicated host's key or secret: the only requests that could change it. */
  claimsTarget: boolean;
}

function prepare(i: number, r: (typeof request extends fc.Arbitrary<infer R> ? R : never)): Prepared {
  const payload = r.size > 0 ? JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT + r.size), hostname: 'big' }) : r.body.payload;
  const headers: Record<string, string> = {};
  if (r.contentType !== undefined) headers['content-type'] = r.contentType;
  const a = r.auth;
  const all = [target, disabled, ...bystanders];
  switch (a.kind) {
    case 'target':
      Object.assign(headers, { 'x-host-key': target.key, 'x-host-secret': target.secret });
      break;
    case 'disabled':
      Object.assign(headers, { 'x-host-key': disabled.key, 'x-host-secret': disabled.secret });
      break;
    case 'wrongSecret': {
      const h = all[a.who! % all.length]!;
      Object.assign(headers, { 'x-host-key': h.key, 'x-host-secret': a.secret === h.secret ? `${a.secret}x` : a.secret! });
      break;
    }
    case 'swappedSecret': {
      const h = all[a.who! % all.length]!;
      Object.assign(headers, { 'x-host-key': h.key, 'x-host-secret': all[(a.who! + 1) % all.length]!.secret });
      break;
    }
    case 'unknownKey':
    case 'garbage':
      Object.assign(headers, { 'x-host-key': headerSafe(a.key!), 'x-host-secret': headerSafe(a.secret!) });
      break;
    case 'missing':
      // Only one of the two, or neither, with the target's real values.
      if (a.who === 1) headers['x-host-key'] = target.key;
      if (a.who === 2) headers['x-host-secret'] = target.secret;
      break;
  }
  const isJson = r.contentType !== undefined && JSON_TYPES.includes(r.contentType);
  const goodAuth = a.kind === 'target' || a.kind === 'disabled';
  const expected: number[] = !isJson
    ? [415]
    : Buffer.byteLength(payload) > BODY_LIMIT
      ? [413]
      : !goodAuth
        ? [401]
        : a.kind === 'disabled'
          ? [403]
          : r.body.kind === 'valid'
            ? [204]
            : r.body.kind === 'arbitrary'
              ? [204, 400]
              : [400];
  const label = `${a.kind}/${r.body.kind}${r.size ? '/oversized' : ''}${isJson ? '' : '/non-json'}`;
  return { i, label, headers, payload, expected, claimsTarget: headers['x-host-key'] === target.key || headers['x-host-secret'] === target.secret };
}

test(`${REQUESTS} seeded fuzzed reports: every answer as specified, only the dedicated host changes, only on 204`, async () => {
  const started = Date.now();
  const samples = fc.sample(request, { seed: SEED, numRuns: REQUESTS }).map((r, i) => prepare(i, r));
  const generatedMs = Date.now() - started;
  const targetId = new ObjectId(target.id);
  const othersFilter = { _id: { $ne: targetId } };
  const othersBefore = await snapshot(hosts, othersFilter);
  const readTarget = () => hosts.collection.findOne({ _id: targetId });
  /** What the dedicated host's document must be: the model changes only on 204. */
  let model = (await readTarget())!;
  let lastSeen = JSON.stringify(model);

  const byStatus: Record<number, number> = {};
  const byCredentials: Record<string, number> = {};
  let stateChanges = 0;
  let clockAhead = 0;
  let checkpoints = 0;
  let injectMs = 0;
  const unexpected: string[] = [];

  const send = async (p: Prepared) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/report', headers: p.headers, payload: p.payload });
    byStatus[res.statusCode] = (byStatus[res.statusCode] ?? 0) + 1;
    const kind = p.label.split('/')[0]!;
    byCredentials[kind] = (byCredentials[kind] ?? 0) + 1;
    if (!p.expected.includes(res.statusCode)) {
      unexpected.push(`#${p.i} ${p.label}: expected ${p.expected.join('|')}, got ${res.statusCode} ${res.body.slice(0, 200)} for body ${JSON.stringify(p.payload.slice(0, 300))}`);
    }
    if (res.statusCode === 401 && res.body !== '{"error":"unauthorized"}') unexpected.push(`#${p.i} 401 body ${res.body}`);
    return res.statusCode;
  };
  /** After a request that could change the dedicated host: the document must be exactly the model. */
  const verifyTarget = async (p: Prepared | undefined) => {
    const doc = await readTarget();
    const text = JSON.stringify(doc);
    if (text !== lastSeen) stateChanges++;
    lastSeen = text;
    if (text !== JSON.stringify(model)) unexpected.push(`#${p?.i ?? 'end'} ${p?.label ?? ''}: the dedicated host is not as expected: ${text.slice(0, 300)}`);
  };

  // Requests that cannot touch the dedicated host go out concurrently, a few at a time; the others one by one,
  // each followed by a read of the dedicated host.
  let pending: Prepared[] = [];
  const flush = async () => {
    const t0 = performance.now();
    await Promise.all(pending.map(send));
    injectMs += performance.now() - t0;
    pending = [];
  };
  for (const p of samples) {
    if (!p.claimsTarget) {
      pending.push(p);
      if (pending.length >= 8) await flush();
    } else {
      await flush();
      clock = T + (p.i + 1) * 1000;
      const t0 = performance.now();
      const status = await send(p);
      injectMs += performance.now() - t0;
      if (status === 204) {
        const data = JSON.parse(p.payload) as Record<string, unknown>;
        // a report with an uptime keeps it, for reboot rules (src/store/condition-state.ts)
        // the first accepted report is kept as firstReportAt (uptime counts from it: src/history/uptime.ts)
        // a report whose own clock (time) is over 30 s ahead of the server's flags the host, the next one not ahead clears it
        const ahead = clockAheadMs(data, new Date(clock));
        if (ahead === undefined) delete model.clockAheadMs;
        else clockAhead++;
        // As MongoDB and FerretDB apply $set: fields already there keep their place, new ones follow in name order.
        const set: Record<string, unknown> = { data, lastReportAt: new Date(clock), ...(model.lastReportAt === null && { firstReportAt: new Date(clock) }), ...(typeof data.uptime === 'number' && { lastUptime: data.uptime }), ...(ahead !== undefined && { clockAheadMs: ahead }) };
        const next: Record<string, unknown> = { ...model };
        for (const k of Object.keys(set).sort()) next[k] = set[k];
        model = next as typeof model;
      }
      await verifyTarget(p);
    }
    if (p.i % 500 === 499) {
      await flush();
      checkpoints++;
      await verifyTarget(undefined);
      expect(await snapshot(hosts, othersFilter)).toBe(othersBefore);
    }
    if (unexpected.length > 20) break;
  }
  await flush();
  await verifyTarget(undefined);

  expect(unexpected).toEqual([]);
  expect(await snapshot(hosts, othersFilter)).toBe(othersBefore);
  expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  clock += 1000;
  const final = await app.inject({ method: 'POST', url: '/api/v1/report', headers: reportHeaders(target.key, target.secret), payload: '{"hostname":"after-fuzz"}' });
  expect(final.statusCode).toBe(204);
  expect(await readTarget()).toMatchObject({ data: { hostname: 'after-fuzz' }, lastReportAt: new Date(clock) });

  const accepted = byStatus[204] ?? 0;
  console.log(
    `fuzz (seed ${SEED}): ${samples.length} requests sent, ${accepted} accepted (204), rejected by status ${JSON.stringify(
      Object.fromEntries(Object.entries(byStatus).filter(([s]) => s !== '204')),
    )}, ${stateChanges} state changes of the dedicated host observed, other hosts unchanged at ${checkpoints + 1} checks; ` +
      `by credentials ${JSON.stringify(byCredentials)}; ${Date.now() - started} ms (generation ${generatedMs} ms, requests ${Math.round(injectMs)} ms)`,
  );
  // The generator must actually exercise every answer.
  for (const status of [204, 400, 401, 403, 413, 415]) expect(byStatus[status] ?? 0).toBeGreaterThan(20);
  expect(stateChanges).toBe(accepted);
  // Reports with a clock over 30 s ahead flagged the host, and enough others cleared the flag again.
  expect(clockAhead).toBeGreaterThan(20);
  expect(accepted - clockAhead).toBeGreaterThan(20);
});
