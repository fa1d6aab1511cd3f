/**
 * Leader election on a `coordination.k8s.io/v1` Lease, so only one operator replica acts.
 *
 * The leader renews the lease every retry period. A standby takes it over once the lease has
 * gone unrenewed for its duration, or at once when the leader released it on shutdown. Every
 * write replaces the lease at the resourceVersion just read, so of two candidates racing for
 * it the API server accepts exactly one and answers the other 409.
 *
 * Expiry is measured on the local clock, from the moment this process first saw the current
 * renewal (a new resourceVersion), not from the `renewTime` the holder wrote: clocks of
 * different nodes disagree, the local clock agrees with itself.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sleep, systemClock, type Clock } from '../clock.js';
import { errorMessage, type Logger } from '../log.js';
import { classifyKubeError } from './errors.js';
import type { LeaseRecord, LeaseStore } from './lease-store.js';

/** How long a lease lasts, how long a leader keeps trying to renew, and how often to try. */
export interface LeaseDurations {
  /** A standby waits this long without seeing a renewal before it takes over. */
  leaseMs: number;
  /** A leader that could not renew for this long stops acting; must be below `leaseMs`. */
  renewDeadlineMs: number;
  /** Pause between attempts, for leader and standby alike. */
  retryPeriodMs: number;
}

/** client-go's defaults: 15 s lease, 10 s renew deadline, 2 s retry period. */
export const DEFAULT_LEASE_DURATIONS: LeaseDurations = {
  leaseMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/** What this candidate knows about the lease as it last read it. */
export interface ObservedLease {
  holderIdentity: string;
  leaseDurationSeconds: number | undefined;
  resourceVersion: string | undefined;
  /** Local time at which this candidate first saw this version of the lease. */
  observedAtMs: number;
}

/** What a candidate should do after reading the lease. */
export type LeaseAction =
  | { kind: 'create' }
  | { kind: 'renew' }
  | { kind: 'acquire'; reason: 'released' | 'expired' }
  | { kind: 'wait'; holder: string; expiresInMs: number };

/**
 * Decides the next step from the observed lease, the local time and who we are.
 *
 * @param observed - undefined when no Lease object exists
 */
export function decideLeaseAction(
  observed: ObservedLease | undefined,
  nowMs: number,
  identity: string,
  durations: LeaseDurations,
): LeaseAction {
  if (!observed) return { kind: 'create' };
  if (observed.holderIdentity === identity) return { kind: 'renew' };
  if (observed.holderIdentity === '') return { kind: 'acquire', reason: 'released' };
  // The holder's own promise counts; it may run with other durations than ours.
  const leaseMs = (observed.leaseDurationSeconds ?? durations.leaseMs / 1000) * 1000;
  const expiresInMs = observed.observedAtMs + leaseMs - nowMs;
  if (expiresInMs <= 0) return { kind: 'acquire', reason: 'expired' };
  return { kind: 'wait', holder: observed.holderIdentity, expiresInMs };
}

/**
 * Updates the observation after a read: a new resourceVersion means the holder (or someone)
 * wrote the lease, which restarts the expiry countdown.
 */
export function observeLease(
  previous: ObservedLease | undefined,
  record: LeaseRecord | undefined,
  nowMs: number,
): ObservedLease | undefined {
  if (!record) return undefined;
  const unchanged = previous !== undefined && previous.resourceVersion === record.resourceVersion;
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    resourceVersion: record.resourceVersion,
    observedAtMs: unchanged ? previous.observedAtMs : nowMs,
  };
}

/** Checks the ordering client-go also requires, so a leader stops before a standby starts. */
export function validateLeaseDurations(durations: LeaseDurations): void {
  const { leaseMs, renewDeadlineMs, retryPeriodMs } = durations;
  if (!(retryPeriodMs > 0 && retryPeriodMs < renewDeadlineMs && renewDeadlineMs < leaseMs)) {
    throw new Error(
      `lease durations need 0 < retry period (${retryPeriodMs} ms) < renew deadline ` +
        `(${renewDeadlineMs} ms) < lease duration (${leaseMs} ms)`,
    );
  }
  if (leaseMs % 1000 !== 0) {
    throw new Error(`lease duration must be whole seconds, got ${leaseMs} ms`);
  }
}

/** A unique identity for this process: the host (pod) name plus a random suffix. */
export function createIdentity(): string {
  return `${hostname()}_${randomUUID().slice(0, 8)}`;
}

/** Who competes for which lease, with what timing, and what to do on winning and losing. */
export interface LeaderElectorOptions {
  store: LeaseStore;
  identity: string;
  /** @default {@link DEFAULT_LEASE_DURATIONS} */
  durations?: LeaseDurations;
  /**
   * Starts the leader's work. `signal` aborts when leadership ends; the returned promise, if
   * any, is awaited (up to the renew deadline) before the lease is released.
   */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called once when leadership ends, lost or given up; not called if never leading. */
  onStoppedLeading?: () => void;
  logger: Logger;
  /** @default systemClock */
  clock?: Clock;
}

/** The outcome of one attempt to take or keep the lease. */
type Attempt = 'held' | 'not-held' | 'failed';

/** Competes for a lease and runs the leader's work while holding it. */
export class LeaderElector {
  private readonly options: LeaderElectorOptions;
  private readonly durations: LeaseDurations;
  private readonly clock: Clock;
  private readonly stopping = new AbortController();
  private observed: ObservedLease | undefined;
  private leading = false;
  private releaseOnStop = false;
  private running: Promise<void> | undefined;

  constructor(options: LeaderElectorOptions) {
    this.options = options;
    this.durations = options.durations ?? DEFAULT_LEASE_DURATIONS;
    this.clock = options.clock ?? systemClock;
    validateLeaseDurations(this.durations);
  }

