import { randomBytes } from 'node:crypto';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { mailto } from '../../src/channels/mailto.js';
import { KINDS } from '../../src/channels/registry.js';
import { ChannelStore, DuplicateChannelError, InvalidChannelError, UnknownChannelError } from '../../src/store/channels-store.js';
import { connectMongo, type MongoHandle } from '../../src/store/mongo.js';

let mongo: MongoHandle;

beforeAll(async () => {
  mongo = await connectMongo(inject('mongoUri'), `t_${randomBytes(6).toString('hex')}`);
});
afterAll(async () => {
  await mongo.db.dropDatabase();
  await mongo.close();
});

/** The file's database is shared by its tests; each test uses its own channel names. */
async function store(): Promise<ChannelStore> {
  const s = new ChannelStore(mongo.db);
  await s.ensureIndexes();
  return s;
}

async function thrown(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

test('add, get, list, update and remove a channel', async () => {
  const s = await store();
  const added = await s.add('ops', 'mailto:Ops@Example.com,oncall@example.com');
  expect(added.parsed.kind).toBe(mailto);
  expect(added.url).toBe('mailto:Ops@Example.com,oncall@example.com');

  const got = await s.get('ops');
  expect(got).toMatchObject({ name: 'ops', url: 'mailto:Ops@Example.com,oncall@example.com' });
  expect(got!.parsed.config).toEqual({ addresses: ['ops@example.com', 'oncall@example.com'] });
  expect(await s.get('nobody')).toBeNull();

  const [row] = (await s.list()).filter((c) => c.name === 'ops');
  expect(row).toMatchObject({ name: 'ops', kind: 'mailto', destinations: 2, url: 'mailto:ops@example.com,oncall@example.com' });
  expect(row!.createdAt).toBeInstanceOf(Date);
  expect(row!.updatedAt.getTime()).toBe(row!.createdAt.getTime());
  expect(row).not.toHaveProperty('problem');

  await new Promise((r) => setTimeout(r, 5));
  const updated = await s.update('ops', 'mailto:ops@example.com');
  expect(updated.parsed.config).toEqual({ addresses: ['ops@example.com'] });
  const after = (await s.list()).find((c) => c.name === 'ops')!;
  expect(after).toMatchObject({ destinations: 1, url: 'mailto:ops@example.com', createdAt: row!.createdAt });
  expect(after.updatedAt.getTime()).toBeGreaterThan(row!.createdAt.getTime());

  await s.remove('ops');
  expect(await s.get('ops')).toBeNull();
  expect(await s.collection.countDocuments({ name: 'ops' })).toBe(0);
});

test('a duplicate name and unknown names are errors that name the channel', async () => {
  const s = await store();
  await s.add('dup', 'mailto:first@example.com');
  const dup = await thrown(s.add('dup', 'mailto:second@example.com'));
  expect(dup).toBeInstanceOf(DuplicateChannelError);
  expect(dup.message).toBe('a channel named "dup" already exists');
  expect((dup as DuplicateChannelError).channelName).toBe('dup');
  expect((await s.get('dup'))!.url).toBe('mailto:first@example.com');
  expect(await s.collection.countDocuments({ name: 'dup' })).toBe(1);

  // One at a time: a second call started before the first is awaited would reject unhandled meanwhile.
  for (const call of [() => s.update('ghost', 'mailto:a@example.com'), () => s.remove('ghost')]) {
    const err = await thrown(call());
    expect(err).toBeInstanceOf(UnknownChannelError);
    expect(err.message).toBe('no channel named "ghost"');
  }
  expect(await s.collection.countDocuments({ name: 'ghost' })).toBe(0);
});

test('an invalid name or URL changes nothing and the error names the field without quoting the URL', async () => {
  const s = await store();
  await s.add('keep', 'mailto:keep@example.com');
  const before = await s.collection.find({}).sort({ name: 1 }).toArray();

  for (const name of ['bad name', '', '-lead', '.dot', 'x'.repeat(65), 'a/b']) {
    const err = await thrown(s.add(name, 'mailto:a@example.com'));
    expect(err).toBeInstanceOf(InvalidChannelError);
    expect((err as InvalidChannelError).field).toBe('name');
  }
  expect((await thrown(s.add('bad name', 'mailto:a@example.com'))).message).toBe(
    'invalid channel name "bad name": use 1 to 64 letters, digits, "_", "." and "-", starting with a letter or digit',
  );
  // A URL given as the name is not echoed back.
  const swapped = await thrown(s.add('mailto:private@example.com', 'keep2'));
  expect(swapped.message).toBe('invalid channel name (not shown): use 1 to 64 letters, digits, "_", "." and "-", starting with a letter or digit');

  const badAddress = await thrown(s.add('new', 'mailto:a@example.com,nope'));
  expect(badAddress).toBeInstanceOf(InvalidChannelError);
  expect((badAddress as InvalidChannelError).field).toBe('url: address[1]');
  expect(badAddress.message).toBe('invalid channel url: address[1] is not an email address: "nope"');

  const unknownKind = await thrown(s.add('new', 'nosuchkind+https://example.com/hook/t0ken-Zq81x'));
  expect((unknownKind as InvalidChannelError).field).toBe('url: scheme');
  expect(unknownKind.message).not.toContain('t0ken-Zq81x');
  const noScheme = await thrown(s.add('new', 't0ken-Zq81x'));
  expect((noScheme as InvalidChannelError).field).toBe('url');
  expect(noScheme.message).not.toContain('t0ken-Zq81x');

  const badUpdate = await thrown(s.update('keep', 'mailto:'));
  expect((badUpdate as InvalidChannelError).field).toBe('url: address');
  expect(await thrown(s.update('bad name', 'mailto:a@example.com'))).toBeInstanceOf(InvalidChannelError);
  expect(await thrown(s.remove('bad name'))).toBeInstanceOf(InvalidChannelError);

  expect(await s.collection.find({}).sort({ name: 1 }).toArray()).toEqual(before);
  await s.add('x'.repeat(64), 'mailto:long@example.com');
  await s.add('A1_.-z', 'mailto:chars@example.com');
});

test('list is sorted by name and holds no raw URL, not even of a channel whose kind this version does not know', async () => {
  const s = await store();
  await s.add('zz-last', 'mailto:z@example.com');
  await s.add('aa-first', 'mailto:a@example.com,b@example.com,c@example.com');
  const token = 'R0utingKey-5ecret-77ab';
  const now = new Date();
  await s.collection.insertOne({ _id: new ObjectId(), name: 'mm-legacy', url: `pagerduty+https://events.example.com/v2?routing_key=${token}`, createdAt: now, updatedAt: now });

  const all = await s.list();
  const names = all.map((c) => c.name);
  expect(names).toEqual([...names].sort());
  const legacy = all.find((c) => c.name === 'mm-legacy')!;
  expect(legacy).toMatchObject({ kind: 'unknown', destinations: 0, url: 'pagerduty+https:***' });
  expect(legacy.problem).toContain('scheme');
  expect(all.find((c) => c.name === 'aa-first')).toMatchObject({ kind: 'mailto', destinations: 3 });
  expect(JSON.stringify(all)).not.toContain(token);
  for (const c of all) expect(Object.keys(c).sort()).toEqual(['createdAt', 'destinations', 'kind', 'name', 'updatedAt', 'url', ...(c.problem ? ['problem'] : [])].sort());

  const unusable = await thrown(s.get('mm-legacy'));
  expect(unusable).toBeInstanceOf(InvalidChannelError);
  expect(unusable.message).not.toContain(token);
});

test('ensureIndexes is repeatable and makes name unique', async () => {
  const s = await store();
  await s.ensureIndexes();
  const indexes = await s.collection.indexes();
  expect(indexes.find((i) => i.name === 'name_unique')).toMatchObject({ key: { name: 1 }, unique: true });
});

// Registered by its own change; when present, a kind with real secrets shows they stay out of listings.
test.runIf(KINDS.some((k) => k.kind === 'webhook'))('a webhook channel is listed with its password and signing secret masked', async () => {
  const s = await store();
  const password = 'Basic-Passw0rd-q1';
  const secret = 'Sign-S3cret-w8';
  const url = `webhook+https://hook-user:${password}@hooks.example.com/h/1?x=1&secret=${secret}`;
  const added = await s.add('hook', url);
  expect(added.parsed.kind.kind).toBe('webhook');
  expect((await s.get('hook'))!.url).toBe(url);
  const row = (await s.list()).find((c) => c.name === 'hook')!;
  expect(row).toMatchObject({ kind: 'webhook', destinations: 1 });
  expect(row.url).toContain('hooks.example.com/h/1');
  expect(JSON.stringify(row)).not.toContain(password);
  expect(JSON.stringify(row)).not.toContain(secret);
});
