/**
 * The loop that feeds keys from a {@link WorkQueue} to a reconcile function, and what a
 * reconcile can ask the queue to do next.
 */
import type { WorkQueue } from './work-queue.js';

/**
 * What the reconcile of one key asks for next.
 *
 * - `done`: the object is where it should be; reset its backoff.
 * - `requeueAfter`: fine for now, look again after `delayMs` (a pod still loading).
 * - `retry`: a transient failure; try again after the key's backoff delay.
 * - `permanent`: retrying cannot help (a spec the schema could not reject); the reconcile
 *   already reported it as a condition, and the next change to the object requeues it.
 */
export type ReconcileResult =
  | { kind: 'done' }
  | { kind: 'requeueAfter'; delayMs: number }
  | { kind: 'retry'; error: unknown }
  | { kind: 'permanent'; error: unknown };

/** Reconciles one key; a throw is treated as `retry`. */
export type ReconcileFunction = (key: string) => Promise<ReconcileResult>;

/** Options for {@link runWorkers}. */
export interface WorkerOptions {
  queue: WorkQueue;
  /** How many keys are reconciled at once; each key still runs alone. */
  workers: number;
  reconcile: ReconcileFunction;
  /** Sees each result and its duration, for metrics and the one log line per failure. */
  onResult?: (key: string, result: ReconcileResult, durationMs: number) => void;
  now?: () => number;
}

/**
 * Runs `workers` loops, each taking a key, reconciling it and applying the result to the
 * queue. Resolves once the queue has shut down and every loop has finished its last key.
 */
export async function runWorkers(options: WorkerOptions): Promise<void> {
  const count = Math.max(1, Math.floor(options.workers));
  await Promise.all(Array.from({ length: count }, () => runOneWorker(options)));
}

async function runOneWorker(options: WorkerOptions): Promise<void> {
  const now = options.now ?? Date.now;
  for (let key = await options.queue.get(); key !== undefined; key = await options.queue.get()) {
    const startedAt = now();
    const result = await reconcileSafely(options.reconcile, key);
    applyResult(options.queue, key, result);
    options.queue.done(key);
    options.onResult?.(key, result, now() - startedAt);
  }
}

async function reconcileSafely(
  reconcile: ReconcileFunction,
  key: string,
): Promise<ReconcileResult> {
  try {
    return await reconcile(key);
  } catch (error) {
    return { kind: 'retry', error };
  }
}

/** What each result does to the key's place in the queue and its backoff. */
export function applyResult(queue: WorkQueue, key: string, result: ReconcileResult): void {
  switch (result.kind) {
    case 'done':
    case 'permanent':
      queue.forget(key);
      return;
    case 'requeueAfter':
      queue.forget(key);
      queue.addAfter(key, result.delayMs);
      return;
    case 'retry':
      queue.addRateLimited(key);
      return;
  }
}
