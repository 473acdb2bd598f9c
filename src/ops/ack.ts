/**
 * Acknowledging an alert (ALERTING.md rule 6, issue 14 point 3): what `hostwatch hosts ack`, the management API and the
 * signed acknowledge link (src/api/ack-routes.ts) do. An acknowledged instance gets no further step notices for
 * anyone; its end is still told to every destination notified of it. Only instances that hold now can be
 * acknowledged: the host's offline instance (while it is offline) and its open metric-rule instances. Acknowledging
 * again keeps the first acknowledgement.
 */
import { ObjectId, type Db } from 'mongodb';
import { isConditionDoc } from '../store/condition-state.js';
import { hostState } from '../store/host-status.js';
import type { HostDoc } from '../store/hosts-store.js';
import { RuleStore } from '../store/rules-store.js';
import { writeAck, type AckDoc, type AckTarget } from '../store/ack-store.js';
import { invalid, notFound } from './errors.js';
import { effectiveGrace } from '../store/host-grace.js';
import { TagSettingsStore } from '../store/tag-settings-store.js';
import { checkHostName } from './fields.js';

export interface AcknowledgeInput {
  /** The host's name. */
  host: string;
  /** `offline`, or a metric rule's name or id; absent: every instance of the host that holds now. */
  condition?: string;
  /** Who acknowledges (shown on the status page and in `hosts list`): 1 to 200 characters. */
  by: string;
}

/** One instance that holds now, as the operations show it. */
export interface ActiveInstance {
  /** Its key in the host document (`offline_<ms>`, `metric_<rule>_<ms>_<item hash>`). */
  key: string;
  condition: 'offline' | 'metric';
  /** Metric: the rule's name (its current one) and id, and the disk's mount (`''` for other metrics). */
  rule?: string;
  ruleId?: string;
  metric?: string;
  item?: string;
  /** ISO time it began. */
  since: string;
  ack?: { at: string; by: string };
}

export interface AcknowledgedInstance extends ActiveInstance {
  ack: { at: string; by: string };
  /** It was acknowledged before: the first acknowledgement is kept. */
  already: boolean;
}

export interface AcknowledgeResult {
  host: string;
  acknowledged: AcknowledgedInstance[];
}

const MAX_BY = 200;

/** The fields an acknowledgement reads. */
const PROJECTION = { name: 1, lastReportAt: 1, alerts: 1, interval: 1, 'data.interval': 1, grace: 1, tags: 1 } as const;
type AckHost = Pick<HostDoc, '_id' | 'name' | 'lastReportAt' | 'alerts' | 'interval' | 'data' | 'grace' | 'tags'>;

const ackJson = (a: AckDoc) => ({ at: a.at.toISOString(), by: a.by });

/** `offline` for an offline instance, `disk-full /var` for a metric one: how pages and messages name it. */
export function instanceLabel(i: Pick<ActiveInstance, 'condition' | 'rule' | 'item'>): string {
  return i.condition === 'offline' ? 'offline' : `${i.rule}${i.item ? ` ${i.item}` : ''}`;
}

/**
 * The instances of `host` that hold at `now`: the current offline one (written or not: a host offline but not yet
 * notified has no entry: offline as the check sees it, with the host's own or tag grace, `tagGraces`) and the open
 * metric-rule instances of rules that still exist (`ruleNames`: id -> name).
 */
export function activeInstances(host: AckHost, ruleNames: ReadonlyMap<string, string>, now: number, tagGraces: ReadonlyMap<string, number> = new Map()): ActiveInstance[] {
  const out: ActiveInstance[] = [];
  const last = host.lastReportAt;
  if (last) {
    const key = `offline_${last.getTime()}`;
    const entry = host.alerts?.[key];
    const written = entry?.start instanceof Date && entry.backAt === undefined;
    const reporting = { lastReportAt: last, data: host.data ?? null, ...(host.interval !== undefined && { interval: host.interval }) };
    if (written || hostState(reporting, now, effectiveGrace(host, tagGraces)?.seconds) === 'offline') {
      out.push({ key, condition: 'offline', since: last.toISOString(), ...(entry?.ack?.at instanceof Date && { ack: ackJson(entry.ack) }) });
    }
  }
  for (const [key, doc] of Object.entries(host.alerts ?? {})) {
    if (!isConditionDoc(doc) || doc.condition !== 'metric' || doc.endAt !== undefined) continue;
    const name = ruleNames.get(doc.rule);
    if (name === undefined) continue; // a removed rule: the next check drops its instances
    const ack = (doc as { ack?: AckDoc }).ack;
    out.push({ key, condition: 'metric', rule: name, ruleId: doc.rule, metric: doc.metric, item: doc.item ?? '', since: doc.start.toISOString(), ...(ack?.at instanceof Date && { ack: ackJson(ack) }) });
  }
  return out;
}

