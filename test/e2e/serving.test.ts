/**
 * Applying the minimal example with kubectl serves Mistral Small 4 on 4 H100s: the operator
 * creates the vLLM Deployment, Service and PodDisruptionBudget within seconds, the simulated
 * pod becomes Ready, and the MistralDeployment reports Ready with its endpoint.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type {
  KubernetesObject,
  V1Container,
  V1Deployment,
  V1Pod,
  V1PodDisruptionBudget,
  V1Service,
} from '@kubernetes/client-node';
import type { MistralDeployment } from '../../src/api/index.js';
import { eventually } from '../support/eventually.js';
import { installCrd } from '../support/operator.js';
import { deleteNamespace, testNamespace, testPlane, type TestPlane } from '../support/plane.js';
import {
  DEFAULT_MODEL,
  GPU_PRODUCT_LABEL,
  GPU_RESOURCE,
  H100,
  MINIMAL_EXAMPLE,
  MINIMAL_NAME as NAME,
  SELECTOR_LABEL,
  conditionOf,
  flagValue,
  getMistralDeployment,
  parseTable,
  startNamespaceOperator,
  stopNamespaceOperator,
  type List,
  type NamespaceOperator,
} from '../support/mistral-e2e.js';

const expectedLabels = {
  'app.kubernetes.io/name': 'vllm',
  'app.kubernetes.io/instance': NAME,
  'app.kubernetes.io/component': 'inference-server',
  'app.kubernetes.io/part-of': 'mistral-operator',
  'app.kubernetes.io/managed-by': 'mistral-operator',
  [SELECTOR_LABEL]: NAME,
};

function vllmContainer(deployment: V1Deployment): V1Container {
  const containers = deployment.spec?.template.spec?.containers ?? [];
  assert.equal(containers.length, 1, `one container, got ${containers.map((c) => c.name)}`);
  return containers[0]!;
}

function assertOwnedAndLabelled(object: KubernetesObject, owner: MistralDeployment): void {
  const what = `${object.kind} ${object.metadata?.name}`;
  const refs = object.metadata?.ownerReferences ?? [];
  const controller = refs.filter((ref) => ref.controller);
  assert.equal(
    controller.length,
    1,
    `${what} has one controller reference: ${JSON.stringify(refs)}`,
  );
  assert.deepEqual(
    {
      apiVersion: controller[0]?.apiVersion,
      kind: controller[0]?.kind,
      name: controller[0]?.name,
      uid: controller[0]?.uid,
    },
    {
      apiVersion: 'serving.mistral-operator.io/v1alpha1',
      kind: 'MistralDeployment',
      name: NAME,
      uid: owner.metadata.uid,
    },
    `${what} is controlled by the MistralDeployment`,
  );
  for (const [key, value] of Object.entries(expectedLabels)) {
    assert.equal(object.metadata?.labels?.[key], value, `${what} label ${key}`);
  }
}

describe('applying the minimal example', () => {
  let plane: TestPlane;
  let ns: string;
  let operator: NamespaceOperator | undefined;
  let appliedAt: number;

  before(async () => {
    plane = await testPlane();
    await installCrd(plane);
    ns = await testNamespace(plane, 'e2e-serving');
    operator = await startNamespaceOperator(plane, ns);
    appliedAt = Date.now();
    await plane.kubectl(['apply', '-n', ns, '-f', MINIMAL_EXAMPLE]);
  });

  after(async () => {
    await stopNamespaceOperator(plane, operator);
    if (ns) await deleteNamespace(plane, ns);
  });

  const get = <T>(kind: string, name = NAME) => plane.kubectlJson<T>(['get', kind, name, '-n', ns]);

  describe('within seconds', () => {
    let deployment: V1Deployment;
    let owner: MistralDeployment;
    let createdAfterMs: number;

    before(async () => {
      deployment = await eventually(() => get<V1Deployment>('deployment'), {
        timeoutMs: 10_000,
        intervalMs: 100,
        what: 'the vLLM Deployment',
      });
      createdAfterMs = Date.now() - appliedAt;
      owner = await getMistralDeployment(plane, ns, NAME);
    });

    it('creates a Deployment of one pod that requests and limits 4 nvidia.com/gpu', (t) => {
      t.diagnostic(`the Deployment was there ${createdAfterMs} ms after kubectl apply`);
      assert.equal(deployment.spec?.replicas, 1);
      const { resources } = vllmContainer(deployment);
      assert.equal(resources?.requests?.[GPU_RESOURCE], '4');
      assert.equal(resources?.limits?.[GPU_RESOURCE], '4');
    });

    it('runs vllm serve with the reference arguments and the Mistral tool-call parser', () => {
      const { command = [], args = [] } = vllmContainer(deployment);
      assert.deepEqual(command, ['vllm', 'serve']);
      assert.equal(args[0], DEFAULT_MODEL, `the model id comes first: ${args.join(' ')}`);
      const flags: Array<[string, string]> = [
        ['--tensor-parallel-size', '4'],
        ['--max-model-len', '262144'],
        ['--attention-backend', 'FLASH_ATTN_MLA'],
        ['--reasoning-parser', 'mistral'],
        ['--tool-call-parser', 'mistral'],
      ];
      for (const [flag, value] of flags) {
        assert.equal(flagValue(args, flag), value, `${flag} in ${args.join(' ')}`);
      }
      assert.ok(
        args.includes('--enable-auto-tool-choice'),
        `auto tool choice in ${args.join(' ')}`,
      );
    });

    it('mounts a memory-backed volume at /dev/shm', () => {
      const mount = vllmContainer(deployment).volumeMounts?.find((m) => m.mountPath === '/dev/shm');
      assert.ok(mount, 'a volume is mounted at /dev/shm');
      const volume = deployment.spec?.template.spec?.volumes?.find((v) => v.name === mount.name);
      assert.equal(volume?.emptyDir?.medium, 'Memory', `volume ${mount.name}`);
    });

    it('selects H100 nodes and tolerates their GPU taint', () => {
      const pod = deployment.spec?.template.spec;
      assert.deepEqual(pod?.nodeSelector, { [GPU_PRODUCT_LABEL]: H100 });
      assert.ok(
        pod?.tolerations?.some(
          (t) => t.key === GPU_RESOURCE && t.operator === 'Exists' && t.effect === 'NoSchedule',
        ),
        `GPU toleration in ${JSON.stringify(pod?.tolerations)}`,
      );
    });

    it('probes startup, readiness and liveness on /health of the vLLM port', () => {
      const container = vllmContainer(deployment);
      const port = container.ports?.find((p) => p.name === 'http');
      assert.equal(port?.containerPort, 8000);
      const probes = {
        startup: container.startupProbe,
        readiness: container.readinessProbe,
        liveness: container.livenessProbe,
      };
      for (const [kind, probe] of Object.entries(probes)) {
        assert.equal(probe?.httpGet?.path, '/health', `${kind} probe path`);
        assert.ok(
          probe.httpGet.port === 'http' || probe.httpGet.port === 8000,
          `${kind} probe port is the vLLM port, got ${probe.httpGet.port}`,
        );
      }
      const patience =
        (container.startupProbe?.periodSeconds ?? 0) *
        (container.startupProbe?.failureThreshold ?? 0);
      assert.ok(patience >= 1800, `startup probe waits ${patience} s for a model load`);
    });

    it('creates a Service on port 8000 that selects the vLLM pods', async () => {
      const service = await eventually(() => get<V1Service>('service'), {
        timeoutMs: 10_000,
        what: 'the Service',
      });
      assert.deepEqual(
        service.spec?.ports?.map((p) => [p.port, p.targetPort]),
        [[8000, 'http']],
      );
      const podLabels = deployment.spec?.template.metadata?.labels ?? {};
      for (const [key, value] of Object.entries(service.spec?.selector ?? {})) {
        assert.equal(podLabels[key], value, `pods carry the Service selector ${key}`);
      }
      assert.ok(Object.keys(service.spec?.selector ?? {}).length > 0, 'the selector is not empty');
    });

    it('creates a PodDisruptionBudget that selects the vLLM pods', async () => {
      const pdb = await eventually(() => get<V1PodDisruptionBudget>('poddisruptionbudget'), {
        timeoutMs: 10_000,
        what: 'the PodDisruptionBudget',
      });
      assert.equal(pdb.spec?.maxUnavailable, 1);
      assert.deepEqual(pdb.spec?.selector?.matchLabels, deployment.spec?.selector.matchLabels);
    });

    it('owns and labels the Deployment, Service, PodDisruptionBudget and pod template', async () => {
      const service = await get<V1Service>('service');
      const pdb = await get<V1PodDisruptionBudget>('poddisruptionbudget');
      for (const object of [deployment, service, pdb]) assertOwnedAndLabelled(object, owner);
      const podLabels = deployment.spec?.template.metadata?.labels ?? {};
      for (const [key, value] of Object.entries(expectedLabels)) {
        assert.equal(podLabels[key], value, `pod template label ${key}`);
      }
    });
  });

  describe('once the simulated pod is Ready', () => {
    before(async () => {
      const out = await plane.kubectl([
        'wait',
        '--for=condition=Ready',
        `mistraldeployment/${NAME}`,
        '-n',
        ns,
        '--timeout=60s',
      ]);
      assert.match(out, /condition met/);
    });

    it('reports the in-cluster endpoint and the served model in status', async () => {
      const md = await getMistralDeployment(plane, ns, NAME);
      assert.equal(md.status?.endpoint?.url, `http://${NAME}.${ns}.svc.cluster.local:8000/v1`);
      assert.equal(md.status?.endpoint?.model, DEFAULT_MODEL);
    });

    it('has observed the current generation, in status and in every condition', async () => {
      const md = await getMistralDeployment(plane, ns, NAME);
      const generation = md.metadata.generation;
      assert.ok(typeof generation === 'number' && generation >= 1, `generation ${generation}`);
      assert.equal(md.status?.observedGeneration, generation);
      assert.deepEqual(
        md.status?.conditions?.map((c) => [c.type, c.observedGeneration]),
        ['Ready', 'Available', 'Progressing', 'Degraded'].map((type) => [type, generation]),
      );
    });

    it('says why it is Ready, Available, no longer Progressing and not Degraded', async () => {
      const md = await getMistralDeployment(plane, ns, NAME);
      const summary = (type: string) => {
        const c = conditionOf(md, type);
        return `${c?.status}/${c?.reason}`;
      };
      assert.deepEqual(['Ready', 'Available', 'Progressing', 'Degraded'].map(summary), [
        'True/AllReplicasReady',
        'True/EndpointServing',
        'False/RolloutComplete',
        'False/AsExpected',
      ]);
      assert.equal(md.status?.replicas, 1);
      assert.equal(md.status?.readyReplicas, 1);
    });

    it('runs its pod on an H100 node, where the Service finds it', async () => {
      const pods = await plane.kubectlJson<List<V1Pod>>([
        'get',
        'pods',
        '-n',
        ns,
        '-l',
        `${SELECTOR_LABEL}=${NAME}`,
      ]);
      assert.equal(pods.items.length, 1, `one vLLM pod, got ${pods.items.length}`);
      const pod = pods.items[0]!;
      const node = await plane.kubectlJson<{ metadata: { labels: Record<string, string> } }>([
        'get',
        'node',
        pod.spec?.nodeName ?? '(unscheduled)',
      ]);
      assert.equal(node.metadata.labels[GPU_PRODUCT_LABEL], H100);
      assert.match(pod.status?.podIP ?? '', /^127\.\d+\.\d+\.\d+$/);
      assert.equal(
        pod.status?.conditions?.find((c) => c.type === 'Ready')?.status,
        'True',
        'the pod is Ready',
      );
      // Limitation: the plane's pod addresses are loopback, which EndpointSlice validation
      // refuses, so the Service's selector is checked against the pod instead of its slices.
      const service = await get<V1Service>('service');
      const selector = Object.entries(service.spec?.selector ?? {})
        .map(([key, value]) => `${key}=${value}`)
        .join(',');
      assert.ok(selector !== '', 'the Service has a selector');
      const selected = await plane.kubectlJson<List<V1Pod>>([
        'get',
        'pods',
        '-n',
        ns,
        '-l',
        selector,
      ]);
      assert.deepEqual(
        selected.items.map((p) => p.metadata?.name),
        [pod.metadata?.name],
        'the Service selects exactly the vLLM pod',
      );
    });

    it('shows model, replicas, queue, endpoint, Ready and age in `kubectl get mdep`', async () => {
      const { header, rows } = parseTable(await plane.kubectl(['get', 'mdep', '-n', ns]));
      assert.deepEqual(header, ['NAME', 'MODEL', 'REPLICAS', 'QUEUE', 'ENDPOINT', 'READY', 'AGE']);
      assert.equal(rows.length, 1, `one row, got ${JSON.stringify(rows)}`);
      const row = rows[0]!;
      assert.equal(row.NAME, NAME);
      assert.equal(row.MODEL, DEFAULT_MODEL);
      assert.equal(row.REPLICAS, '1/1');
      // Empty until the autoscaler has measured the queue; a number afterwards.
      assert.match(row.QUEUE ?? '', /^\d*$/, `QUEUE cell "${row.QUEUE}"`);
      assert.equal(row.ENDPOINT, `http://${NAME}.${ns}.svc.cluster.local:8000/v1`);
      assert.equal(row.READY, 'True');
      assert.match(row.AGE ?? '', /^\d+s$/, `AGE cell "${row.AGE}"`);
    });

    it('answers to the short name `mistral` with the same row', async () => {
      const byShort = parseTable(await plane.kubectl(['get', 'mistral', NAME, '-n', ns]));
      assert.equal(byShort.rows[0]?.NAME, NAME);
      assert.equal(byShort.rows[0]?.REPLICAS, '1/1');
    });
  });
});
