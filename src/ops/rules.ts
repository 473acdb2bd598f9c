/**
 * Metric-rule operations, shared by `hostwatch rules` and the management API (`/api/v1/rules`). Input names a
 * threshold as the CLI does, `above: 90` or `below: 10`; a rule is answered with `op` and `threshold` (ruleJson).
 * Every refusal is an OpError whose field is the input's (`metric`, `above`, `clear`, `steps`, `perCpu`, `hosts`...)
 * and whose message is the rule's own (`invalid rule clear: must be at or below the threshold (90) of an "above" rule`).
 */
import { ObjectId } from 'mongodb';
import { checkRule, checkRuleName, describeRule, InvalidRuleError, type Rule } from '../rules/rule.js';
import { DuplicateRuleError, UnknownRuleError, type RulePatch, type RuleSpec, type RuleStore, type RuleView } from '../store/rules-store.js';
import { conflict, invalid, notFound } from './errors.js';
import { checkHostName, checkTags } from './fields.js';

/** A new rule. Give `above` or `below` (not both) unless the metric is `reboot`. */
export interface RuleInput {
  name: string;
  metric: string;
  above?: number;
  below?: number;
  clear?: number;
  perCpu?: boolean;
  /** Whole minutes; default 5,60,240,1440 (none for reboot). */
  steps?: number[];
  hosts?: string[];
  tags?: string[];
}

/** Changes to a rule: only what is named changes; null forgets `clear`, `hosts` or `tags`. */
export interface RuleChanges {
  name?: string;
  metric?: string;
  above?: number;
  below?: number;
  clear?: number | null;
  perCpu?: boolean;
  steps?: number[];
  hosts?: string[] | null;
  tags?: string[] | null;
}

/** A rule by its id (stable across renames: the API's) or by its name (the CLI's). */
export type RuleRef = { id: string } | { name: string };

const REBOOT_NO_THRESHOLD = 'a reboot rule takes no threshold: it notices an uptime that went backwards';

/** The input field a rule field is given with. */
const fieldOf = (ruleField: string): string => (ruleField === 'per-cpu' ? 'perCpu' : ruleField);

/** A rule or store error as an operation refusal; anything else is passed on. */
function refusal(err: unknown): unknown {
  if (err instanceof InvalidRuleError) return invalid(fieldOf(err.field), err.message);
  if (err instanceof DuplicateRuleError) return conflict(err.message, 'name');
  if (err instanceof UnknownRuleError) return notFound(err.message);
  return err;
}

function refusing<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw refusal(err);
  }
}

const ruleError = (field: string, reason: string) => invalid(fieldOf(field), new InvalidRuleError(field, reason).message);

function numberField(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw ruleError(field, 'must be a number');
  return value;
}

function stringList(value: unknown, field: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw ruleError(field, 'must be a list of strings');
  return value as string[];
}

function hostNames(value: unknown): string[] | undefined {
  const names = stringList(value, 'hosts');
  if (names === undefined) return undefined;
  names.forEach((h, i) => checkHostName(h, `hosts[${i}]`));
  return [...new Set(names)];
}

/** Tags as stored (lower case, each once, sorted); a bad one is refused naming `tags[i]`. */
const tagList = (value: unknown): string[] | undefined => (value === undefined ? undefined : checkTags(value, 'tags'));

/** `above` or `below` (not both) as the rule's op and threshold. */
function threshold(input: { above?: unknown; below?: unknown }): Pick<Rule, 'op' | 'threshold'> {
  const above = numberField(input.above, 'above');
  const below = numberField(input.below, 'below');
  if (above !== undefined && below !== undefined) throw invalid('below', 'above and below: give one of them, not both');
  if (above !== undefined) return { op: 'above', threshold: above };
  if (below !== undefined) return { op: 'below', threshold: below };
  return {};
}

function steps(value: unknown): number[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'number')) throw ruleError('steps', 'must be a list of whole minutes');
  if (value.length === 0) throw ruleError('steps', 'name at least one step, e.g. [5, 60, 240]');
  return value as number[];
}

function checkName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string') throw invalid(field, 'invalid rule name: must be a string');
  return refusing(() => checkRuleName(name));
}

/**
 * A threshold given for a reboot rule, refused under the field that gave it (checkRule names `above` for all of
 * them, and RuleStore.update would drop one given with an update).
 */
function refuseRebootThreshold(metric: string, op: Rule['op'], clear: unknown): void {
  if (metric === 'reboot' && (op !== undefined || typeof clear === 'number')) throw ruleError(op ?? 'clear', REBOOT_NO_THRESHOLD);
}

