import { ProblemError } from '@cascade/common';

export interface Deadline {
  signal: AbortSignal;
  /** Stop the timer once the work finished; aborting later would be a no-op but keeps a timer alive. */
  clear(): void;
}

/**
 * An abort signal that fires after `ms` with an `upstream-timeout` problem as its reason, so whoever
 * sees the aborted request can report the timeout without guessing why the socket died.
 */
export function createDeadline(ms: number): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new ProblemError('upstream-timeout', `the origin did not answer within ${ms} ms`));
  }, ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
