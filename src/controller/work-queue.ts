/**
 * A keyed work queue in the manner of client-go's: keys are `namespace/name` of the objects
 * to reconcile, never the events themselves, so any burst of events for one object becomes
 * one pending key, and the reconcile reads the current state when it runs.
 *
 * Guarantees:
 * - a key is pending at most once; adding it again while pending does nothing;
 * - a key is handed to at most one worker at a time; a key added while a worker holds it is
 *   marked dirty and becomes pending again when that worker calls {@link WorkQueue.done};
 * - failures retry after a per-key delay that doubles up to a cap, until
 *   {@link WorkQueue.forget} resets it.
 */
import { systemClock, type Clock, type Timer } from '../clock.js';

/** Per-key exponential backoff for {@link WorkQueue.addRateLimited}. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/**
 * 500 ms base, 5 min cap. client-go starts at 5 ms, which suits reconciles that cost
 * nothing; ours sends several writes, so the first retries would only add load. 500 ms still
 * retries a lost optimistic-concurrency race within a second, and the eleventh retry in a row reaches
 * the cap. Five minutes bounds how long a fixed cause (a GPU node that came back) goes unnoticed;
 * watch events for the object requeue it sooner anyway.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 5 * 60_000 };

/** Options for a {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** @default systemClock */
  clock?: Clock;
  /** @default {@link DEFAULT_BACKOFF} */
  backoff?: BackoffPolicy;
}

/** The delay before retry number `failures` (1 for the first retry). */
export function backoffDelay(failures: number, policy: BackoffPolicy): number {
  if (failures <= 0) return 0;
  // Cap the exponent too, so a long streak cannot overflow to Infinity.
  const exponent = Math.min(failures - 1, 52);
  return Math.min(policy.baseMs * 2 ** exponent, policy.capMs);
}

interface DelayedKey {
  dueAt: number;
  timer: Timer;
}

/** A deduplicating, per-key exclusive queue with delayed and rate-limited adds. */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly backoff: BackoffPolicy;
  private readonly pending: string[] = [];
  /** Keys that need processing: pending ones and held ones that were added again. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, DelayedKey>();
  private readonly failureCounts = new Map<string, number>();
  private waiters: Array<(key: string | undefined) => void> = [];
  private shuttingDown = false;
  private drained: (() => void) | undefined;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /** Keys waiting to be handed out (not counting held or delayed ones). */
  get length(): number {
    return this.pending.length;
  }

  /** True once {@link shutDown} was called. */
  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Makes `key` pending, unless it already is; a held key is requeued after `done`. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.enqueue(key);
  }

  /**
   * Adds `key` after `delayMs`. When the key is already waiting, the earlier time wins, so a
   * later, longer request cannot postpone work already scheduled.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const dueAt = this.clock.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing && existing.dueAt <= dueAt) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimer(() => this.fireDelayed(key), delayMs);
    this.delayed.set(key, { dueAt, timer });
  }

  /**
   * Adds `key` after its backoff delay and counts one more failure for it.
   *
   * @returns the delay chosen, for logs
   */
  addRateLimited(key: string): number {
    const failures = (this.failureCounts.get(key) ?? 0) + 1;
    this.failureCounts.set(key, failures);
    const delayMs = backoffDelay(failures, this.backoff);
    this.addAfter(key, delayMs);
    return delayMs;
  }

  /** Resets the failure count of `key`; call after a successful reconcile. */
  forget(key: string): void {
    this.failureCounts.delete(key);
  }

  /** Failures counted for `key` since it was last forgotten. */
  failures(key: string): number {
    return this.failureCounts.get(key) ?? 0;
  }

  /**
   * The next pending key, which the caller now holds until {@link done}. Waits while nothing
   * is pending; resolves undefined once the queue shuts down.
   */
  get(): Promise<string | undefined> {
    const key = this.pending.shift();
    if (key !== undefined) return Promise.resolve(this.hold(key));
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Releases `key`; if it was added while held, it becomes pending again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key);
    if (this.shuttingDown && this.processing.size === 0) this.drained?.();
  }

  /**
   * Stops the queue: adds are ignored, pending and delayed keys are dropped, waiting
   * workers get undefined. Resolves when every held key is done.
   *
   * Pending keys are dropped rather than processed because shutdown means this instance
   * stops acting (SIGTERM, or leadership lost); whoever acts next lists every object and
   * reconciles it anyway.
   */
  shutDown(): Promise<void> {
    this.shuttingDown = true;
    this.pending.length = 0;
    this.dirty.clear();
    for (const { timer } of this.delayed.values()) timer.cancel();
    this.delayed.clear();
    for (const wake of this.waiters.splice(0)) wake(undefined);
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }

  private enqueue(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.hold(key));
    else this.pending.push(key);
  }

  private hold(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private fireDelayed(key: string): void {
    this.delayed.delete(key);
    this.add(key);
  }
}
