/**
 * A MistralDeployment that asks for more GPUs than the cluster has free is not Ready, and its
 * conditions pass on the scheduler's reason; once a GPU node joins, it becomes Ready.
 *
 * Other test files may hold GPUs, so the free count is measured, not assumed: the object asks
 * for one 4-GPU replica more than the H100 nodes can place right now.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { defaultNodePlan, renderGpuNode } from '../cluster/nodes.js';
import { eventually, never } from '../support/eventually.js';
import { installCrd } from '../support/operator.js';
import { deleteNamespace, testNamespace, testPlane, type TestPlane } from '../support/plane.js';
import {
  SELECTOR_LABEL,
  conditionOf,
  freeGpuSlots,
  getMistralDeployment,
  startNamespaceOperator,
  stopNamespaceOperator,
  waitForNoTerminatingPods,
  type List,
  type NamespaceOperator,
} from '../support/mistral-e2e.js';

const NAME = 'too-big';
const GPUS_PER_REPLICA = 4;

interface CoreEvent {
  type: string;
  reason: string;
  message: string;
  involvedObject: { kind: string; name: string };
}

function mistralDeployment(replicas: number) {
  return {
    apiVersion: 'serving.mistral-operator.io/v1alpha1',
    kind: 'MistralDeployment',
    metadata: { name: NAME },
    spec: { replicas },
  };
}

/** One more 8x H100 node, named so no other test mistakes it for one of the plane's own. */
function extraGpuNode(name: string) {
  const node = renderGpuNode(0, defaultNodePlan);
  node.metadata.name = name;
  node.metadata.labels['kubernetes.io/hostname'] = name;
  return node;
}

describe('a MistralDeployment asking for more GPUs than are free', () => {
  let plane: TestPlane;
  let ns: string;
  let operator: NamespaceOperator | undefined;
  let nodeName: string | undefined;
  let replicas: number;
  let placeable: number;

  before(async () => {
    plane = await testPlane();
    await installCrd(plane);
    ns = await testNamespace(plane, 'e2e-capacity');
    operator = await startNamespaceOperator(plane, ns);
    await waitForNoTerminatingPods(plane);
    placeable = await freeGpuSlots(plane, GPUS_PER_REPLICA);
    replicas = placeable + 1;
    await plane.kubectl(
      ['apply', '-n', ns, '-f', '-'],
      JSON.stringify(mistralDeployment(replicas)),
    );
  });

  after(async () => {
    await stopNamespaceOperator(plane, operator);
    if (ns) await deleteNamespace(plane, ns);
    if (nodeName) await plane.kubectl(['delete', 'node', nodeName, '--ignore-not-found']);
  });

  const readyStatus = async () => conditionOf(await getMistralDeployment(plane, ns, NAME), 'Ready');
  const vllmPods = async () =>
    (
      await plane.kubectlJson<List<V1Pod>>([
        'get',
        'pods',
        '-n',
        ns,
        '-l',
        `${SELECTOR_LABEL}=${NAME}`,
      ])
    ).items;

  it("is not Ready, with the scheduler's Insufficient nvidia.com/gpu in its conditions", async (t) => {
    t.diagnostic(`${placeable} replica(s) of ${GPUS_PER_REPLICA} GPUs fit; asking for ${replicas}`);
    const ready = await eventually(
      async () => {
        const condition = await readyStatus();
        assert.equal(condition?.status, 'False', 'Ready is False');
        assert.match(condition?.message ?? '', /Insufficient nvidia\.com\/gpu/);
        return condition;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'Ready=False with the scheduler message' },
    );
    assert.equal(ready?.reason, 'Unschedulable');
    const md = await getMistralDeployment(plane, ns, NAME);
    const degraded = conditionOf(md, 'Degraded');
    assert.equal(degraded?.status, 'True', 'Degraded is True');
    assert.match(degraded?.message ?? '', /Insufficient nvidia\.com\/gpu/);
    assert.equal(md.status?.desiredReplicas, replicas);
  });

  it('stays not Ready while the GPUs are missing', async () => {
    await never(async () => (await readyStatus())?.status !== 'False', {
      forMs: 5_000,
      intervalMs: 250,
      what: 'Ready left False without new capacity',
    });
    const pods = await vllmPods();
    const bound = pods.filter((p) => p.spec?.nodeName);
    assert.equal(pods.length, replicas, `${replicas} pods exist`);
    assert.equal(bound.length, placeable, `the scheduler placed ${placeable} pods`);
    const md = await getMistralDeployment(plane, ns, NAME);
    assert.equal(md.status?.readyReplicasText, `${placeable}/${replicas}`);
  });

  it('records a Warning event that names the scheduling problem', async () => {
    const events = await eventually(
      async () => {
        const all = await plane.kubectlJson<List<CoreEvent>>(['get', 'events', '-n', ns]);
        const found = all.items.filter(
          (e) =>
            e.involvedObject.kind === 'MistralDeployment' &&
            e.involvedObject.name === NAME &&
            e.type === 'Warning',
        );
        assert.ok(found.length > 0, `no Warning event in ${JSON.stringify(all.items)}`);
        return found;
      },
      { timeoutMs: 15_000, what: 'the Unschedulable event' },
    );
    assert.equal(events[0]?.reason, 'Unschedulable');
    assert.match(events[0]?.message ?? '', /Insufficient nvidia\.com\/gpu/);
  });

  it('becomes Ready once a GPU node joins the cluster', async () => {
    nodeName = `gpu-extra-${ns}`.slice(0, 63);
    await plane.kubectl(['apply', '-f', '-'], JSON.stringify(extraGpuNode(nodeName)));
    await eventually(
      async () => {
        const md = await getMistralDeployment(plane, ns, NAME);
        assert.equal(conditionOf(md, 'Ready')?.status, 'True', 'Ready is True');
        return md;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'Ready=True after the node joined' },
    );
    const md = await getMistralDeployment(plane, ns, NAME);
    assert.equal(md.status?.readyReplicasText, `${replicas}/${replicas}`);
    assert.equal(conditionOf(md, 'Degraded')?.status, 'False', 'Degraded cleared');
    assert.doesNotMatch(conditionOf(md, 'Ready')?.message ?? '', /Insufficient/);
    const pods = await vllmPods();
    assert.ok(
      pods.some((p) => p.spec?.nodeName === nodeName),
      `a pod runs on the new node ${nodeName}: ${pods.map((p) => p.spec?.nodeName).join(', ')}`,
    );
  });
});
