import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { StateChange } from '../alerting/types.js';
import type { CheckPage, CheckPageRequest, HostStore, StateWriteResult } from '../store/hosts-store.js';
import { isPermanentSmtpFailure, messageIdFor, type Mailer } from '../mail/mailer.js';

export interface ActivityDeps {
  hosts: HostStore;
  mailer: Mailer;
  /** Sender address, e.g. `hostwatch <alerts@example.com>`. */
  from: string;
  /** Time zone used when a check's input names none. */
  defaultTimezone: string;
}

export interface DigestRequest {
  recipients: string[];
  subject: string;
  text: string;
  /** Identifies the run; the Message-ID is derived from it. */
  runKey: string;
}

export interface DigestReceipt {
  messageId: string;
  accepted: number;
  rejected: string[];
}

export const SMTP_REJECTED = 'SmtpRejected';

/** The running activity's context; undefined when an activity function is called outside a worker (tests). */
function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** Logs through the SDK's activity logger, which adds the workflow, activity and task queue ids. */
function logInfo(message: string, meta: Record<string, unknown>): void {
  currentContext()?.log.info(message, meta);
}

/**
 * Records progress for the activity's heartbeat timeout, and stops the activity (by throwing) once the server has
 * cancelled it, for example because its run was terminated: a long write loop must not go on for a closed run.
 */
function heartbeat(details: unknown): void {
  const context = currentContext();
  context?.heartbeat(details);
  context?.cancellationSignal.throwIfAborted();
}

/** The worker's activities, over injected clients. Workflows type their proxies with `Activities`. */
export function createActivities(deps: ActivityDeps) {
  return {
    async checkDefaults(): Promise<{ timezone: string }> {
      return { timezone: deps.defaultTimezone };
    },

    async loadHostsPage(req: CheckPageRequest): Promise<CheckPage> {
      return deps.hosts.loadCheckPage(req);
    },

    async sendDigest(req: DigestRequest): Promise<DigestReceipt> {
      const messageId = messageIdFor(req.runKey, deps.from);
      try {
        const sent = await deps.mailer.send({ from: deps.from, to: req.recipients, subject: req.subject, text: req.text, messageId });
        logInfo('Digest sent', { messageId, recipients: req.recipients.length, accepted: sent.accepted.length, rejected: sent.rejected });
        return { messageId, accepted: sent.accepted.length, rejected: sent.rejected };
      } catch (err) {
        if (isPermanentSmtpFailure(err)) {
          throw ApplicationFailure.create({
            type: SMTP_REJECTED,
            nonRetryable: true,
            message: `mail server rejected the digest: ${(err as Error).message}`,
          });
        }
        throw err;
      }
    },

    async recordAlertState(req: { changes: StateChange[]; checkTime: number }): Promise<StateWriteResult> {
      // A heartbeat per write: a slow database (FerretDB's writes slow down as the collection grows) keeps the
      // activity alive as long as writes progress, and a stuck one is retried after the heartbeat timeout.
      const result = await deps.hosts.applyStateChanges(req.changes, req.checkTime, heartbeat);
      logInfo('Alert state recorded', { changes: req.changes.length, ...result });
      return result;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
