/**
 * Crashes and handovers: an operator killed with SIGKILL in the middle of its work leaves a
 * half-built world, and the next one finishes it with exactly the objects one uninterrupted
 * run makes; a standby on the same Lease stays out of the way while the leader renews, and
 * takes over once a killed leader's lease runs out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { KubeConfig, Watch, type KubernetesObject } from '@kubernetes/client-node';
import type { MistralDeployment } from '../../src/api/index.js';
import { workloadName } from '../../src/render/index.js';
import { eventually, never } from '../support/eventually.js';
import {
  ONE_GPU_SPEC,
  applyAll,
  listManaged,
  listMistral,
  mistralManifest,
  waitForAllReady,
} from '../support/mistral-fleet.js';
import { installCrd, startOperator, type OperatorProcess } from '../support/operator.js';
import { METRICS, readMetric } from '../support/operator-writes.js';
import { deleteNamespace, testNamespace, testPlane, type TestPlane } from '../support/plane.js';

const FLEET = Array.from({ length: 10 }, (_, i) => `restart-${String(i).padStart(2, '0')}`);

/** The lease a killed leader leaves behind lasts this long (client-go's default). */
const LEASE_MS = 15_000;
/** The leader renews this often, so a killed one renewed at most this long before it died. */
const RETRY_PERIOD_MS = 2_000;

interface Readiness {
  ready: boolean;
  role: 'leader' | 'standby';
}

