import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkQueue, backoffDelay, DEFAULT_BACKOFF } from '../../src/controller/work-queue.js';
import { runWorkers, type ReconcileResult } from '../../src/controller/workers.js';
import { FakeClock } from '../support/fake-clock.js';

/** Takes every key pending right now, without waiting. */
async function drainPending(queue: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (queue.length > 0) keys.push((await queue.get()) as string);
  return keys;
}

describe('backoffDelay', () => {
  const cases: Array<[string, number, number]> = [
    ['no failure means no delay', 0, 0],
    ['the first retry waits the base', 1, 500],
    ['the second retry waits twice the base', 2, 1_000],
    ['the fifth retry waits sixteen times the base', 5, 8_000],
    ['the tenth retry still doubles, to 256 s', 10, 256_000],
    ['the eleventh retry is held at the 5 min cap', 11, 300_000],
    ['a very long streak stays at the cap', 10_000, 300_000],
  ];
  for (const [name, failures, expected] of cases) {
    it(name, () => assert.equal(backoffDelay(failures, DEFAULT_BACKOFF), expected));
  }
});

describe('WorkQueue', () => {
  it('collapses repeated adds of a pending key into one', async () => {
    const queue = new WorkQueue({ clock: new FakeClock() });
    for (const key of ['a/x', 'a/y', 'a/x', 'a/x', 'a/y']) queue.add(key);
    assert.deepEqual(await drainPending(queue), ['a/x', 'a/y']);
  });

  it('never hands out a key that a worker still holds', async () => {
    const queue = new WorkQueue({ clock: new FakeClock() });
    queue.add('a/x');
    const held = await queue.get();
    queue.add('a/x');
    assert.equal(held, 'a/x');
    assert.equal(queue.length, 0, 'a held key added again must wait for done');
    queue.done('a/x');
    assert.deepEqual(await drainPending(queue), ['a/x']);
  });

  it('does not requeue a held key that nobody added again', async () => {
    const queue = new WorkQueue({ clock: new FakeClock() });
    queue.add('a/x');
    queue.done((await queue.get()) as string);
    assert.equal(queue.length, 0);
  });

  it('hands a key added later to a worker already waiting', async () => {
    const queue = new WorkQueue({ clock: new FakeClock() });
    const waiting = queue.get();
    queue.add('a/x');
    assert.equal(await waiting, 'a/x');
  });

  it('adds a delayed key only when its time comes', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    queue.addAfter('a/x', 1_000);
    clock.advance(999);
    assert.equal(queue.length, 0);
    clock.advance(1);
    assert.deepEqual(await drainPending(queue), ['a/x']);
  });

  it('keeps the earlier time when a delayed key is added again with a later one', () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    queue.addAfter('a/x', 1_000);
    queue.addAfter('a/x', 60_000);
    clock.advance(1_000);
    assert.equal(queue.length, 1);
  });

  it('moves a delayed key earlier when added again with a shorter delay', () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    queue.addAfter('a/x', 60_000);
    queue.addAfter('a/x', 10);
    clock.advance(10);
    assert.equal(queue.length, 1);
    clock.advance(60_000);
    assert.equal(queue.length, 1, 'the replaced timer must not add it a second time');
  });

  it('doubles the retry delay per failure and starts over after forget', () => {
    const queue = new WorkQueue({ clock: new FakeClock() });
    const delays = [1, 2, 3].map(() => queue.addRateLimited('a/x'));
    queue.forget('a/x');
    delays.push(queue.addRateLimited('a/x'));
    assert.deepEqual(delays, [500, 1_000, 2_000, 500]);
    assert.equal(queue.failures('a/x'), 1);
  });

  it('keeps the backoff of each key separate', () => {
    const queue = new WorkQueue({ clock: new FakeClock() });
    queue.addRateLimited('a/x');
    queue.addRateLimited('a/x');
    assert.equal(queue.addRateLimited('a/y'), 500);
  });

  it('on shutdown drops pending and delayed keys and wakes waiting workers', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    queue.addAfter('a/later', 1_000);
    const waiting = queue.get();
    await queue.shutDown();
    assert.equal(await waiting, undefined);
    queue.add('a/x');
    clock.advance(1_000);
    assert.equal(queue.length, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  it('resolves shutdown only after the held keys are done', async () => {
    const queue = new WorkQueue({ clock: new FakeClock() });
    queue.add('a/x');
    await queue.get();
    let finished = false;
    const shutdown = queue.shutDown().then(() => (finished = true));
    await Promise.resolve();
    assert.equal(finished, false);
    queue.done('a/x');
    await shutdown;
    assert.equal(finished, true);
  });
});

