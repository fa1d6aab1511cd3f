import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import {
  DEFAULT_LEASE_DURATIONS,
  LeaderElector,
  decideLeaseAction,
  observeLease,
  validateLeaseDurations,
  type LeaseAction,
  type ObservedLease,
} from '../../src/kube/leader-election.js';
import type { LeaseRecord, LeaseStore } from '../../src/kube/lease-store.js';
import { createSilentLogger } from '../../src/log.js';
import { FakeClock } from '../support/fake-clock.js';

const durations = DEFAULT_LEASE_DURATIONS;
const NOW = 1_000_000;

function observed(holder: string, observedAtMs: number, seconds = 15): ObservedLease {
  return {
    holderIdentity: holder,
    leaseDurationSeconds: seconds,
    resourceVersion: '1',
    observedAtMs,
  };
}

describe('decideLeaseAction', () => {
  const cases: Array<[string, ObservedLease | undefined, LeaseAction]> = [
    ['creates the lease when none exists', undefined, { kind: 'create' }],
    ['renews a lease it holds', observed('me', NOW - 14_000), { kind: 'renew' }],
    [
      'renews a lease it holds even when that looks expired',
      observed('me', NOW - 60_000),
      { kind: 'renew' },
    ],
    ['takes a released lease at once', observed('', NOW), { kind: 'acquire', reason: 'released' }],
    [
      'waits while the holder renewed within the lease duration',
      observed('other', NOW - 5_000),
      { kind: 'wait', holder: 'other', expiresInMs: 10_000 },
    ],
    [
      'waits until the very last millisecond',
      observed('other', NOW - 14_999),
      { kind: 'wait', holder: 'other', expiresInMs: 1 },
    ],
    [
      'takes over once the lease duration has passed unrenewed',
      observed('other', NOW - 15_000),
      { kind: 'acquire', reason: 'expired' },
    ],
    [
      "honours the holder's own, longer lease duration",
      observed('other', NOW - 20_000, 30),
      { kind: 'wait', holder: 'other', expiresInMs: 10_000 },
    ],
    [
      'falls back to its own duration when the lease states none',
      { ...observed('other', NOW - 16_000), leaseDurationSeconds: undefined },
      { kind: 'acquire', reason: 'expired' },
    ],
  ];
  for (const [name, lease, expected] of cases) {
    it(name, () => assert.deepEqual(decideLeaseAction(lease, NOW, 'me', durations), expected));
  }
});

describe('observeLease', () => {
  const record = (resourceVersion: string): LeaseRecord => ({
    holderIdentity: 'other',
    leaseDurationSeconds: 15,
    acquireTimeMs: 0,
    renewTimeMs: 0,
    leaseTransitions: 0,
    resourceVersion,
  });
  const cases: Array<
    [string, ObservedLease | undefined, LeaseRecord | undefined, number | undefined]
  > = [
    ['starts the countdown at the first sight of a lease', undefined, record('1'), NOW],
    [
      'keeps the countdown while the lease is unchanged',
      observed('other', NOW - 9_000),
      record('1'),
      NOW - 9_000,
    ],
    [
      'restarts the countdown when the lease was written',
      observed('other', NOW - 9_000),
      record('2'),
      NOW,
    ],
    ['forgets the lease when it was deleted', observed('other', NOW - 9_000), undefined, undefined],
  ];
  for (const [name, previous, current, expectedAt] of cases) {
    it(name, () => assert.equal(observeLease(previous, current, NOW)?.observedAtMs, expectedAt));
  }
});

describe('validateLeaseDurations', () => {
  const cases: Array<[string, Partial<typeof durations>, boolean]> = [
    ['accepts the defaults', {}, true],
    ['rejects a renew deadline as long as the lease', { renewDeadlineMs: 15_000 }, false],
    ['rejects a retry period as long as the renew deadline', { retryPeriodMs: 10_000 }, false],
    ['rejects a lease duration in fractions of a second', { leaseMs: 15_500 }, false],
  ];
  for (const [name, change, valid] of cases) {
    it(name, () => {
      const check = () => validateLeaseDurations({ ...durations, ...change });
      if (valid) assert.doesNotThrow(check);
      else assert.throws(check);
    });
  }
});

/** An API server's view of one Lease: resourceVersion checks included. */
class MemoryLeaseStore implements LeaseStore {
  record: LeaseRecord | undefined;
  failing = false;
  private version = 0;

  async read(): Promise<LeaseRecord | undefined> {
    this.failIfBroken();
    return this.record && { ...this.record };
  }

  async create(record: LeaseRecord): Promise<LeaseRecord> {
    this.failIfBroken();
    if (this.record) throw status(409, 'AlreadyExists');
    return this.store(record);
  }

