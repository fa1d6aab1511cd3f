import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Container, V1Deployment, V1PodSpec } from '@kubernetes/client-node';
import type { MistralDeploymentSpec } from '../../src/api/spec-schema.js';
import { renderDeployment } from '../../src/render/deployment.js';
import { OWNER, resolved } from './fixtures.js';
import { assertMatchesSnapshot } from './snapshot.js';

function render(spec: MistralDeploymentSpec = {}, replicas = 1): V1Deployment {
  return renderDeployment(OWNER, resolved(spec), replicas);
}

function podOf(deployment: V1Deployment): V1PodSpec {
  const pod = deployment.spec?.template.spec;
  assert.ok(pod);
  return pod;
}

function containerOf(deployment: V1Deployment): V1Container {
  const [container] = podOf(deployment).containers;
  assert.ok(container);
  return container;
}

describe('renderDeployment', () => {
  it('renders the minimal example as the snapshot shows', () => {
    assertMatchesSnapshot('deployment-minimal', render());
  });

  it('requests and limits four GPUs per pod by default', () => {
    const { resources } = containerOf(render());

    assert.deepEqual(resources?.requests, { 'nvidia.com/gpu': '4' });
    assert.deepEqual(resources?.limits, { 'nvidia.com/gpu': '4' });
  });

  it('places pods on H100 nodes and tolerates the GPU taint', () => {
    const pod = podOf(render());

    assert.deepEqual(pod.nodeSelector, { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' });
    assert.deepEqual(pod.tolerations, [
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
  });

  it('mounts a memory-backed /dev/shm of the default 16Gi', () => {
    const deployment = render();

    assert.deepEqual(podOf(deployment).volumes?.[0], {
      name: 'dshm',
      emptyDir: { medium: 'Memory', sizeLimit: '16Gi' },
    });
    assert.deepEqual(containerOf(deployment).volumeMounts?.[0], {
      name: 'dshm',
      mountPath: '/dev/shm',
    });
  });

  it('gives the startup probe at least the startup patience of the spec', () => {
    for (const startupTimeoutSeconds of [60, 3600, 5555]) {
      const probe = containerOf(render({ startupTimeoutSeconds })).startupProbe;
      const patience = (probe?.failureThreshold ?? 0) * (probe?.periodSeconds ?? 0);

      assert.ok(patience >= startupTimeoutSeconds, `${patience} < ${startupTimeoutSeconds}`);
    }
  });

  it('probes /health for startup, readiness and liveness', () => {
    const container = containerOf(render());
    const probes = [container.startupProbe, container.readinessProbe, container.livenessProbe];

    assert.deepEqual(
      probes.map((p) => p?.httpGet?.path),
      ['/health', '/health', '/health'],
    );
  });

  it('waits longer than the startup patience before reporting a stalled rollout', () => {
    const deployment = render({ startupTimeoutSeconds: 7200 });

    assert.ok((deployment.spec?.progressDeadlineSeconds ?? 0) > 7200);
  });

  it('runs the replica count it is given, whatever the spec says', () => {
    assert.equal(render({ replicas: 2 }, 5).spec?.replicas, 5);
  });

  it('replaces pods one at a time without surging past the GPUs in use', () => {
    assert.deepEqual(render().spec?.strategy?.rollingUpdate, { maxSurge: 0, maxUnavailable: 1 });
  });

  it('is owned by the MistralDeployment as its controller', () => {
    assert.deepEqual(render().metadata?.ownerReferences, [
      {
        apiVersion: 'serving.mistral-operator.io/v1alpha1',
        kind: 'MistralDeployment',
        name: 'small4',
        uid: OWNER.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('selects its pods by a label the pod template carries', () => {
    const deployment = render();
    const selector = deployment.spec?.selector.matchLabels ?? {};
    const labels = deployment.spec?.template.metadata?.labels ?? {};

    assert.ok(Object.keys(selector).length > 0, 'the selector has labels');
    for (const [key, value] of Object.entries(selector)) assert.equal(labels[key], value);
    assert.equal(labels['app.kubernetes.io/name'], 'vllm');
    assert.equal(labels['app.kubernetes.io/component'], 'inference-server');
  });

  it('names its MistralDeployment in full on every pod, for pod events to find it', () => {
    const annotations = render().spec?.template.metadata?.annotations ?? {};
    assert.equal(annotations['serving.mistral-operator.io/mistraldeployment'], 'small4');
  });

  it('passes the Hugging Face token and the API key by Secret reference', () => {
    const env = containerOf(
      render({ huggingFaceToken: { name: 'hf', key: 'token' }, apiKey: { name: 'api', key: 'k' } }),
    ).env;

    assert.deepEqual(
      env?.filter((e) => e.valueFrom !== undefined),
      [
        { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } },
        { name: 'VLLM_API_KEY', valueFrom: { secretKeyRef: { name: 'api', key: 'k' } } },
      ],
    );
  });

  const caches = [
    { name: 'no cache keeps the model in an emptyDir', spec: {}, source: { emptyDir: {} } },
    {
      name: 'an existing claim is mounted as it is',
      spec: { cache: { existingClaim: 'models' } },
      source: { persistentVolumeClaim: { claimName: 'models' } },
    },
    {
      name: 'a claim the operator creates is mounted by its derived name',
      spec: { cache: { volumeClaim: { size: '300Gi' } } },
      source: { persistentVolumeClaim: { claimName: 'small4-model-cache' } },
    },
  ];
  for (const { name, spec, source } of caches) {
    it(name, () => {
      const deployment = render(spec);

      assert.deepEqual(podOf(deployment).volumes?.[1], { name: 'model-cache', ...source });
      assert.ok(
        containerOf(deployment).env?.some(
          (e) => e.name === 'HF_HOME' && e.value === '/var/cache/huggingface',
        ),
      );
    });
  }

  it('drops privileges and runs as root only while no user is set', () => {
    const rootContext = containerOf(render()).securityContext;
    const userDeployment = render({ runAsUser: 1000 });

    assert.equal(rootContext?.allowPrivilegeEscalation, false);
    assert.deepEqual(rootContext?.capabilities, { drop: ['ALL'] });
    assert.deepEqual(rootContext?.seccompProfile, { type: 'RuntimeDefault' });
    assert.equal(rootContext?.runAsNonRoot, undefined);
    assert.equal(containerOf(userDeployment).securityContext?.runAsNonRoot, true);
    assert.equal(containerOf(userDeployment).securityContext?.runAsUser, 1000);
    assert.deepEqual(podOf(userDeployment).securityContext, { fsGroup: 1000 });
  });

  it('adds the spec node selector and tolerations, sorted and without duplicates', () => {
    const pod = podOf(
      render({
        nodeSelector: { zone: 'a', 'cloud.example/pool': 'gpu' },
        tolerations: [
          { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
          { key: 'dedicated', operator: 'Equal', value: 'llm', effect: 'NoSchedule' },
        ],
      }),
    );

    assert.deepEqual(Object.keys(pod.nodeSelector ?? {}), [
      'cloud.example/pool',
      'nvidia.com/gpu.product',
      'zone',
    ]);
    assert.deepEqual(
      pod.tolerations?.map((t) => t.key),
      ['nvidia.com/gpu', 'dedicated'],
    );
  });

  it('selects no GPU product when the spec empties it', () => {
    assert.equal(podOf(render({ gpu: { product: '' } })).nodeSelector, undefined);
  });

  it('keeps Service variables out of the pod, where vLLM would misread them', () => {
    assert.equal(podOf(render()).enableServiceLinks, false);
  });

  it('renders the same object twice from the same input', () => {
    assert.deepEqual(
      render({ vllm: { env: [{ name: 'A', value: '1' }] } }),
      render({ vllm: { env: [{ name: 'A', value: '1' }] } }),
    );
  });
});
