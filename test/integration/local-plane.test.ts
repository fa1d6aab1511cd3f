/**
 * The local control plane behaves like a real cluster with GPU nodes: the real scheduler
 * places GPU pods, the real controller manager collects garbage, and KWOK makes scheduled
 * pods Running and Ready with loopback addresses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, never } from '../support/eventually.js';
import { deleteNamespace, testNamespace, testPlane, type TestPlane } from '../support/plane.js';

interface Node {
  metadata: { name: string; labels: Record<string, string> };
  spec: { taints?: { key: string; effect: string }[] };
  status: { allocatable: Record<string, string> };
}
interface Pod {
  metadata: { name: string };
  spec: { nodeName?: string };
  status: {
    phase: string;
    podIP?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}
interface List<T> {
  items: T[];
}

const gpuToleration = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };
const pause = 'registry.k8s.io/pause:3.10';

const gpuLimits = (gpus: number) =>
  gpus > 0 ? { limits: { 'nvidia.com/gpu': String(gpus) } } : {};

function gpuDeployment(name: string, replicas: number, gpus: number, tolerate = true) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          tolerations: tolerate ? [gpuToleration] : [],
          containers: [{ name: 'main', image: pause, resources: gpuLimits(gpus) }],
        },
      },
    },
  };
}

function podOn(name: string, nodeName: string, gpus: number) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      nodeName,
      tolerations: [gpuToleration],
      containers: [{ name: 'main', image: pause, resources: gpuLimits(gpus) }],
    },
  };
}

const isGpuNode = (name: string | undefined) => name?.startsWith('gpu-node-') ?? false;
const condition = (pod: Pod, type: string) => pod.status.conditions?.find((c) => c.type === type);

describe('the local control plane', () => {
  let plane: TestPlane;
  let ns: string;

  before(async () => {
    plane = await testPlane();
    ns = await testNamespace(plane, 'plane');
  });
  after(() => deleteNamespace(plane, ns));

  const apply = (object: unknown) =>
    plane.kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(object));
  const pods = async (selector: string) =>
    (await plane.kubectlJson<List<Pod>>(['get', 'pods', '-n', ns, '-l', selector])).items;

  it('lists three GPU nodes with 8 allocatable nvidia.com/gpu and one CPU node', async () => {
    const nodes = (await plane.kubectlJson<List<Node>>(['get', 'nodes'])).items;
    const gpu = nodes.filter((n) => isGpuNode(n.metadata.name));
    const cpu = nodes.filter((n) => !isGpuNode(n.metadata.name));
    assert.equal(gpu.length, 3);
    assert.equal(cpu.length, 1);
    for (const node of gpu) {
      assert.equal(node.status.allocatable['nvidia.com/gpu'], '8');
      assert.equal(node.metadata.labels['nvidia.com/gpu.product'], 'NVIDIA-H100-80GB-HBM3');
      assert.deepEqual(
        node.spec.taints?.map((t) => `${t.key}:${t.effect}`),
        ['nvidia.com/gpu:NoSchedule'],
      );
    }
    assert.equal(cpu[0]?.status.allocatable['nvidia.com/gpu'], undefined);
  });

  it('schedules two 4-GPU pods onto GPU nodes, Running and Ready with 127.x addresses', async () => {
    await apply(gpuDeployment('two-by-four', 2, 4));
    const ready = await eventually(
      async () => {
        const found = await pods('app=two-by-four');
        assert.equal(found.length, 2);
        for (const pod of found) {
          assert.equal(pod.status.phase, 'Running');
          assert.equal(condition(pod, 'Ready')?.status, 'True');
        }
        return found;
      },
      { timeoutMs: 30_000 },
    );
    for (const pod of ready) {
      assert.ok(isGpuNode(pod.spec.nodeName), `${pod.metadata.name} is on ${pod.spec.nodeName}`);
      assert.match(pod.status.podIP ?? '', /^127\.\d+\.\d+\.\d+$/);
    }
    assert.notEqual(ready[0]?.status.podIP, ready[1]?.status.podIP);
  });

  it('removes the ReplicaSet and pods of a deleted Deployment', async () => {
    await plane.kubectl(['delete', 'deployment', 'two-by-four', '-n', ns, '--wait=false']);
    await eventually(
      async () => {
        const sets = await plane.kubectlJson<List<unknown>>([
          'get',
          'replicasets',
          '-n',
          ns,
          '-l',
          'app=two-by-four',
        ]);
        assert.equal(sets.items.length, 0, 'ReplicaSet still there');
        assert.equal((await pods('app=two-by-four')).length, 0, 'pods still there');
      },
      { timeoutMs: 60_000 },
    );
  });

  it('keeps an 8-GPU pod Pending with the scheduler saying Insufficient nvidia.com/gpu', async () => {
    // One GPU taken on every GPU node leaves no node with 8 free.
    for (const index of [0, 1, 2]) await apply(podOn(`filler-${index}`, `gpu-node-${index}`, 1));
    await apply(gpuDeployment('eight', 1, 8));
    const message = await eventually(
      async () => {
        const [pod] = await pods('app=eight');
        const scheduled = pod && condition(pod, 'PodScheduled');
        assert.equal(scheduled?.status, 'False');
        return scheduled?.message ?? '';
      },
      { timeoutMs: 30_000 },
    );
    assert.match(message, /Insufficient nvidia\.com\/gpu/);
    const [pod] = await pods('app=eight');
    assert.equal(pod?.status.phase, 'Pending');
    assert.equal(pod?.spec.nodeName, undefined);
    await plane.kubectl(['delete', 'deployment', 'eight', '-n', ns, '--wait=false']);
    await plane.kubectl([
      'delete',
      'pod',
      'filler-0',
      'filler-1',
      'filler-2',
      '-n',
      ns,
      '--wait=false',
    ]);
  });

  it('never places a pod without the GPU toleration on a GPU node', async () => {
    await apply(gpuDeployment('no-toleration', 3, 0, false));
    const placed = await eventually(
      async () => {
        const found = await pods('app=no-toleration');
        assert.equal(found.filter((p) => p.status.phase === 'Running').length, 3);
        return found;
      },
      { timeoutMs: 30_000 },
    );
    assert.deepEqual(
      placed.map((p) => p.spec.nodeName),
      ['cpu-node-0', 'cpu-node-0', 'cpu-node-0'],
    );

    // Asking for GPU nodes by label without tolerating their taint leaves the pod unplaceable.
    const pinned = gpuDeployment('gpu-selector-no-toleration', 1, 0, false);
    Object.assign(pinned.spec.template.spec, {
      nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' },
    });
    await apply(pinned);
    await never(
      async () =>
        (await pods('app=gpu-selector-no-toleration')).some((p) => p.spec.nodeName !== undefined),
      { forMs: 3_000, what: 'a pod without the GPU toleration was bound to a GPU node' },
    );
    const [pending] = await pods('app=gpu-selector-no-toleration');
    assert.match(condition(pending!, 'PodScheduled')?.message ?? '', /untolerated taint/);
  });
});
