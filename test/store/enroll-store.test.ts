/** Enrolment tokens on a fresh FerretDB database: uses counted exactly under concurrency, refusals create nothing. */
import { expect, test } from 'vitest';
import { EnrollStore, InvalidEnrollSettingError, UnknownEnrollTokenError, enrollTokenId } from '../../src/store/enroll-store.js';
import { DuplicateHostError, HostStore } from '../../src/store/hosts-store.js';
import { secretMatches } from '../../src/store/credentials.js';
import { connectMongo } from '../../src/store/mongo.js';
import { freshStore } from '../support/db.js';

const DAY = 86_400_000;

async function setup() {
  const s = await freshStore();
  return { ...s, enroll: new EnrollStore(s.mongo.db) };
}

test('a token with 2 uses enrols two hosts with its tags, then is refused as spent and creates nothing', async () => {
  const { hosts, enroll } = await setup();
  const { id, token, expiresAt } = await enroll.create({ tags: ['Prod', 'eu'], uses: 2, now: new Date(0) });
  expect(token).toMatch(/^et_[0-9a-f]{24}_[\w-]{43}$/);
  expect(enrollTokenId(token)).toBe(id);
  expect(expiresAt.getTime()).toBe(7 * DAY);
  const doc = await enroll.tokens.findOne({ _id: id });
  expect(JSON.stringify(doc)).not.toContain(token.slice(28));
  expect(secretMatches(token.slice(28), doc!.secretHash)).toBe(true);

  const at = new Date(DAY);
  const a = await enroll.enroll(token, 'web-1', hosts, at);
  const b = await enroll.enroll(token, 'web-2', hosts, at);
  expect(a).toMatchObject({ ok: true, name: 'web-1', tags: ['eu', 'prod'] });
  expect(b).toMatchObject({ ok: true, name: 'web-2' });
  if (!a.ok) throw new Error('unreachable');
  const host = await hosts.byName('web-1');
  expect(host.tags).toEqual(['eu', 'prod']);
  expect(host.secretKey).toBe(a.key);
  expect(await enroll.enroll(token, 'web-3', hosts, at)).toEqual({ ok: false, reason: 'spent' });
  expect((await hosts.list()).map((h) => h.name).sort()).toEqual(['web-1', 'web-2']);
  expect(await enroll.list(at)).toEqual([{ id, tags: ['eu', 'prod'], uses: 2, usesLeft: 0, expiresAt, createdAt: new Date(0), state: 'spent' }]);
});

test('expired, revoked, wrong and malformed tokens are refused and create nothing', async () => {
  const { hosts, enroll } = await setup();
  const expiring = await enroll.create({ expiresMs: 60_000, now: new Date(0) });
  expect(await enroll.enroll(expiring.token, 'late', hosts, new Date(60_000))).toEqual({ ok: false, reason: 'expired' });
  const revoked = await enroll.create({ uses: 3 });
  await enroll.revoke(revoked.id);
  expect(await enroll.enroll(revoked.token, 'gone', hosts)).toEqual({ ok: false, reason: 'revoked' });
  const good = await enroll.create();
  const wrongSecret = `${good.token.slice(0, 28)}${'A'.repeat(43)}`;
  for (const t of [wrongSecret, `et_${'0'.repeat(24)}_${'A'.repeat(43)}`, 'hello', '', good.token.slice(0, -1)]) {
    expect(await enroll.enroll(t, 'nope', hosts)).toEqual({ ok: false, reason: 'unknown' });
  }
  expect(await hosts.list()).toEqual([]);
  expect(await enroll.uses.countDocuments({})).toBe(0);
  // The good one still works, once.
  expect(await enroll.enroll(good.token, 'fine', hosts)).toMatchObject({ ok: true });
  const states = Object.fromEntries((await enroll.list(new Date(60_000 + 1))).map((t) => [t.id, [t.state, t.usesLeft]]));
  expect(states).toEqual({ [expiring.id]: ['expired', 1], [revoked.id]: ['revoked', 3], [good.id]: ['spent', 0] });
  await expect(enroll.revoke('0'.repeat(24))).rejects.toThrow(new UnknownEnrollTokenError('0'.repeat(24)));
  await expect(enroll.revoke('nope')).rejects.toThrow(UnknownEnrollTokenError);
});

test('a duplicate host name is refused and the use is not consumed', async () => {
  const { hosts, enroll } = await setup();
  await hosts.add('taken');
  const { token } = await enroll.create({ uses: 1 });
  await expect(enroll.enroll(token, 'taken', hosts)).rejects.toThrow(DuplicateHostError);
  expect(await enroll.uses.countDocuments({})).toBe(0);
  expect(await enroll.enroll(token, 'free', hosts)).toMatchObject({ ok: true, name: 'free' });
  expect(await enroll.enroll(token, 'more', hosts)).toEqual({ ok: false, reason: 'spent' });
});

test('a released slot below taken ones is found again', async () => {
  const { hosts, enroll } = await setup();
  const { id, token } = await enroll.create({ uses: 4 });
  for (const name of ['a', 'b', 'c']) expect(await enroll.enroll(token, name, hosts)).toMatchObject({ ok: true });
  await enroll.uses.deleteOne({ _id: `${id}:2` }); // as if host creation had failed after claiming slot 2
  expect(await enroll.enroll(token, 'd', hosts)).toMatchObject({ ok: true });
  expect(await enroll.enroll(token, 'e', hosts)).toMatchObject({ ok: true });
  expect(await enroll.enroll(token, 'f', hosts)).toEqual({ ok: false, reason: 'spent' });
  expect((await hosts.list()).length).toBe(5);
});

test('20 concurrent enrolments from 4 connections on a 5-use token: exactly 5 hosts', async () => {
  const { hosts, enroll, uri, dbName } = await setup();
  const { token } = await enroll.create({ uses: 5 });
  const handles = await Promise.all([1, 2, 3, 4].map(() => connectMongo(uri, dbName)));
  try {
    const stores = handles.map((h) => ({ enroll: new EnrollStore(h.db), hosts: new HostStore(h.db) }));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 4]!.enroll.enroll(token, `c-${i}`, stores[i % 4]!.hosts)));
    expect(results.filter((r) => r.ok).length).toBe(5);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'spent')).toBe(true);
    expect((await hosts.list()).length).toBe(5);
    expect(await enroll.uses.countDocuments({})).toBe(5);
  } finally {
    await Promise.all(handles.map((h) => h.close()));
  }
});

test('create: bad settings are refused naming the field', async () => {
  const { enroll } = await setup();
  await expect(enroll.create({ uses: 0 })).rejects.toThrow(new InvalidEnrollSettingError('--uses must be a whole number from 1 to 10000'));
  await expect(enroll.create({ uses: 10_001 })).rejects.toThrow(InvalidEnrollSettingError);
  await expect(enroll.create({ expiresMs: 1_000 })).rejects.toThrow(new InvalidEnrollSettingError('--expires must be between 1m and 365d'));
  await expect(enroll.create({ expiresMs: 366 * DAY })).rejects.toThrow(InvalidEnrollSettingError);
  await expect(enroll.create({ tags: ['bad tag'] })).rejects.toThrow('invalid tag "bad tag"');
  expect(await enroll.tokens.countDocuments({})).toBe(0);
});