  /** True while this process holds the lease and its work runs. */
  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Waits for the lease, leads while holding it, and resolves when leadership ends or
   * {@link stop} is called. A process whose leadership was lost should exit: its caches and
   * queue belong to a term that is over.
   */
  run(): Promise<void> {
    this.running ??= this.campaign();
    return this.running;
  }

  /**
   * Stops competing or leading. With `release`, a leader clears the holder so a standby
   * takes over at its next retry instead of after the lease duration.
   */
  async stop({ release }: { release: boolean }): Promise<void> {
    this.releaseOnStop = release;
    this.stopping.abort();
    await this.running;
  }

  private async campaign(): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs } = this.durations;
    while (!this.stopping.signal.aborted) {
      if ((await this.attempt(renewDeadlineMs)) === 'held') return this.lead();
      await sleep(this.clock, retryPeriodMs, this.stopping.signal);
    }
  }

  private async lead(): Promise<void> {
    this.leading = true;
    this.options.logger.info('acquired leader lease', { identity: this.options.identity });
    const term = new AbortController();
    const work = this.startWork(term.signal);
    const reason = await this.keepRenewing();
    this.leading = false;
    term.abort();
    // Only a release must wait for the work to stop: the next leader starts right after it.
    if (reason === 'stopped' && this.releaseOnStop) {
      await this.settle(work);
      await this.release();
    }
    const level = reason === 'stopped' ? 'info' : 'warn';
    this.options.logger.log(level, 'leadership ended', { identity: this.options.identity, reason });
    this.options.onStoppedLeading?.();
  }

  /** Renews until stopped, until someone else holds the lease, or until the deadline passes. */
  private async keepRenewing(): Promise<'stopped' | 'lost' | 'deadline'> {
    const { retryPeriodMs, renewDeadlineMs } = this.durations;
    let renewedAt = this.clock.now();
    for (;;) {
      await sleep(this.clock, retryPeriodMs, this.stopping.signal);
      if (this.stopping.signal.aborted) return 'stopped';
      const attempt = await this.attempt(renewedAt + renewDeadlineMs - this.clock.now());
      if (attempt === 'held') renewedAt = this.clock.now();
      if (attempt === 'not-held') return 'lost';
      if (this.clock.now() - renewedAt >= renewDeadlineMs) return 'deadline';
    }
  }

  /** One read-decide-write round, given up after `budgetMs`. */
  private async attempt(budgetMs: number): Promise<Attempt> {
    try {
      return await withTimeout(this.clock, budgetMs, this.tryAcquireOrRenew());
    } catch (err) {
      // 409 on create (AlreadyExists) or replace (Conflict): another candidate wrote first.
      if (classifyKubeError(err).code === 409) return 'not-held';
      this.options.logger.warn('leader lease attempt failed', { error: errorMessage(err) });
      return 'failed';
    }
  }

  private async tryAcquireOrRenew(): Promise<Attempt> {
    const { store, identity } = this.options;
    const current = await store.read();
    this.observed = observeLease(this.observed, current, this.clock.now());
    const action = decideLeaseAction(this.observed, this.clock.now(), identity, this.durations);
    if (action.kind === 'wait') return 'not-held';
    const next = this.nextRecord(current, action);
    const written = action.kind === 'create' ? await store.create(next) : await store.replace(next);
    this.observed = observeLease(this.observed, written, this.clock.now());
    return 'held';
  }

  private nextRecord(current: LeaseRecord | undefined, action: LeaseAction): LeaseRecord {
    const now = this.clock.now();
    const taking = action.kind !== 'renew';
    const transitions = current?.leaseTransitions ?? 0;
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: this.durations.leaseMs / 1000,
      acquireTimeMs: taking ? now : current?.acquireTimeMs,
      renewTimeMs: now,
      leaseTransitions: taking && current ? transitions + 1 : transitions,
      resourceVersion: current?.resourceVersion,
    };
  }

  private startWork(signal: AbortSignal): Promise<void> {
    return Promise.resolve()
      .then(() => this.options.onStartedLeading(signal))
      .catch((err: unknown) => {
        this.options.logger.error('leader work failed', { error: errorMessage(err) });
      });
  }

  /** Waits for the leader's work to wind down, but not past the renew deadline. */
  private async settle(work: Promise<void>): Promise<void> {
    try {
      await withTimeout(this.clock, this.durations.renewDeadlineMs, work);
    } catch {
      this.options.logger.warn('leader work still running after leadership ended');
    }
  }

  /** Clears the holder, if still us, so a standby need not wait out the lease. */
  private async release(): Promise<void> {
    const { logger, identity } = this.options;
    try {
      const released = await withTimeout(this.clock, this.durations.renewDeadlineMs, this.clear());
      if (released) logger.info('released leader lease', { identity });
    } catch (err) {
      logger.warn('could not release leader lease', { error: errorMessage(err) });
    }
  }

  private async clear(): Promise<boolean> {
    const { store, identity } = this.options;
    const current = await store.read();
    if (current?.holderIdentity !== identity) return false;
    const now = this.clock.now();
    const cleared = { ...current, holderIdentity: '', leaseDurationSeconds: 1 };
    await store.replace({ ...cleared, acquireTimeMs: now, renewTimeMs: now });
    return true;
  }
}

/** Resolves or rejects with `promise`, or rejects once `ms` has passed on `clock`. */
function withTimeout<T>(clock: Clock, ms: number, promise: Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimer(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        timer.cancel();
        resolve(value);
      },
      (err: unknown) => {
        timer.cancel();
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
