/**
 * Waiting on conditions in tests without fixed sleeps: `eventually` polls until a check
 * passes or a deadline passes; `never` polls for a while and fails if the check ever passes.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** How long to keep polling and how often. */
export interface PollOptions {
  timeoutMs: number;
  /** @default 50 */
  intervalMs?: number;
  /** What is awaited, for the failure message. */
  what?: string;
}

/** How long to watch for something that must not happen, and how often to look. */
export interface NeverOptions {
  forMs: number;
  /** @default 50 */
  intervalMs?: number;
  /** What must not happen, for the failure message. */
  what?: string;
}

/**
 * Calls `check` until it returns without throwing, and returns its value. Fails with the last
 * error when `timeoutMs` passes first.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  { timeoutMs, intervalMs = 50, what }: PollOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = new Error('check never ran');
  let failedOnItsOwn = false;
  while (Date.now() <= deadline) {
    try {
      return await beforeDeadline(check, deadline);
    } catch (err) {
      // A check cut off by the deadline says less than the failure before it.
      if (!(err instanceof StillRunning && failedOnItsOwn)) lastError = err;
      failedOnItsOwn ||= !(err instanceof StillRunning);
    }
    await delay(intervalMs);
  }
  const subject = what ? `${what}: ` : '';
  throw new Error(`${subject}not true within ${timeoutMs} ms: ${describe(lastError)}`, {
    cause: lastError,
  });
}

/** The longest one check of {@link never} may run: a slow check is not a hang. */
const neverCheckTimeoutMs = 15_000;

/**
 * Calls `condition` for `forMs` and fails as soon as it returns true, for asserting that
 * something does not happen.
 */
export async function never(
  condition: () => boolean | Promise<boolean>,
  { forMs, intervalMs = 50, what = 'condition became true' }: NeverOptions,
): Promise<void> {
  const deadline = Date.now() + forMs;
  while (Date.now() <= deadline) {
    if (await beforeDeadline(condition, Date.now() + neverCheckTimeoutMs)) {
      throw new Error(`${what} (within ${forMs} ms)`);
    }
    await delay(intervalMs);
  }
}

/** A check that had not finished when its deadline came. */
class StillRunning extends Error {}

/** Runs `fn`, failing instead of hanging when it is still running at `deadline`. */
async function beforeDeadline<T>(fn: () => T | Promise<T>, deadline: number): Promise<T> {
  const controller = new AbortController();
  const timeout = delay(Math.max(0, deadline - Date.now()), undefined, {
    signal: controller.signal,
  }).then(() => {
    throw new StillRunning('check still running at the deadline');
  });
  try {
    return await Promise.race([Promise.resolve().then(fn), timeout]);
  } finally {
    controller.abort();
    timeout.catch(() => undefined);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
