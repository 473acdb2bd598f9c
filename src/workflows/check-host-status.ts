import { ApplicationFailure, log, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import {
  emptyEvaluation,
  evaluateHosts,
  formatDigest,
  formatLocalTime,
  InvalidCheckInputError,
  offlineCutoff,
  parseCheckInput,
  quietHour,
  type AlertPolicy,
} from '../alerting/index.js';
import type { Activities } from '../activities/index.js';

/** Hosts per page: a page of snapshots stays far below Temporal's 512 KiB payload warning. */
export const HOSTS_PAGE_SIZE = 500;
/** State changes per write: small enough that one write finishes well within its timeout on FerretDB too. */
export const STATE_CHUNK_SIZE = 100;

// Transient failures retry with backoff; every activity gives up within two minutes, so a run does too
// (and the next scheduled run starts over from the database).
const RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s' } as const;

const store = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2m',
  retry: RETRY,
});

const mail = proxyActivities<Activities>({
  startToCloseTimeout: '45s',
  scheduleToCloseTimeout: '2m',
  retry: { ...RETRY, nonRetryableErrorTypes: ['SmtpRejected'] },
});

const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s' });

/** What a run returns; the Web UI shows it as the run's result. */
export interface CheckSummary {
  /** ISO time the check was taken at (workflow time). */
  checkTime: string;
  timezone: string;
  /** Hosts with a due step at check time; null when quiet hours held the run before loading hosts. */
  hostsOffline: number | null;
  hostsMuted: number;
  /** Offline notices in the digest. */
  notices: number;
  recoveries: number;
  quietHours: boolean;
  messageId?: string;
  /** One line, like the original task's: "Send email ok: 2", "No alarm", "Quiet hours 4: held". */
  message: string;
}

/** One scheduled check: ALERTING.md rules 1-8 over every eligible host. */
export async function checkHostStatus(rawInput: unknown): Promise<CheckSummary> {
  const checkTime = Date.now(); // workflow time: fixed for the run and replay-safe

  let input;
  try {
    input = parseCheckInput(rawInput);
  } catch (err) {
    if (err instanceof InvalidCheckInputError) {
      throw ApplicationFailure.create({ type: 'InvalidCheckInput', nonRetryable: true, message: err.message, details: [err.field] });
    }
    throw err;
  }
  const timezone = input.timezone ?? (await local.checkDefaults()).timezone;
  const policy: AlertPolicy = { steps: input.steps, ignoreHours: input.ignoreHours, timezone };
  const summary = { checkTime: new Date(checkTime).toISOString(), timezone, hostsMuted: 0, notices: 0, recoveries: 0 };

  const quiet = quietHour(checkTime, policy);
  if (quiet !== undefined) {
    return { ...summary, hostsOffline: null, quietHours: true, message: `Quiet hours ${quiet}: held` };
  }

  const evaluation = emptyEvaluation();
  const cutoff = offlineCutoff(checkTime, policy.steps);
  let afterId: string | undefined;
  do {
    const page = await store.loadHostsPage({ cutoff, limit: HOSTS_PAGE_SIZE, ...(afterId !== undefined && { afterId }) });
    evaluateHosts(page.hosts, checkTime, policy, evaluation);
    afterId = page.nextAfterId;
  } while (afterId !== undefined);

  const { offline, recoveries, changes } = evaluation;
  const counted = { ...summary, hostsOffline: evaluation.hostsOffline, hostsMuted: evaluation.hostsMuted, quietHours: false };
  if (offline.length + recoveries.length === 0) {
    // Every state change comes with a line (notify with a notice, clear with a recovery): nothing to write.
    return { ...counted, message: 'No alarm' };
  }

  const digest = formatDigest({ offline, recoveries, checkTime, timezone });
  const { workflowId, runId } = workflowInfo();
  const receipt = await mail.sendDigest({ recipients: input.recipients, subject: digest.subject, text: digest.text, runKey: `${workflowId}.${runId}` });

  // Rule 3: state advances only after the mail server accepted the digest.
  for (let i = 0; i < changes.length; i += STATE_CHUNK_SIZE) {
    await store.recordAlertState({ changes: changes.slice(i, i + STATE_CHUNK_SIZE), checkTime });
  }

  const result: CheckSummary = {
    ...counted,
    notices: offline.length,
    recoveries: recoveries.length,
    messageId: receipt.messageId,
    message: `Send email ok: ${offline.length + recoveries.length}`,
  };
  // Logged once per run (the SDK's workflow logger stays silent during replay).
  log.info('Check sent a digest', {
    notices: result.notices,
    recoveries: result.recoveries,
    hostsOffline: result.hostsOffline,
    hostsMuted: result.hostsMuted,
    stateChanges: changes.length,
    messageId: receipt.messageId,
  });
  return result;
}
