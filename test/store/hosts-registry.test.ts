/** HostStore's registry operations on FerretDB: lookup, list, update, remove, rotate. */
import { beforeEach, expect, test } from 'vitest';
import { secretMatches } from '../../src/store/credentials.js';
import { DuplicateHostError, UnknownHostError, type HostPatch, type HostStore } from '../../src/store/hosts-store.js';
import { freshStore } from '../support/db.js';

let hosts: HostStore;

beforeEach(async () => {
  ({ hosts } = await freshStore());
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.unreachable('expected a rejection'),
    (err: unknown) => err,
  );
}

test('byKey finds a host by its key with its secret hash; an unknown key is null', async () => {
  const { id, key, secret } = await hosts.add('web-1');
  const doc = await hosts.byKey(key);
  expect(doc?._id.toHexString()).toBe(id);
  expect(doc?.name).toBe('web-1');
  expect(secretMatches(secret, doc!.secretHash)).toBe(true);
  expect(secretMatches(`${secret}x`, doc!.secretHash)).toBe(false);
  expect(await hosts.byKey('hk_nope')).toBeNull();
});

test('byName returns the host without its secret hash; an unknown name is UnknownHostError', async () => {
  const { id, key } = await hosts.add('web-1', { alarm: false });
  const view = await hosts.byName('web-1');
  expect(view._id.toHexString()).toBe(id);
  expect(view).toMatchObject({ name: 'web-1', secretKey: key, active: true, alarm: false, data: null, lastReportAt: null });
  expect(view).not.toHaveProperty('secretHash');
  const err = await rejection(hosts.byName('nope'));
  expect(err).toBeInstanceOf(UnknownHostError);
  expect((err as UnknownHostError).message).toBe('no host named "nope"');
  expect((err as UnknownHostError).hostName).toBe('nope');
});

test('list returns every host sorted by name, none with a secret hash', async () => {
  expect(await hosts.list()).toEqual([]);
  for (const name of ['c', 'a', 'b']) await hosts.add(name);
  const all = await hosts.list();
  expect(all.map((h) => h.name)).toEqual(['a', 'b', 'c']);
  for (const h of all) expect(h).not.toHaveProperty('secretHash');
});

test('update sets name, active, alarm and mutedUntil; null unmutes; an empty patch is a no-op', async () => {
  const { id } = await hosts.add('web-1');
  const until = new Date(Date.now() + 3_600_000);
  await hosts.update('web-1', { active: false, alarm: false, mutedUntil: until });
  expect(await hosts.byName('web-1')).toMatchObject({ active: false, alarm: false, mutedUntil: until });

  await hosts.update('web-1', { name: 'web-2', mutedUntil: null });
  const renamed = await hosts.byName('web-2');
  expect(renamed._id.toHexString()).toBe(id);
  expect(renamed).not.toHaveProperty('mutedUntil');
  expect(await rejection(hosts.byName('web-1'))).toBeInstanceOf(UnknownHostError);

  await hosts.update('web-2', {});
  await hosts.update('web-2', { mutedUntil: null }); // unmuting an unmuted host is fine
  expect(await hosts.byName('web-2')).toMatchObject({ active: false, alarm: false });
});

test('update of an unknown host is UnknownHostError', async () => {
  for (const patch of [{ active: true }, { name: 'x' }, { mutedUntil: null }, { mutedUntil: new Date(Date.now() + 60_000) }]) {
    const err = await rejection(hosts.update('ghost', patch));
    expect(err).toBeInstanceOf(UnknownHostError);
    expect((err as Error).message).toBe('no host named "ghost"');
  }
  expect(await hosts.list()).toEqual([]);
});

test('renaming onto an existing name is DuplicateHostError and changes nothing', async () => {
  await hosts.add('web-1');
  await hosts.add('web-2');
  const err = await rejection(hosts.update('web-1', { name: 'web-2', alarm: false }));
  expect(err).toBeInstanceOf(DuplicateHostError);
  expect((err as DuplicateHostError).message).toBe('a host named "web-2" already exists');
  expect((await hosts.list()).map((h) => [h.name, h.alarm])).toEqual([
    ['web-1', true],
    ['web-2', true],
  ]);
});

test('update never touches lastReportAt, data or alert state', async () => {
  const { id } = await hosts.add('web-1');
  const at = new Date(Date.now() - 5 * 60_000);
  await hosts.recordReport(id, { load: 1 }, at);
  const alert = { outage: at, step: 1, notifiedAt: new Date(at.getTime() + 60_000) };
  await hosts.collection.updateOne({ name: 'web-1' }, { $set: { alert } });

  const patches: HostPatch[] = [{ active: false }, { alarm: false }, { mutedUntil: new Date(Date.now() + 60_000) }, { mutedUntil: null }, { name: 'web-9' }, { active: true, alarm: true }];
  let name = 'web-1';
  for (const patch of patches) {
    await hosts.update(name, patch);
    name = patch.name ?? name;
    const doc = await hosts.collection.findOne({ name });
    expect(doc?.lastReportAt?.getTime()).toBe(at.getTime());
    expect(doc?.data).toEqual({ load: 1 });
    expect(doc?.alert).toEqual(alert);
  }
});

test('remove deletes the host; an unknown name is UnknownHostError', async () => {
  await hosts.add('web-1');
  await hosts.add('web-2');
  await hosts.remove('web-1');
  expect((await hosts.list()).map((h) => h.name)).toEqual(['web-2']);
  expect(await rejection(hosts.remove('web-1'))).toBeInstanceOf(UnknownHostError);
});

test('rotateSecret replaces key and secret: the old ones stop matching, reports are kept', async () => {
  const old = await hosts.add('web-1');
  const at = new Date(Date.now() - 60_000);
  await hosts.recordReport(old.id, { load: 1 }, at);
  const fresh = await hosts.rotateSecret('web-1');
  expect(fresh.key).not.toBe(old.key);
  expect(fresh.secret).not.toBe(old.secret);
  expect(await hosts.byKey(old.key)).toBeNull();
  const doc = await hosts.byKey(fresh.key);
  expect(doc?._id.toHexString()).toBe(old.id);
  expect(secretMatches(fresh.secret, doc!.secretHash)).toBe(true);
  expect(secretMatches(old.secret, doc!.secretHash)).toBe(false);
  expect(doc?.lastReportAt?.getTime()).toBe(at.getTime());
  expect(await rejection(hosts.rotateSecret('ghost'))).toBeInstanceOf(UnknownHostError);
});