async function ruleNames(db: Db): Promise<Map<string, string>> {
  return new Map((await new RuleStore(db).all()).map((r) => [r.id, r.name]));
}

/** The tags' graces, read only for a host that has tags and no grace of its own. */
async function tagGracesFor(db: Db, host: AckHost): Promise<Map<string, number>> {
  return host.grace === undefined && (host.tags?.length ?? 0) > 0 ? new TagSettingsStore(db).graces() : new Map();
}

function checkBy(by: unknown): string {
  if (typeof by !== 'string' || by.trim() === '' || by.length > MAX_BY || /[\u0000-\u001f\u007f]/.test(by)) {
    throw invalid('by', `by must be 1 to ${MAX_BY} characters without control characters`);
  }
  return by.trim();
}

async function record(db: Db, host: AckHost, targets: readonly ActiveInstance[], by: string, at: Date): Promise<AcknowledgedInstance[]> {
  const hosts = db.collection<AckTarget>('hosts');
  const out: AcknowledgedInstance[] = [];
  for (const t of targets) {
    const written = await writeAck(hosts, host as AckTarget, t.key, { at, by });
    out.push({ ...t, ack: ackJson(written.ack), already: written.already });
  }
  return out;
}

/**
 * Acknowledges the host's instances that hold now (or the one of `condition`). Refused, with nothing written: an
 * unknown host (`not_found`), a bad field or a condition that does not hold (`invalid`).
 */
export async function acknowledge(db: Db, input: AcknowledgeInput, now: number = Date.now()): Promise<AcknowledgeResult> {
  const name = checkHostName(input?.host, 'host');
  const by = checkBy(input.by);
  const condition = input.condition;
  if (condition !== undefined && (typeof condition !== 'string' || condition.trim() === '' || condition.length > 200)) {
    throw invalid('condition', 'condition must be "offline" or a rule name or id');
  }
  const host = await db.collection<AckHost>('hosts').findOne({ name }, { projection: PROJECTION });
  if (!host) throw notFound(`no host named "${name}"`);
  const active = activeInstances(host, await ruleNames(db), now, await tagGracesFor(db, host));
  const wanted = condition === undefined ? active : active.filter((i) => (condition === 'offline' ? i.condition === 'offline' : i.rule === condition || i.ruleId === condition));
  if (wanted.length === 0) {
    throw invalid('condition', condition === undefined ? `host "${name}" has no active condition` : `host "${name}" has no active condition "${condition}"`);
  }
  return { host: name, acknowledged: await record(db, host, wanted, by, new Date(now)) };
}

/** What an acknowledge link names, looked up: the instance holding now, or why it cannot be acknowledged. */
export type LinkedInstance = { state: 'active'; host: string; instance: ActiveInstance } | { state: 'unknown_host' } | { state: 'ended'; host: string };

async function linked(db: Db, hostId: string, key: string, now: number): Promise<{ found: LinkedInstance; host?: AckHost }> {
  const host = await db.collection<AckHost>('hosts').findOne({ _id: new ObjectId(hostId) }, { projection: PROJECTION });
  if (!host) return { found: { state: 'unknown_host' } };
  const instance = activeInstances(host, await ruleNames(db), now, await tagGracesFor(db, host)).find((i) => i.key === key);
  return instance ? { found: { state: 'active', host: host.name, instance }, host } : { found: { state: 'ended', host: host.name } };
}

/** The instance a (verified) link names, for its page. */
export async function linkedInstance(db: Db, hostId: string, key: string, now: number = Date.now()): Promise<LinkedInstance> {
  return (await linked(db, hostId, key, now)).found;
}

/** Acknowledges the instance a (verified) link names, if it holds now; otherwise says why not and writes nothing. */
export async function acknowledgeLinked(db: Db, hostId: string, key: string, by: string, now: number = Date.now()): Promise<LinkedInstance & { acknowledged?: AcknowledgedInstance }> {
  const { found, host } = await linked(db, hostId, key, now);
  if (found.state !== 'active') return found;
  const [acknowledged] = await record(db, host!, [found.instance], checkBy(by), new Date(now));
  return { ...found, acknowledged: acknowledged! };
}