async function readiness(operator: OperatorProcess): Promise<Readiness> {
  const response = await fetch(`${operator.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
  return (await response.json()) as Readiness;
}

function identityOf(operator: OperatorProcess): string {
  const started = operator.logs().find((line) => line.message === 'operator started');
  assert.ok(typeof started?.identity === 'string', 'the operator did not log its identity');
  return started.identity;
}

/** Resolves with the name of the first Deployment the API server reports in `namespace`. */
async function firstDeployment(
  plane: TestPlane,
  namespace: string,
): Promise<{ name: Promise<string>; stop: () => void }> {
  const config = new KubeConfig();
  config.loadFromFile(plane.kubeconfig);
  let resolveName: (name: string) => void = () => undefined;
  let rejectName: (error: Error) => void = () => undefined;
  const name = new Promise<string>((resolve, reject) => {
    resolveName = resolve;
    rejectName = reject;
  });
  const watching = await new Watch(config).watch(
    `/apis/apps/v1/namespaces/${namespace}/deployments`,
    {},
    (phase, object: KubernetesObject) => {
      if (phase === 'ADDED') resolveName(object.metadata?.name ?? '');
    },
    (error: unknown) => rejectName(new Error(`the watch of Deployments ended: ${String(error)}`)),
  );
  name.catch(() => undefined);
  return { name, stop: () => watching.abort() };
}

/** The first of `promises` to settle, or a failure naming `what` after `ms`. */
async function within<T>(ms: number, what: string, ...promises: Promise<T>[]): Promise<T> {
  const timer = new AbortController();
  const late = delay(ms, undefined, { signal: timer.signal }).then(() => {
    throw new Error(`${what}: not within ${ms} ms`);
  });
  late.catch(() => undefined);
  try {
    return await Promise.race([...promises, late]);
  } finally {
    timer.abort();
  }
}

describe('restarts and handovers', () => {
  let plane: TestPlane;
  let ns: string;
  const operators: OperatorProcess[] = [];
  const operatorArgs = () => [`--namespaces=${ns}`, `--lease-name=${ns}`];
  const start = async () => {
    const started = await startOperator(plane, operatorArgs());
    operators.push(started);
    return started;
  };
  const leaseHolder = async () => {
    const lease = await plane.kubectlJson<{ spec?: { holderIdentity?: string } }>([
      'get',
      'lease',
      ns,
      '-n',
      'default',
    ]);
    return lease.spec?.holderIdentity;
  };

  before(async () => {
    plane = await testPlane();
    await installCrd(plane);
    ns = await testNamespace(plane, 'restart');
  });

  after(async () => {
    for (const operator of operators) await operator.stop();
    await plane.kubectl(['delete', 'lease', ns, '-n', 'default', '--ignore-not-found']);
    await deleteNamespace(plane, ns);
  });

  /** Asserts one Deployment, Service and PDB per MistralDeployment, owned by it, and no more. */
  async function assertOneOfEach(names: readonly string[]): Promise<void> {
    const owners = new Map((await listMistral(plane, ns)).map((md) => [md.metadata.name, md]));
    const expected = names.map(workloadName).sort();
    for (const resource of ['deployments', 'services', 'poddisruptionbudgets']) {
      const objects = await listManaged(plane, ns, resource);
      const found = objects.map((object) => object.metadata?.name ?? '').sort();
      assert.deepEqual(found, expected, `${resource}: not exactly one per MistralDeployment`);
      for (const object of objects) {
        const refs = object.metadata?.ownerReferences ?? [];
        const owner = owners.get(object.metadata?.name ?? '');
        assert.equal(refs.length, 1, `${resource}/${object.metadata?.name} owner references`);
        assert.equal(
          refs[0]?.uid,
          owner?.metadata.uid,
          `${resource}/${object.metadata?.name} owner`,
        );
        assert.equal(refs[0]?.controller, true, `${resource}/${object.metadata?.name} controller`);
      }
    }
  }

  it('converges to one Deployment, Service and PDB each after a SIGKILL mid-reconcile', async () => {
    const first = await start();
    const watch = await firstDeployment(plane, ns);
    // The kill must not wait for kubectl: the operator works while kubectl is still applying.
    const applying = applyAll(
      plane,
      ns,
      FLEET.map((name) => mistralManifest(name, ONE_GPU_SPEC)),
    );
    try {
      await within(
        30_000,
        'the first Deployment',
        watch.name,
        applying.then(() => watch.name),
      );
      await first.kill();
    } finally {
      watch.stop();
    }
    await applying;

    const atKill = {
      deployments: (await listManaged(plane, ns, 'deployments')).length,
      services: (await listManaged(plane, ns, 'services')).length,
      pdbs: (await listManaged(plane, ns, 'poddisruptionbudgets')).length,
      statuses: (await listMistral(plane, ns)).filter((md) => md.status?.observedGeneration).length,
    };
    console.log(
      `killed at: ${atKill.deployments} Deployments, ${atKill.services} Services, ` +
        `${atKill.pdbs} PDBs, ${atKill.statuses} statuses of ${FLEET.length}`,
    );
    const done = atKill.deployments + atKill.services + atKill.pdbs + atKill.statuses;
    assert.ok(done < 4 * FLEET.length, 'the operator had finished everything before the kill');

    const second = await start();
    const mds = await waitForAllReady(plane, ns, FLEET, 60_000);
    await assertOneOfEach(FLEET);
    const pods = await plane.kubectlJson<{ items: unknown[] }>(['get', 'pods', '-n', ns]);
    assert.equal(pods.items.length, FLEET.length, 'not one pod per MistralDeployment');
    const deployments = await listManaged(plane, ns, 'deployments');
    const rolled = deployments.filter((d) => d.metadata?.generation !== 1);
    assert.deepEqual(
      rolled.map((d) => d.metadata?.name),
      [],
      'Deployments changed after creation: the restart rolled them',
    );
    assert.ok(
      mds.every((md: MistralDeployment) => md.status?.endpoint?.url?.includes(md.metadata.name)),
      'an endpoint is missing from status',
    );
    assert.equal((await readiness(second)).role, 'leader', 'the restarted operator does not lead');
  });

  it('keeps a standby idle while the leader renews, then hands over when it is killed', async () => {
    const leader = operators.at(-1)!;
    assert.equal((await readiness(leader)).role, 'leader', 'the first operator does not lead');
    const standby = await start();
    const standbyReadiness = await readiness(standby);
    assert.equal(standbyReadiness.role, 'standby', `/readyz: ${JSON.stringify(standbyReadiness)}`);
    assert.equal(standbyReadiness.ready, true, 'a standby should report ready');
    await never(async () => (await readiness(standby)).role === 'leader', {
      forMs: 2 * RETRY_PERIOD_MS + 1_000,
      intervalMs: 250,
      what: 'the standby took the lease from a live leader',
    });
    assert.equal(await leaseHolder(), identityOf(leader), 'the lease holder');
    assert.equal(await readMetric(standby.url, METRICS.writes), 0, 'the standby wrote');

    const killedAt = Date.now();
    await leader.kill();
    await eventually(
      async () => assert.equal((await readiness(standby)).role, 'leader', 'still standby'),
      { timeoutMs: LEASE_MS + 20_000, intervalMs: 100, what: 'the standby takes over' },
    );
    const takeoverMs = Date.now() - killedAt;
    console.log(`standby took over ${takeoverMs} ms after the leader was killed`);
    assert.ok(
      takeoverMs >= LEASE_MS - RETRY_PERIOD_MS - 1_000,
      `took over after ${takeoverMs} ms, before the killed leader's lease ran out`,
    );
    assert.equal(await leaseHolder(), identityOf(standby), 'the lease holder after the takeover');

    await applyAll(plane, ns, [mistralManifest('after-takeover', ONE_GPU_SPEC)]);
    const all = [...FLEET, 'after-takeover'];
    await waitForAllReady(plane, ns, all, 30_000);
    await assertOneOfEach(all);
  });
});