/** A new rule checked as a whole, without I/O: what addRule stores. */
export function checkRuleInput(input: Partial<Record<keyof RuleInput, unknown>>): RuleSpec {
  const name = checkName(input.name);
  if (typeof input.metric !== 'string') throw ruleError('metric', 'must be a string');
  if (input.perCpu !== undefined && typeof input.perCpu !== 'boolean') throw ruleError('per-cpu', 'must be true or false');
  const clear = numberField(input.clear, 'clear');
  const hosts = hostNames(input.hosts);
  const tags = tagList(input.tags);
  const spec: RuleSpec = {
    name,
    metric: input.metric,
    ...threshold(input),
    ...(clear !== undefined && { clear }),
    ...(input.perCpu === true && { perCpu: true }),
    steps: steps(input.steps) ?? [],
    ...(hosts !== undefined && { hosts }),
    ...(tags !== undefined && { tags }),
  };
  refuseRebootThreshold(spec.metric, spec.op, spec.clear);
  const { id: _id, ...checked } = refusing(() => checkRule({ ...spec, id: 'new' }));
  return checked;
}

/** Changes checked field by field, without I/O (the whole rule is checked when they are applied). */
export function checkRuleChanges(changes: Partial<Record<keyof RuleChanges, unknown>>): RulePatch {
  const patch: RulePatch = { ...threshold(changes) };
  if (changes.name !== undefined) patch.name = checkName(changes.name);
  if (changes.metric !== undefined) {
    if (typeof changes.metric !== 'string') throw ruleError('metric', 'must be a string');
    patch.metric = changes.metric;
  }
  if (changes.clear === null) patch.clear = null;
  else if (changes.clear !== undefined) patch.clear = numberField(changes.clear, 'clear')!;
  if (changes.perCpu !== undefined) {
    if (typeof changes.perCpu !== 'boolean') throw ruleError('per-cpu', 'must be true or false');
    patch.perCpu = changes.perCpu;
  }
  if (changes.steps !== undefined) patch.steps = steps(changes.steps)!;
  if (changes.hosts === null) patch.hosts = null;
  else if (changes.hosts !== undefined) patch.hosts = hostNames(changes.hosts)!;
  if (changes.tags === null) patch.tags = null;
  else if (changes.tags !== undefined) patch.tags = tagList(changes.tags)!;
  if (Object.keys(patch).length === 0) throw invalid('body', 'name at least one setting to change');
  return patch;
}

/** Why a stored rule is not evaluated (edited by hand, or written by a newer release); undefined when it checks. */
export function ruleProblem(r: RuleView): string | undefined {
  try {
    checkRule({ ...r, steps: [...r.steps] });
    return undefined;
  } catch (err) {
    return err instanceof InvalidRuleError ? err.message : String(err);
  }
}

/** A rule as the API answers it and `rules list --json` prints it; absent settings are null. */
export function ruleJson(r: RuleView) {
  const problem = ruleProblem(r);
  return {
    id: r.id,
    name: r.name,
    metric: r.metric,
    op: r.op ?? null,
    threshold: r.threshold ?? null,
    clear: r.clear ?? null,
    perCpu: r.perCpu === true,
    steps: r.steps,
    hosts: r.hosts ?? null,
    tags: r.tags ?? null,
    condition: describeRule(r),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    ...(problem !== undefined && { problem }),
  };
}

/** The rule, or a not_found refusal; a malformed id is refused naming `id`. */
export async function findRule(store: RuleStore, ref: RuleRef): Promise<RuleView> {
  if ('name' in ref) {
    const name = checkName(ref.name);
    try {
      return await store.byName(name);
    } catch (err) {
      throw refusal(err);
    }
  }
  if (typeof ref.id !== 'string' || !/^[0-9a-f]{24}$/.test(ref.id)) throw invalid('id', 'a rule id is 24 lower-case hexadecimal digits');
  // Rules are few and every filter but {_id} is a scan on FerretDB: this is the index-served one.
  const doc = await store.collection.findOne({ _id: new ObjectId(ref.id) });
  if (!doc) throw notFound(`no rule with id ${ref.id}`);
  return store.byName(doc.name);
}

export async function addRule(store: RuleStore, input: Partial<Record<keyof RuleInput, unknown>>): Promise<RuleView> {
  const spec = checkRuleInput(input);
  try {
    await store.ensureIndexes(); // the unique name index makes a duplicate an error
    return await store.add(spec);
  } catch (err) {
    throw refusal(err);
  }
}

export function listRules(store: RuleStore): Promise<RuleView[]> {
  return store.list();
}

/** Applies the changes to the rule as it is and stores the result, checked as a whole (nothing on a refusal). */
export async function updateRule(store: RuleStore, ref: RuleRef, changes: Partial<Record<keyof RuleChanges, unknown>>): Promise<RuleView> {
  const patch = checkRuleChanges(changes);
  const current = await findRule(store, ref);
  refuseRebootThreshold(patch.metric ?? current.metric, patch.op, patch.clear);
  try {
    if (patch.name !== undefined) await store.ensureIndexes(); // the unique name index makes a taken name an error
    return await store.update(current.name, patch);
  } catch (err) {
    throw refusal(err);
  }
}

/** Removes a rule (its instances end without notices at the next check); answers it as it was. */
export async function removeRule(store: RuleStore, ref: RuleRef): Promise<RuleView> {
  const rule = await findRule(store, ref);
  try {
    await store.remove(rule.name);
  } catch (err) {
    throw refusal(err);
  }
  return rule;
}
