import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeClients } from '../../src/kube/client.js';
import { LeaderElector, type LeaseDurations } from '../../src/kube/leader-election.js';
import { createLeaseStore } from '../../src/kube/lease-store.js';
import { createSilentLogger } from '../../src/log.js';
import { eventually } from '../support/eventually.js';
import {
  createTestNamespace,
  deleteTestNamespace,
  skipWithoutCluster,
  testClients,
} from '../support/kube-clients.js';

/** client-go's proportions, scaled down so a takeover fits in a test. */
const durations: LeaseDurations = { leaseMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 250 };

interface Candidate {
  elector: LeaderElector;
  startedAt: () => number | undefined;
  stopped: () => boolean;
}

describe('leader election against the API server', { skip: skipWithoutCluster }, () => {
  let clients: KubeClients;
  let namespace: string;
  const running: LeaderElector[] = [];

  before(async () => {
    clients = testClients();
    namespace = await createTestNamespace(clients, 'leader-election');
  });

  after(async () => {
    await Promise.all(running.map((elector) => elector.stop({ release: false })));
    await deleteTestNamespace(clients, namespace);
  });

  function candidate(lease: string, identity: string): Candidate {
    let startedAt: number | undefined;
    let stopped = false;
    const elector = new LeaderElector({
      store: createLeaseStore(clients.coordination, namespace, lease),
      identity,
      durations,
      logger: createSilentLogger(),
      onStartedLeading: () => void (startedAt = Date.now()),
      onStoppedLeading: () => void (stopped = true),
    });
    running.push(elector);
    void elector.run();
    return { elector, startedAt: () => startedAt, stopped: () => stopped };
  }

  async function readLease(name: string) {
    return clients.coordination.readNamespacedLease({ name, namespace });
  }

  async function firstLeadsSecondWaits(lease: string): Promise<[Candidate, Candidate]> {
    const first = candidate(lease, 'first');
    await eventually(() => assert.ok(first.startedAt(), 'not leading yet'), { timeoutMs: 10_000 });
    const second = candidate(lease, 'second');
    // Long enough for several renewals; the standby must not move while they happen.
    await eventually(
      async () => {
        const { spec } = await readLease(lease);
        assert.equal(spec?.leaseTransitions ?? 0, 0, 'the lease changed hands');
        assert.equal(second.startedAt(), undefined, 'the standby started leading');
        assert.ok(Date.now() - (first.startedAt() ?? 0) > 3 * durations.leaseMs, 'too early');
      },
      { timeoutMs: 15_000, what: 'the leader keeps the lease past several lease durations' },
    );
    return [first, second];
  }

  it('creates the Lease with the holder, duration and a renew time the server accepts', async () => {
    const leader = candidate('fields', 'leader-a');
    await eventually(() => assert.ok(leader.startedAt(), 'not leading yet'), { timeoutMs: 10_000 });
    const { spec } = await readLease('fields');
    assert.equal(spec?.holderIdentity, 'leader-a');
    assert.equal(spec?.leaseDurationSeconds, 2);
    assert.match(String(spec?.renewTime), /\.\d{6}Z$/);
  });

  it('hands the lease to the standby only after the lease duration when the leader stops renewing', async () => {
    const [first, second] = await firstLeadsSecondWaits('crash');
    const stoppedAt = Date.now();
    await first.elector.stop({ release: false });
    const tookOverAt = await eventually(
      () => second.startedAt() ?? assert.fail('standby has not taken over'),
      { timeoutMs: 15_000 },
    );
    const waited = tookOverAt - stoppedAt;
    console.log(`standby took over ${waited} ms after the leader stopped renewing`);
    // The last renewal may precede the stop by up to one retry period.
    assert.ok(
      waited >= durations.leaseMs - durations.retryPeriodMs,
      `took over after ${waited} ms`,
    );
    const { spec } = await readLease('crash');
    assert.equal(spec?.holderIdentity, 'second');
    assert.equal(spec?.leaseTransitions, 1);
    assert.equal(first.stopped(), true);
  });

  it('hands the lease to the standby promptly when the leader releases it', async () => {
    const [first, second] = await firstLeadsSecondWaits('release');
    const stoppedAt = Date.now();
    await first.elector.stop({ release: true });
    const tookOverAt = await eventually(
      () => second.startedAt() ?? assert.fail('standby has not taken over'),
      { timeoutMs: 15_000 },
    );
    const waited = tookOverAt - stoppedAt;
    console.log(`standby took over ${waited} ms after the leader released the lease`);
    assert.ok(waited < durations.leaseMs, `took over after ${waited} ms`);
    assert.equal((await readLease('release')).spec?.holderIdentity, 'second');
  });
});
