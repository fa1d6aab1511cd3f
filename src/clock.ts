/**
 * The one source of time for the operator's runtime code. Every component that waits or
 * compares timestamps takes a {@link Clock}, so tests can drive time by hand instead of
 * sleeping.
 */

/** A scheduled callback that can be cancelled before it runs. */
export interface Timer {
  cancel(): void;
}

/** Wall-clock time in milliseconds and one-shot timers. */
export interface Clock {
  now(): number;
  setTimer(callback: () => void, delayMs: number): Timer;
}

/** The real clock: `Date.now` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const handle = setTimeout(callback, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  },
};

/**
 * Waits `delayMs` on `clock`. Resolves early, without throwing, when `signal` aborts, so
 * loops can check their own stop condition after every wait.
 */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = (): void => {
      timer.cancel();
      resolve();
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