describe('runWorkers', () => {
  it('runs different keys in parallel but one key never twice at once', async () => {
    const queue = new WorkQueue({ clock: new FakeClock() });
    const running = new Set<string>();
    const seen = { overlap: false, maxParallel: 0, runs: 0, startedAfterShutdown: 0 };
    const reconcile = async (key: string): Promise<ReconcileResult> => {
      if (queue.isShuttingDown) seen.startedAfterShutdown += 1;
      seen.overlap ||= running.has(key);
      running.add(key);
      seen.maxParallel = Math.max(seen.maxParallel, running.size);
      queue.add(key); // an event for the object arrives while it is being reconciled
      await new Promise((resolve) => setImmediate(resolve));
      running.delete(key);
      return { kind: 'done' };
    };
    const onResult = (): void => {
      if (++seen.runs === 6) void queue.shutDown();
    };
    for (const key of ['a/x', 'a/y', 'a/z']) queue.add(key);
    await runWorkers({ queue, workers: 3, reconcile, onResult });
    // The two keys still held at shutdown finish; nothing new starts.
    assert.deepEqual(seen, { overlap: false, maxParallel: 3, runs: 8, startedAfterShutdown: 0 });
  });

  it('turns each result into the queue action it names', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    const results: Record<string, ReconcileResult> = {
      'a/done': { kind: 'done' },
      'a/later': { kind: 'requeueAfter', delayMs: 30_000 },
      'a/retry': { kind: 'retry', error: new Error('conflict') },
      'a/bad': { kind: 'permanent', error: new Error('invalid spec') },
    };
    const seen: string[] = [];
    for (const key of Object.keys(results)) queue.add(key);
    const workers = runWorkers({
      queue,
      workers: 1,
      reconcile: async (key) => results[key] as ReconcileResult,
      onResult: (key, result) => {
        seen.push(`${key}:${result.kind}`);
        if (seen.length === 4) void queue.shutDown();
      },
    });
    await workers;
    assert.deepEqual(seen, [
      'a/done:done',
      'a/later:requeueAfter',
      'a/retry:retry',
      'a/bad:permanent',
    ]);
    assert.equal(queue.failures('a/retry'), 1);
    assert.equal(queue.failures('a/bad'), 0);
  });

  it('treats a reconcile that throws as a retry', async () => {
    const queue = new WorkQueue({ clock: new FakeClock() });
    queue.add('a/x');
    const kinds: string[] = [];
    await runWorkers({
      queue,
      workers: 1,
      reconcile: async () => {
        throw new Error('boom');
      },
      onResult: (_key, result) => {
        kinds.push(result.kind);
        void queue.shutDown();
      },
    });
    assert.deepEqual(kinds, ['retry']);
  });

  it('requeues a key whose delay comes due', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    queue.add('a/x');
    let runs = 0;
    const workers = runWorkers({
      queue,
      workers: 1,
      reconcile: async () => {
        runs += 1;
        return runs === 1 ? { kind: 'requeueAfter', delayMs: 5_000 } : { kind: 'done' };
      },
      onResult: () => {
        if (runs === 2) void queue.shutDown();
      },
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(runs, 1);
    clock.advance(5_000);
    await workers;
    assert.equal(runs, 2);
  });
});
