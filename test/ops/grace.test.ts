/**
 * Grace per host and per tag (issue 14 point 4) on FerretDB: the operations (src/ops/grace.ts), the tag settings
 * store, and the check's page read setting HostSnapshot.graceMs (own grace, else the largest tag grace, else none).
 */
import { beforeEach, expect, test } from 'vitest';
import { OpError } from '../../src/ops/errors.js';
import { clearHostGrace, clearTagGrace, listTags, setHostGrace, setTagGrace, validGrace, type GraceStores } from '../../src/ops/grace.js';
import { effectiveGrace, graceText } from '../../src/store/host-grace.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import { addReportedHost, freshStore } from '../support/db.js';

const T = Date.UTC(2026, 11, 1, 12, 0, 0);
let hosts: HostStore;
let stores: GraceStores;

beforeEach(async () => {
  ({ hosts } = await freshStore());
  stores = { hosts, tagSettings: hosts.tagSettings };
});

async function refusal(p: Promise<unknown>): Promise<OpError> {
  const err = await p.then(() => expect.unreachable('expected a refusal'), (e: unknown) => e);
  expect(err).toBeInstanceOf(OpError);
  return err as OpError;
}

test('effectiveGrace: own grace wins, else the largest tag grace, else none; out-of-bounds values are ignored; graceText', () => {
  const tags = new Map([['flaky', 1200], ['prod', 300], ['bad', 90_000]]);
  expect(effectiveGrace({ grace: 60, tags: ['flaky'] }, tags)).toEqual({ seconds: 60 });
  expect(effectiveGrace({ grace: 0, tags: ['flaky'] }, tags)).toEqual({ seconds: 0 });
  expect(effectiveGrace({ tags: ['prod', 'flaky'] }, tags)).toEqual({ seconds: 1200, tag: 'flaky' });
  expect(effectiveGrace({ tags: ['bad', 'prod'] }, tags)).toEqual({ seconds: 300, tag: 'prod' });
  expect(effectiveGrace({ grace: -1, tags: ['eu'] }, tags)).toBeUndefined();
  expect(effectiveGrace({}, tags)).toBeUndefined();
  expect([0, 90, 900, 7200, 86_400].map(graceText)).toEqual(['0 s', '90 s', '15 min', '2 h', '24 h']);
});

test('set and clear a host grace and a tag grace; tags list counts hosts and shows graces', async () => {
  await hosts.add('web-1', { tags: ['prod', 'eu'] });
  await hosts.add('web-2', { tags: ['prod'] });
  await hosts.add('bare-1');
  expect(await setHostGrace(stores, { name: 'web-1', grace: 900 })).toEqual({ name: 'web-1', grace: 900 });
  expect((await hosts.byName('web-1')).grace).toBe(900);
  expect(await setTagGrace(stores, { tag: 'Prod', grace: 300 })).toEqual({ tag: 'prod', grace: 300 });
  expect(await setTagGrace(stores, { tag: 'unused', grace: 0 })).toEqual({ tag: 'unused', grace: 0 });
  expect(await listTags(stores)).toEqual([
    { tag: 'eu', hosts: 1, grace: null },
    { tag: 'prod', hosts: 2, grace: 300 },
    { tag: 'unused', hosts: 0, grace: 0 },
  ]);
  expect(await clearHostGrace(stores, { name: 'web-1' })).toEqual({ name: 'web-1', grace: null });
  expect(await hosts.collection.findOne({ name: 'web-1' })).not.toHaveProperty('grace');
  expect(await clearTagGrace(stores, { tag: 'unused' })).toEqual({ tag: 'unused', grace: null, cleared: true });
  expect(await clearTagGrace(stores, { tag: 'unused' })).toEqual({ tag: 'unused', grace: null, cleared: false });
  expect((await listTags(stores)).map((t) => t.tag)).toEqual(['eu', 'prod']);
});

test('refusals name the field and change nothing: grace out of 0..1 day, not whole, not a number; bad tag; unknown host', async () => {
  await hosts.add('web-1');
  const before = JSON.stringify(await hosts.collection.find({}).toArray());
  for (const bad of [-1, 86_401, 1.5, '60', null, undefined, Number.NaN]) {
    const err = await refusal(setHostGrace(stores, { name: 'web-1', grace: bad }));
    expect(err).toMatchObject({ code: 'invalid', field: 'grace' });
    expect(err.message).toMatch(/^grace must be a whole number of seconds from 0 to 86400 \(1 day\), got /);
  }
  expect(() => validGrace(86_400)).not.toThrow();
  expect(await refusal(setTagGrace(stores, { tag: 'a b', grace: 60 }))).toMatchObject({ code: 'invalid', field: 'tag', message: expect.stringMatching(/^invalid tag "a b": use 1 to 64 characters/) });
  expect(await refusal(setTagGrace(stores, { tag: 'ok', grace: 90_000 }))).toMatchObject({ field: 'grace' });
  expect(await refusal(setHostGrace(stores, { name: 'nope', grace: 60 }))).toMatchObject({ code: 'not_found', message: 'no host named "nope"' });
  expect(await refusal(clearHostGrace(stores, { name: 'nope' }))).toMatchObject({ code: 'not_found' });
  expect(await refusal(clearHostGrace(stores, { name: 42 }))).toMatchObject({ code: 'invalid', field: 'name' });
  expect(JSON.stringify(await hosts.collection.find({}).toArray())).toBe(before);
  expect(await hosts.tagSettings.collection.countDocuments({})).toBe(0);
});

test('the check page sets graceMs: own grace, else the largest tag grace, else absent', async () => {
  const at = T - 30 * 60_000;
  const ids = {
    own: await addReportedHost(hosts, 'own', at),
    tagged: await addReportedHost(hosts, 'tagged', at),
    ownBeatsTag: await addReportedHost(hosts, 'own-beats-tag', at),
    plain: await addReportedHost(hosts, 'plain', at),
  };
  await hosts.addTags('tagged', ['flaky', 'prod']);
  await hosts.addTags('own-beats-tag', ['flaky']);
  await hosts.addTags('plain', ['eu']);
  await setHostGrace(stores, { name: 'own', grace: 120 });
  await setHostGrace(stores, { name: 'own-beats-tag', grace: 0 });
  await setTagGrace(stores, { tag: 'flaky', grace: 1200 });
  await setTagGrace(stores, { tag: 'prod', grace: 300 });
  const page = await hosts.loadCheckPage({ cutoff: T, limit: 10 });
  const grace = Object.fromEntries(page.hosts.map((h) => [h.name, h.graceMs]));
  expect(grace).toEqual({ own: 120_000, tagged: 1_200_000, 'own-beats-tag': 0, plain: undefined });
  expect(page.hosts.find((h) => h.name === 'plain')).not.toHaveProperty('graceMs');
  expect(Object.keys(ids)).toHaveLength(4);
});