  async replace(record: LeaseRecord): Promise<LeaseRecord> {
    this.failIfBroken();
    if (record.resourceVersion !== this.record?.resourceVersion) throw status(409, 'Conflict');
    return this.store(record);
  }

  /** Another process writing the lease behind the electors' backs. */
  overwrite(change: Partial<LeaseRecord>): void {
    this.store({ ...(this.record as LeaseRecord), ...change });
  }

  private store(record: LeaseRecord): LeaseRecord {
    this.record = { ...record, resourceVersion: String(++this.version) };
    return { ...this.record };
  }

  private failIfBroken(): void {
    if (this.failing)
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  }
}

function status(code: number, reason: string): ApiException<string> {
  return new ApiException(code, reason, JSON.stringify({ kind: 'Status', reason, code }), {});
}

interface Candidate {
  elector: LeaderElector;
  log: string[];
  signal(): AbortSignal | undefined;
  done: Promise<void>;
}

function candidate(identity: string, store: LeaseStore, clock: FakeClock): Candidate {
  const log: string[] = [];
  let leaderSignal: AbortSignal | undefined;
  const elector = new LeaderElector({
    store,
    identity,
    clock,
    logger: createSilentLogger(),
    onStartedLeading: (signal) => {
      leaderSignal = signal;
      log.push(`started@${clock.now() - start}`);
    },
    onStoppedLeading: () => log.push(`stopped@${clock.now() - start}`),
  });
  const start = clock.now();
  return { elector, log, signal: () => leaderSignal, done: elector.run() };
}

/** Lets fake time pass in small steps, letting promises settle after each. */
async function pass(clock: FakeClock, ms: number): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += 100)
    await clock.advanceAsync(Math.min(100, ms - elapsed));
}

describe('LeaderElector', () => {
  it('lets the first candidate lead and keeps the second waiting while it renews', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const first = candidate('first', store, clock);
    await pass(clock, 100);
    const second = candidate('second', store, clock);
    await pass(clock, 60_000);
    assert.deepEqual(first.log, ['started@0']);
    assert.deepEqual(second.log, []);
    assert.equal(store.record?.holderIdentity, 'first');
    assert.equal(first.elector.isLeader, true);
  });

  it('lets a standby take over a lease its holder stopped renewing, after the lease duration', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const first = candidate('first', store, clock);
    await pass(clock, 100);
    const second = candidate('second', store, clock);
    await pass(clock, 5_000);
    await first.elector.stop({ release: false });
    const renewedAt = store.record?.renewTimeMs ?? 0;
    await pass(clock, 20_000);
    assert.equal(second.log.length, 1, 'the standby took over once');
    assert.equal(store.record?.holderIdentity, 'second');
    assert.equal(store.record?.leaseTransitions, 1);
    const waited = (store.record?.acquireTimeMs ?? 0) - renewedAt;
    // At least the lease duration, at most one retry period more.
    assert.ok(
      waited >= 15_000 && waited <= 17_000,
      `took over ${waited} ms after the last renewal`,
    );
  });

  it('lets a standby take over promptly when the leader releases the lease', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const first = candidate('first', store, clock);
    await pass(clock, 100);
    const second = candidate('second', store, clock);
    await pass(clock, 5_000);
    await first.elector.stop({ release: true });
    const releasedAt = clock.now();
    assert.equal(store.record?.holderIdentity, '');
    await pass(clock, 2_100);
    assert.equal(store.record?.holderIdentity, 'second');
    const waited = (store.record?.acquireTimeMs ?? 0) - releasedAt;
    assert.ok(waited <= 2_000, `took over ${waited} ms after the release`);
    assert.deepEqual(first.log, ['started@0', 'stopped@5100']);
    assert.equal(second.elector.isLeader, true);
  });

  it('stops leading when it cannot renew within the renew deadline', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const leader = candidate('leader', store, clock);
    await pass(clock, 100);
    store.failing = true;
    await pass(clock, 9_000);
    assert.equal(leader.elector.isLeader, true, 'still within the renew deadline');
    await pass(clock, 3_000);
    await leader.done;
    assert.equal(leader.elector.isLeader, false);
    assert.equal(leader.signal()?.aborted, true);
    assert.equal(leader.log.length, 2);
  });

  it('stops leading at once when another candidate holds the lease', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const leader = candidate('leader', store, clock);
    await pass(clock, 100);
    store.overwrite({ holderIdentity: 'usurper' });
    await pass(clock, 2_000);
    await leader.done;
    assert.deepEqual(leader.log, ['started@0', 'stopped@2000']);
    assert.equal(store.record?.holderIdentity, 'usurper', 'a leader that lost must not release');
  });
});
