/**
 * A hand-driven {@link Clock}: time moves only when a test calls `advance`, and timers fire
 * in due order as it passes them.
 */
import type { Clock, Timer } from '../../src/clock.js';

interface FakeTimer {
  dueAt: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

/** A clock for deterministic tests. */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(callback: () => void, delayMs: number): Timer {
    const timer = { dueAt: this.current + Math.max(0, delayMs), seq: this.seq++, callback };
    const entry: FakeTimer = { ...timer, cancelled: false };
    this.timers.push(entry);
    return { cancel: () => (entry.cancelled = true) };
  }

  /** Timers scheduled and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.timers.filter((timer) => !timer.cancelled).length;
  }

  /** Moves time forward by `ms`, firing each timer due on the way at its own due time. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (let timer = this.nextDue(target); timer; timer = this.nextDue(target)) {
      this.current = timer.dueAt;
      timer.cancelled = true;
      timer.callback();
    }
    this.current = target;
  }

  /**
   * Lets pending promise callbacks run, then moves time like {@link advance}, then lets the
   * callbacks the fired timers caused run; for code that awaits timers and promises in turn.
   */
  async advanceAsync(ms: number, settleRounds = 20): Promise<void> {
    await settle(settleRounds);
    this.advance(ms);
    await settle(settleRounds);
  }

  private nextDue(target: number): FakeTimer | undefined {
    this.timers = this.timers.filter((timer) => !timer.cancelled);
    const due = this.timers.filter((timer) => timer.dueAt <= target);
    due.sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
    return due[0];
  }
}

async function settle(rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) await Promise.resolve();
}
