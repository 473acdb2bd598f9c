import type { Collection, Db } from 'mongodb';
import { isGraceSeconds } from './host-grace.js';

/** A document of the `tag_settings` collection: settings of one tag (issue 14 point 4); only `grace` so far. */
export interface TagSettingsDoc {
  /** The tag, as stored on hosts (tags.ts: lower case). */
  _id: string;
  /** Seconds of silence allowed beyond a host's reporting interval for hosts carrying the tag (host-grace.ts). */
  grace?: number;
}

/**
 * Per-tag settings. Every read and write is by `_id` or of the whole (small: one document per configured tag)
 * collection, so FerretDB serves it without scanning the hosts.
 */
export class TagSettingsStore {
  readonly collection: Collection<TagSettingsDoc>;

  constructor(db: Db) {
    this.collection = db.collection<TagSettingsDoc>('tag_settings');
  }

  /** Sets the tag's grace (validated by the caller: src/ops/grace.ts). */
  async setGrace(tag: string, seconds: number): Promise<void> {
    await this.collection.updateOne({ _id: tag }, { $set: { grace: seconds } }, { upsert: true });
  }

  /** Clears the tag's grace; returns whether it had one. The document goes with it (grace is its only setting). */
  async clearGrace(tag: string): Promise<boolean> {
    const result = await this.collection.deleteOne({ _id: tag });
    return result.deletedCount === 1;
  }

  /** Seconds by tag, for the tags that have a grace (a stored value out of bounds is left out). */
  async graces(): Promise<Map<string, number>> {
    const docs = await this.collection.find({}).toArray();
    return new Map(docs.flatMap((d) => (isGraceSeconds(d.grace) ? [[d._id, d.grace] as const] : [])));
  }
}
