import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sleep } from '../src/clock.js';
import { FakeClock } from './support/fake-clock.js';

describe('sleep', () => {
  it('resolves when the clock passes the delay', async () => {
    const clock = new FakeClock();
    let woke = false;
    const sleeping = sleep(clock, 1_000).then(() => (woke = true));
    await clock.advanceAsync(999);
    assert.equal(woke, false);
    await clock.advanceAsync(1);
    await sleeping;
    assert.equal(woke, true);
  });

  it('resolves early, without throwing, when its signal aborts, and cancels its timer', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const sleeping = sleep(clock, 60_000, controller.signal);
    controller.abort();
    await sleeping;
    assert.equal(clock.pendingTimers, 0);
  });

  it('returns at once for a signal that already aborted', async () => {
    const clock = new FakeClock();
    await sleep(clock, 60_000, AbortSignal.abort());
    assert.equal(clock.pendingTimers, 0);
  });
});
