/**
 * Which hosts each check schedule covers and how soon it first notifies (issue 14 point 4), so the ingest can warn
 * an agent whose reporting interval is not well below the first step of the schedules covering it (coverage-cache.ts).
 *
 * The schedules live in Temporal and the check workflow does not write here: `hostwatch schedule create|update`
 * records a schedule's coverage when it can reach MongoDB, and `schedule delete` removes it. A schedule made or
 * changed some other way (`temporal schedule create`, the Web UI) is not known here, so it never warns.
 */
import { MongoClient, type Collection, type Db } from 'mongodb';
import type { CheckInput } from '../alerting/check-input.js';
import { DEFAULT_GRACE_SECONDS, DEFAULT_STEPS } from '../alerting/policy.js';

/** A document of the `schedule_coverage` collection. */
export interface CoverageDoc {
  /** The Temporal Schedule id. */
  _id: string;
  /** The first of its steps, in minutes. */
  firstStepMinutes: number;
  /** The tags it selects hosts by (any of), or null: every host. */
  tags: string[] | null;
  /** Its check grace (rule 9) in seconds. */
  graceSeconds: number;
  updatedAt: Date;
}

/** The coverage of a schedule running `input` (validated: parseCheckInput's defaults apply to absent fields). */
export function coverageOf(id: string, input: Partial<CheckInput>, at: Date): CoverageDoc {
  const tags = input.hosts?.tags;
  return {
    _id: id,
    firstStepMinutes: input.steps?.[0] ?? DEFAULT_STEPS[0]!,
    tags: tags && tags.length > 0 ? [...tags] : null,
    graceSeconds: input.graceSeconds ?? DEFAULT_GRACE_SECONDS,
    updatedAt: at,
  };
}

export class CoverageStore {
  readonly collection: Collection<CoverageDoc>;

  constructor(db: Db) {
    this.collection = db.collection<CoverageDoc>('schedule_coverage');
  }

  async put(doc: CoverageDoc): Promise<void> {
    const { _id, ...rest } = doc;
    await this.collection.updateOne({ _id }, { $set: rest }, { upsert: true });
  }

  async remove(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }

  /** Every recorded schedule (a handful of documents). */
  all(): Promise<CoverageDoc[]> {
    return this.collection.find({}).toArray();
  }
}

/** How long the CLI waits for MongoDB before giving up on recording coverage (it is optional there). */
const CLI_CONNECT_MS = 2_000;

/**
 * Records (`doc`) or removes (`remove`) one schedule's coverage for the CLI, on its own short-lived connection;
 * resolves to false instead of failing when MongoDB cannot be reached or refuses, since the schedule itself was
 * already changed in Temporal. Never throws and never says the URI (it may hold a password).
 */
export async function recordCoverage(uri: string, dbName: string, change: { doc: CoverageDoc } | { remove: string }): Promise<boolean> {
  let client: MongoClient | undefined;
  try {
    client = new MongoClient(uri, { serverSelectionTimeoutMS: CLI_CONNECT_MS, connectTimeoutMS: CLI_CONNECT_MS, socketTimeoutMS: 10_000, appName: 'hostwatch' });
    await client.connect();
    const store = new CoverageStore(client.db(dbName));
    if ('doc' in change) await store.put(change.doc);
    else await store.remove(change.remove);
    return true;
  } catch {
    return false;
  } finally {
    await client?.close().catch(() => undefined);
  }
}
