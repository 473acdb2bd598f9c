/** The running activity's logger and heartbeat, for code that may also run outside a worker (tests). */
import { Context } from '@temporalio/activity';

/** The running activity's context; undefined when an activity function is called outside a worker (tests). */
function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** Logs through the SDK's activity logger, which adds the workflow, activity and task queue ids. */
export function logInfo(message: string, meta: Record<string, unknown>): void {
  currentContext()?.log.info(message, meta);
}

/**
 * Records progress for the activity's heartbeat timeout, and stops the activity (by throwing) once the server has
 * cancelled it, for example because its run was terminated: a long write loop must not go on for a closed run.
 */
export function heartbeat(details: unknown): void {
  const context = currentContext();
  context?.heartbeat(details);
  context?.cancellationSignal.throwIfAborted();
}


/** A warning through the SDK's activity logger (see {@link logInfo}). */
export function logWarn(message: string, meta: Record<string, unknown>): void {
  currentContext()?.log.warn(message, meta);
}
