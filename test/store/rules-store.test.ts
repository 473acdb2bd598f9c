/** The `rules` collection on the real database: what is stored, and that a bad change stores nothing. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { InvalidRuleError } from '../../src/rules/rule.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { DuplicateRuleError, RuleStore, UnknownRuleError } from '../../src/store/rules-store.js';
import { freshStore } from '../support/db.js';

let mongo: MongoHandle;
let rules: RuleStore;

beforeAll(async () => {
  const fresh = await freshStore();
  mongo = fresh.mongo;
  rules = new RuleStore(mongo.db);
  await rules.ensureIndexes();
});
afterAll(async () => {
  await mongo?.db.dropDatabase();
  await mongo?.close();
});

const raw = (name: string) => rules.collection.findOne({ name }, { projection: { _id: 0, createdAt: 0, updatedAt: 0 } });

test('add stores the checked rule (default steps) and refuses a duplicate name or a bad field, storing nothing', async () => {
  const added = await rules.add({ name: 'disk-full', metric: 'disk', op: 'above', threshold: 90, clear: 85, steps: [] });
  expect(added).toMatchObject({ name: 'disk-full', steps: [5, 60, 240, 1440], clear: 85 });
  expect(await raw('disk-full')).toEqual({ name: 'disk-full', metric: 'disk', op: 'above', threshold: 90, clear: 85, steps: [5, 60, 240, 1440] });
  await expect(rules.add({ name: 'disk-full', metric: 'cpu', op: 'above', threshold: 9, steps: [] })).rejects.toBeInstanceOf(DuplicateRuleError);
  await expect(rules.add({ name: 'bad', metric: 'disk', op: 'above', threshold: 190, steps: [] })).rejects.toMatchObject({ field: 'above' });
  expect(await rules.collection.countDocuments()).toBe(1);
});

test('update checks the rule as a whole; a refused change changes nothing', async () => {
  await rules.add({ name: 'mem', metric: 'memory', op: 'above', threshold: 90, steps: [10] });
  const before = await raw('mem');
  await expect(rules.update('mem', { clear: 95 })).rejects.toMatchObject({ field: 'clear' });
  await expect(rules.update('mem', { steps: [10, 5] })).rejects.toMatchObject({ field: 'steps' });
  await expect(rules.update('nope', { threshold: 1 })).rejects.toBeInstanceOf(UnknownRuleError);
  expect(await raw('mem')).toEqual(before);

  // to a reboot rule: the thresholds and steps it had go; a threshold given with it is refused
  await expect(rules.update('mem', { metric: 'reboot', threshold: 5 })).rejects.toBeInstanceOf(InvalidRuleError);
  expect(await raw('mem')).toEqual(before);
  const reboot = await rules.update('mem', { metric: 'reboot' });
  expect(await raw('mem')).toEqual({ name: 'mem', metric: 'reboot', steps: [] });
  expect(reboot.id).toBe((await rules.byName('mem')).id);
  // and back, keeping its id (its instances belong to it)
  const back = await rules.update('mem', { metric: 'cpu', op: 'above', threshold: 80 });
  expect(back).toMatchObject({ id: reboot.id, metric: 'cpu', threshold: 80, steps: [5, 60, 240, 1440] });
});

test('all() leaves out a stored rule that no longer checks (written by hand); list() still shows it', async () => {
  await rules.collection.insertOne({ name: 'hand-made', metric: 'nonsense', steps: [], createdAt: new Date(), updatedAt: new Date() } as never);
  expect((await rules.all()).map((r) => r.name)).not.toContain('hand-made');
  expect((await rules.list()).map((r) => r.name)).toContain('hand-made');
});
