import type { HostWrite } from '../alerting/types.js';
import type { CheckPage, CheckPageRequest, HostStore, StateWriteResult } from '../store/hosts-store.js';
import type { Mailer } from '../mail/mailer.js';
import type { Rule } from '../rules/rule.js';
import type { RuleStore } from '../store/rules-store.js';
import { heartbeat, logInfo } from './context.js';
import { createDeliveryActivities, type ChannelLookup, type DeliveryDeps } from './delivery.js';
import { createHousekeepingActivities, DEFAULT_RETENTION, type Retention } from './housekeeping.js';
import { MetricHistoryStore } from '../store/metric-history.js';
import { createNoticeLogActivities } from './notice-log.js';
import { NoticeLogStore } from '../store/notice-log-store.js';

export interface ActivityDeps {
  hosts: HostStore;
  /** Channels by name (the `channels` collection). */
  channels: ChannelLookup;
  /** Metric rules (the `rules` collection). */
  rules: Pick<RuleStore, 'all'>;
  mailer: Mailer;
  /** Sender address, e.g. `hostwatch <alerts@example.com>`. */
  from: string;
  /** Time zone used when a check's input names none. */
  defaultTimezone: string;
  /** Housekeeping: the metric history (default: on the hosts' database) and the retention (default: config.ts defaults). */
  history?: MetricHistoryStore;
  retention?: Readonly<Retention>;
  /** The notification log (`notice_log`); default: the one in the hosts' database. */
  notices?: Pick<NoticeLogStore, 'record' | 'ensureIndexes'>;
  /** Acknowledge links in notices (PUBLIC_URL; delivery.ts); absent: none. */
  ackLinks?: DeliveryDeps['ackLinks'];
}

/** The worker's activities, over injected clients. Workflows type their proxies with `Activities`. */
export function createActivities(deps: ActivityDeps) {
  return {
    async checkDefaults(): Promise<{ timezone: string }> {
      return { timezone: deps.defaultTimezone };
    },

    /** The metric rules a check applies: names, thresholds and steps (nothing secret). */
    async loadRules(): Promise<Rule[]> {
      return deps.rules.all();
    },

    async loadHostsPage(req: CheckPageRequest): Promise<CheckPage> {
      return deps.hosts.loadCheckPage(req);
    },

    ...createDeliveryActivities(deps),

    ...createHousekeepingActivities({ db: deps.hosts.collection.db, history: deps.history ?? new MetricHistoryStore(deps.hosts.collection.db), retention: deps.retention ?? DEFAULT_RETENTION }),

    ...createNoticeLogActivities({ notices: deps.notices ?? new NoticeLogStore(deps.hosts.collection.db) }),

    /** Rule 3: one write per host, keeping what the destinations in `accepted` were told. */
    async recordAlertState(req: { writes: HostWrite[]; accepted: string[]; checkTime: number }): Promise<StateWriteResult> {
      // A heartbeat per write keeps the activity alive as long as writes progress; a stuck one is retried after the
      // heartbeat timeout, and a cancelled one (its run was terminated) stops at the next write.
      const result = await deps.hosts.applyHostWrites(req.writes, req.accepted, req.checkTime, heartbeat);
      logInfo('Alert state recorded', { hosts: req.writes.length, destinations: req.accepted.length, ...result });
      return result;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
