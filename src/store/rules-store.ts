/**
 * The `rules` collection: metric rules (src/rules/rule.ts), managed with `hostwatch rules`, read by every check and
 * (through RuleCache, src/api/rule-cache.ts) by every API process.
 */
import { ObjectId, type Collection, type Db } from 'mongodb';
import { checkRule, checkRuleName, InvalidRuleError, type Rule } from '../rules/rule.js';
import { isDuplicateKey } from './mongo.js';

/** A document of the `rules` collection: a rule (its id is `_id`) and when it was added and last changed. */
export type RuleDoc = Omit<Rule, 'id'> & { _id: ObjectId; createdAt: Date; updatedAt: Date };

/** A rule as given to add: everything but its id. */
export type RuleSpec = Omit<Rule, 'id'>;

/** Changes to a rule; `null` forgets an optional setting (`clear`, `hosts`: back to every host). */
export interface RulePatch {
  name?: string;
  metric?: string;
  op?: 'above' | 'below';
  threshold?: number;
  clear?: number | null;
  perCpu?: boolean;
  steps?: number[];
  hosts?: string[] | null;
  /** Tags of the hosts it applies to (besides those in `hosts`), or null to forget them. */
  tags?: string[] | null;
}

export class DuplicateRuleError extends Error {
  override name = 'DuplicateRuleError';
  constructor(readonly ruleName: string) {
    super(`a rule named "${ruleName}" already exists`);
  }
}

export class UnknownRuleError extends Error {
  override name = 'UnknownRuleError';
  constructor(readonly ruleName: string) {
    super(`no rule named "${ruleName}"`);
  }
}

/** A rule as listed. */
export type RuleView = Rule & { createdAt: Date; updatedAt: Date };

function toRule(d: RuleDoc): RuleView {
  return {
    id: d._id.toHexString(),
    name: d.name,
    metric: d.metric,
    ...(d.op !== undefined && { op: d.op }),
    ...(d.threshold !== undefined && { threshold: d.threshold }),
    ...(d.clear !== undefined && { clear: d.clear }),
    ...(d.perCpu && { perCpu: true }),
    steps: d.steps ?? [],
    ...(d.hosts !== undefined && { hosts: d.hosts }),
    ...(d.tags !== undefined && { tags: d.tags }),
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

/** The stored fields of a checked rule (no undefined values: FerretDB and MongoDB store them as null). */
function fieldsOf(rule: RuleSpec): Omit<RuleDoc, '_id' | 'createdAt' | 'updatedAt'> {
  return {
    name: rule.name,
    metric: rule.metric,
    ...(rule.op !== undefined && { op: rule.op }),
    ...(rule.threshold !== undefined && { threshold: rule.threshold }),
    ...(rule.clear !== undefined && { clear: rule.clear }),
    ...(rule.perCpu && { perCpu: true }),
    steps: rule.steps,
    ...(rule.hosts !== undefined && { hosts: rule.hosts }),
    ...(rule.tags !== undefined && { tags: rule.tags }),
  };
}

export class RuleStore {
  readonly collection: Collection<RuleDoc>;

  constructor(db: Db) {
    this.collection = db.collection<RuleDoc>('rules');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ name: 1 }, { name: 'name_unique', unique: true });
  }

  /** Every rule, by name, as the check and the ingest use them. A stored rule that no longer checks is left out. */
  async all(): Promise<Rule[]> {
    const out: Rule[] = [];
    for (const r of await this.list()) {
      try {
        const { createdAt: _c, updatedAt: _u, ...rule } = r;
        out.push(checkRule(rule));
      } catch {
        // Written by hand or by a newer release: `rules list` shows it; it is not evaluated.
      }
    }
    return out;
  }

  async list(): Promise<RuleView[]> {
    return (await this.collection.find({}).sort({ name: 1 }).toArray()).map(toRule);
  }

  async byName(name: string): Promise<RuleView> {
    const doc = await this.collection.findOne({ name });
    if (!doc) throw new UnknownRuleError(name);
    return toRule(doc);
  }

  /** Checks and stores a new rule; throws InvalidRuleError naming the bad field, or DuplicateRuleError. */
  async add(spec: RuleSpec): Promise<RuleView> {
    const _id = new ObjectId();
    const rule = checkRule({ ...spec, id: _id.toHexString() });
    const now = new Date();
    try {
      await this.collection.insertOne({ _id, ...fieldsOf(rule), createdAt: now, updatedAt: now });
    } catch (err) {
      if (isDuplicateKey(err)) throw new DuplicateRuleError(rule.name);
      throw err;
    }
    return this.byName(rule.name);
  }

  /** Applies a patch to the rule as it is, checks the result as a whole, and stores it (nothing on a bad field). */
  async update(name: string, patch: RulePatch): Promise<RuleView> {
    const { createdAt: _c, updatedAt: _u, ...current } = await this.byName(name);
    const merged: Rule = { ...current };
    if (patch.name !== undefined) merged.name = checkRuleName(patch.name);
    if (patch.metric !== undefined) merged.metric = patch.metric;
    if (patch.op !== undefined) merged.op = patch.op;
    if (patch.threshold !== undefined) merged.threshold = patch.threshold;
    if (patch.clear === null) delete merged.clear;
    else if (patch.clear !== undefined) merged.clear = patch.clear;
    if (patch.perCpu !== undefined) merged.perCpu = patch.perCpu;
    if (patch.steps !== undefined) merged.steps = patch.steps;
    if (patch.hosts === null) delete merged.hosts;
    else if (patch.hosts !== undefined) merged.hosts = patch.hosts;
    if (patch.tags === null) delete merged.tags;
    else if (patch.tags !== undefined) merged.tags = patch.tags;
    if (merged.metric === 'reboot') {
      // A threshold given with the update is refused, not dropped; one left from before the metric changed goes.
      if (patch.op !== undefined || patch.threshold !== undefined || typeof patch.clear === 'number') {
        throw new InvalidRuleError(patch.op ?? 'clear', 'a reboot rule takes no threshold: it notices an uptime that went backwards');
      }
      delete merged.op;
      delete merged.threshold;
      delete merged.clear;
      if (patch.steps === undefined) merged.steps = [];
    }
    const rule = checkRule(merged);
    const fields = fieldsOf(rule);
    const unset = (['op', 'threshold', 'clear', 'perCpu', 'hosts', 'tags'] as const).filter((k) => !(k in fields));
    try {
      const result = await this.collection.updateOne(
        { _id: new ObjectId(rule.id) },
        { $set: { ...fields, updatedAt: new Date() }, ...(unset.length > 0 && { $unset: Object.fromEntries(unset.map((k) => [k, ''])) }) },
      );
      if (result.matchedCount === 0) throw new UnknownRuleError(name); // removed meanwhile
    } catch (err) {
      if (isDuplicateKey(err)) throw new DuplicateRuleError(rule.name);
      throw err;
    }
    return this.byName(rule.name);
  }

  /** Removes a rule: its instances end without notices (the next check drops them). */
  async remove(name: string): Promise<void> {
    const result = await this.collection.deleteOne({ name });
    if (result.deletedCount === 0) throw new UnknownRuleError(name);
  }
}
