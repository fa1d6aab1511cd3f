import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Deployment, V1DeploymentCondition, V1Pod } from '@kubernetes/client-node';
import type { Condition, MistralDeploymentStatus, Problem } from '../../src/api/index.js';
import {
  computeStatus,
  failingContainerMessage,
  invalidSpecStatus,
  unschedulableMessage,
  type ObservedWorkload,
  type StatusInputs,
} from '../../src/controller/status.js';

const EARLIER = '2026-01-01T00:00:00.000Z';
const NOW = '2026-01-02T03:04:05.000Z';
const SCHEDULER_SAYS =
  '0/4 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present}, ' +
  '3 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are available.';
const NO_PRIORITY_CLASS =
  'pods "small4-7d9c-" is forbidden: no PriorityClass with name llm-critical was found';
const BACK_OFF = 'back-off 5m0s restarting failed container=vllm pod=small4-abc';
const DEADLINE = 'ReplicaSet "small4-7d9c" has timed out progressing.';

interface DeploymentShape {
  generation?: number;
  observedGeneration?: number;
  replicas?: number;
  ready?: number;
  updated?: number;
  available?: number;
  conditions?: V1DeploymentCondition[];
}

function deployment(shape: DeploymentShape = {}): V1Deployment {
  const { generation = 1, observedGeneration = generation, conditions = [] } = shape;
  return {
    metadata: { name: 'small4', namespace: 'llm', generation },
    status: {
      observedGeneration,
      replicas: shape.replicas,
      readyReplicas: shape.ready,
      updatedReplicas: shape.updated,
      availableReplicas: shape.available,
      conditions,
    },
  };
}

/** A Deployment whose `n` replicas are all updated, available and ready. */
const rolledOut = (n: number) => deployment({ replicas: n, ready: n, updated: n, available: n });

/** A Deployment with `n` updated pods, none ready yet. */
const loading = (n: number, extra: DeploymentShape = {}) =>
  deployment({ replicas: n, ready: 0, updated: n, available: 0, ...extra });

function pod(name: string, status: V1Pod['status'] = {}): V1Pod {
  return { metadata: { name, namespace: 'llm' }, status };
}

const unschedulablePod = (name: string, message?: string) =>
  pod(name, {
    phase: 'Pending',
    conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }],
  });

const waitingPod = (name: string, reason: string, message?: string) =>
  pod(name, {
    phase: 'Running',
    conditions: [{ type: 'PodScheduled', status: 'True' }],
    containerStatuses: [
      {
        name: 'vllm',
        image: 'mistralllm/vllm-ms4',
        imageID: '',
        ready: false,
        restartCount: 4,
        state: { waiting: { reason, message } },
      },
    ],
  });

const runningPod = (name: string) =>
  pod(name, {
    phase: 'Running',
    conditions: [{ type: 'PodScheduled', status: 'True' }],
    containerStatuses: [
      {
        name: 'vllm',
        image: 'mistralllm/vllm-ms4',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { running: { startedAt: new Date(EARLIER) } },
      },
    ],
  });

const replicaFailure = (message: string): V1DeploymentCondition => ({
  type: 'ReplicaFailure',
  status: 'True',
  reason: 'FailedCreate',
  message,
});

const progressDeadlineExceeded: V1DeploymentCondition = {
  type: 'Progressing',
  status: 'False',
  reason: 'ProgressDeadlineExceeded',
  message: DEADLINE,
};

function inputs(observed: ObservedWorkload, extra: Partial<StatusInputs> = {}): StatusInputs {
  return {
    generation: 1,
    desiredReplicas: 1,
    endpoint: { url: 'http://small4.llm.svc.cluster.local:8000/v1', model: 'small4' },
    selector: 'serving.mistral-operator.io/mistraldeployment=small4',
    observed,
    now: NOW,
    ...extra,
  };
}

function conditionOf(status: MistralDeploymentStatus, type: string): Condition {
  const found = status.conditions?.find((c) => c.type === type);
  assert.ok(found, `status has no ${type} condition: ${JSON.stringify(status.conditions)}`);
  return found;
}

/** `status/reason` of each condition, for compact expectations. */
function summary(status: MistralDeploymentStatus): Record<string, string> {
  return Object.fromEntries(
    (status.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]),
  );
}

describe('computeStatus', () => {
  interface Case {
    name: string;
    observed: ObservedWorkload;
    desired?: number;
    conditions: Record<string, string>;
    /** Text the Ready condition's message must contain. */
    readyMessage: string;
    replicasText: string;
  }
  const cases: Case[] = [
    {
      name: 'says the Deployment is being created when none exists yet',
      observed: { pods: [] },
      conditions: {
        Ready: 'False/Creating',
        Available: 'False/NoReadyReplicas',
        Progressing: 'True/Creating',
        Degraded: 'False/AsExpected',
      },
      readyMessage: 'the vLLM Deployment is being created',
      replicasText: '0/1',
    },
    {
      name: 'is Ready when every replica is updated, available and ready',
      observed: { deployment: rolledOut(2), pods: [runningPod('a'), runningPod('b')] },
      desired: 2,
      conditions: {
        Ready: 'True/AllReplicasReady',
        Available: 'True/EndpointServing',
        Progressing: 'False/RolloutComplete',
        Degraded: 'False/AsExpected',
      },
      readyMessage: '2/2 replicas ready',
      replicasText: '2/2',
    },
    {
      name: 'says the model is loading while the pods run but are not ready',
      observed: { deployment: loading(1), pods: [runningPod('a')] },
      conditions: {
        Ready: 'False/Loading',
        Available: 'False/NoReadyReplicas',
        Progressing: 'True/Loading',
        Degraded: 'False/AsExpected',
      },
      readyMessage: '0/1 replicas ready; pods that are loading the model',
      replicasText: '0/1',
    },
    {
      name: 'is Available but not Ready when one of two replicas is ready',
      observed: {
        deployment: deployment({ replicas: 2, ready: 1, updated: 2, available: 1 }),
        pods: [runningPod('a'), runningPod('b')],
      },
      desired: 2,
      conditions: {
        Ready: 'False/Loading',
        Available: 'True/EndpointServing',
        Progressing: 'True/Loading',
        Degraded: 'False/AsExpected',
      },
      readyMessage: '1/2 replicas ready',
      replicasText: '1/2',
    },
    {
      name: 'is not Ready while the Deployment controller has not seen the latest generation',
      observed: {
        deployment: deployment({
          generation: 3,
          observedGeneration: 2,
          replicas: 1,
          ready: 1,
          updated: 1,
          available: 1,
        }),
        pods: [runningPod('a')],
      },
      conditions: {
        Ready: 'False/Loading',
        Available: 'True/EndpointServing',
        Progressing: 'True/Loading',
        Degraded: 'False/AsExpected',
      },
      readyMessage: '1/1 replicas ready',
      replicasText: '1/1',
    },
    {
      name: 'is not Ready while an old pod still runs beside an updated one',
      observed: {
        deployment: deployment({ replicas: 2, ready: 2, updated: 1, available: 2 }),
        pods: [runningPod('a'), runningPod('b')],
      },
      desired: 2,
      conditions: {
        Ready: 'False/Loading',
        Available: 'True/EndpointServing',
        Progressing: 'True/Loading',
        Degraded: 'False/AsExpected',
      },
      readyMessage: '2/2 replicas ready',
      replicasText: '2/2',
    },
    {
      name: "carries the scheduler's message when a pod cannot be scheduled",
      observed: {
        deployment: loading(2),
        pods: [runningPod('a'), unschedulablePod('b', SCHEDULER_SAYS)],
      },
      desired: 2,
      conditions: {
        Ready: 'False/Unschedulable',
        Available: 'False/NoReadyReplicas',
        Progressing: 'True/Unschedulable',
        Degraded: 'True/Unschedulable',
      },
      readyMessage: `a vLLM pod cannot be scheduled: ${SCHEDULER_SAYS}`,
      replicasText: '0/2',
    },
    {
      name: 'reports that pods cannot be created when the PriorityClass is missing',
      observed: {
        deployment: loading(0, { conditions: [replicaFailure(NO_PRIORITY_CLASS)] }),
        pods: [],
      },
      conditions: {
        Ready: 'False/PodCreationFailed',
        Available: 'False/NoReadyReplicas',
        Progressing: 'True/PodCreationFailed',
        Degraded: 'True/PodCreationFailed',
      },
      readyMessage: `vLLM pods cannot be created: ${NO_PRIORITY_CLASS}`,
      replicasText: '0/1',
    },
    {
      name: 'names the pod and container of a crash loop with its back-off message',
      observed: {
        deployment: loading(1),
        pods: [waitingPod('small4-abc', 'CrashLoopBackOff', BACK_OFF)],
      },
      conditions: {
        Ready: 'False/ContainersFailing',
        Available: 'False/NoReadyReplicas',
        Progressing: 'True/ContainersFailing',
        Degraded: 'True/ContainersFailing',
      },
      readyMessage: `pod small4-abc container vllm is in CrashLoopBackOff: ${BACK_OFF}`,
      replicasText: '0/1',
    },
    {
      name: 'stops Progressing and is Degraded once the progress deadline is exceeded',
      observed: {
        deployment: loading(1, { conditions: [progressDeadlineExceeded] }),
        pods: [waitingPod('small4-abc', 'CrashLoopBackOff', BACK_OFF)],
      },
      conditions: {
        Ready: 'False/ProgressDeadlineExceeded',
        Available: 'False/NoReadyReplicas',
        Progressing: 'False/ProgressDeadlineExceeded',
        Degraded: 'True/ProgressDeadlineExceeded',
      },
      readyMessage: DEADLINE,
      replicasText: '0/1',
    },
    {
      name: 'prefers a crash loop over a scheduling problem of another pod',
      observed: {
        deployment: loading(2),
        pods: [
          unschedulablePod('a', SCHEDULER_SAYS),
          waitingPod('b', 'ImagePullBackOff', 'pull access denied'),
        ],
      },
      desired: 2,
      conditions: {
        Ready: 'False/ContainersFailing',
        Available: 'False/NoReadyReplicas',
        Progressing: 'True/ContainersFailing',
        Degraded: 'True/ContainersFailing',
      },
      readyMessage: 'pod b container vllm is in ImagePullBackOff: pull access denied',
      replicasText: '0/2',
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const status = computeStatus(inputs(c.observed, { desiredReplicas: c.desired ?? 1 }));
      assert.deepEqual(summary(status), c.conditions);
      const ready = conditionOf(status, 'Ready');
      assert.ok(
        ready.message.includes(c.readyMessage),
        `Ready message "${ready.message}" lacks "${c.readyMessage}"`,
      );
      assert.equal(status.readyReplicasText, c.replicasText);
    });
  }

  it('keeps the conditions in the order Ready, Available, Progressing, Degraded', () => {
    const status = computeStatus(inputs({ pods: [] }));
    assert.deepEqual(
      status.conditions?.map((c) => c.type),
      ['Ready', 'Available', 'Progressing', 'Degraded'],
    );
  });

  it('reports the counts, endpoint and selector it was given', () => {
    const observed = {
      deployment: deployment({ replicas: 3, ready: 1, updated: 3, available: 1 }),
      pods: [],
    };
    const status = computeStatus(inputs(observed, { desiredReplicas: 3 }));
    assert.equal(status.replicas, 3);
    assert.equal(status.readyReplicas, 1);
    assert.equal(status.desiredReplicas, 3);
    assert.deepEqual(status.endpoint, {
      url: 'http://small4.llm.svc.cluster.local:8000/v1',
      model: 'small4',
    });
    assert.equal(status.selector, 'serving.mistral-operator.io/mistraldeployment=small4');
  });

  it('sets observedGeneration on the status and on every condition', () => {
    const previous = computeStatus(inputs({ pods: [] }, { generation: 6, now: EARLIER }));
    const status = computeStatus(
      inputs({ deployment: loading(1), pods: [] }, { generation: 7, previous }),
    );
    assert.equal(status.observedGeneration, 7);
    assert.deepEqual(
      status.conditions?.map((c) => [c.type, c.observedGeneration]),
      [
        ['Ready', 7],
        ['Available', 7],
        ['Progressing', 7],
        ['Degraded', 7],
      ],
    );
  });

  describe('lastTransitionTime', () => {
    const before = computeStatus(inputs({ deployment: loading(1), pods: [] }, { now: EARLIER }));

    it('is now for every condition when there is no previous status', () => {
      assert.deepEqual(
        before.conditions?.map((c) => c.lastTransitionTime),
        [EARLIER, EARLIER, EARLIER, EARLIER],
      );
    });

    it('is kept when a condition keeps its status, even with a new reason', () => {
      const observed = { deployment: loading(1), pods: [unschedulablePod('a', SCHEDULER_SAYS)] };
      const after = computeStatus(inputs(observed, { previous: before }));
      assert.equal(conditionOf(after, 'Ready').reason, 'Unschedulable');
      assert.equal(conditionOf(after, 'Ready').lastTransitionTime, EARLIER);
      assert.equal(conditionOf(after, 'Available').lastTransitionTime, EARLIER);
      assert.equal(conditionOf(after, 'Progressing').lastTransitionTime, EARLIER);
    });

    it('is now for the conditions whose status changes, and kept for the others', () => {
      const after = computeStatus(
        inputs({ deployment: rolledOut(1), pods: [] }, { previous: before }),
      );
      assert.deepEqual(
        after.conditions?.map((c) => [c.type, c.status, c.lastTransitionTime]),
        [
          ['Ready', 'True', NOW],
          ['Available', 'True', NOW],
          ['Progressing', 'False', NOW],
          ['Degraded', 'False', EARLIER],
        ],
      );
    });

    it('is now for a condition the previous status did not have', () => {
      const previous: MistralDeploymentStatus = {
        conditions: (before.conditions ?? []).filter((c) => c.type !== 'Degraded'),
      };
      const after = computeStatus(inputs({ deployment: loading(1), pods: [] }, { previous }));
      assert.equal(conditionOf(after, 'Degraded').lastTransitionTime, NOW);
      assert.equal(conditionOf(after, 'Ready').lastTransitionTime, EARLIER);
    });
  });

  it('keeps the queue depth the autoscaler wrote', () => {
    const previous: MistralDeploymentStatus = { queueDepth: 12, replicas: 9, readyReplicas: 9 };
    const status = computeStatus(inputs({ deployment: rolledOut(1), pods: [] }, { previous }));
    assert.equal(status.queueDepth, 12);
    assert.equal(status.replicas, 1, 'replica counts come from the Deployment, not the past');
    assert.equal(status.readyReplicas, 1);
  });

  it('keeps a queue depth of zero', () => {
    const status = computeStatus(inputs({ pods: [] }, { previous: { queueDepth: 0 } }));
    assert.equal(status.queueDepth, 0);
  });

  it('adds no queue depth when the previous status had none', () => {
    const status = computeStatus(inputs({ pods: [] }, { previous: { replicas: 1 } }));
    assert.equal('queueDepth' in status, false, `queueDepth is ${status.queueDepth}`);
  });
});

describe('invalidSpecStatus', () => {
  const problems: Problem[] = [
    {
      field: 'spec.gpu.count',
      reason: 'ParallelismMismatch',
      message: 'tensor x pipeline (8) must equal the GPUs per replica (4)',
    },
    { field: 'spec.vllm.extraArgs[0]', reason: 'ManagedFlag', message: '--port is set by us' },
  ];
  const serving = computeStatus(
    inputs({ deployment: rolledOut(2), pods: [] }, { desiredReplicas: 2, now: EARLIER }),
  );

  it('is not Ready and is Degraded with the first reason and every problem', () => {
    const status = invalidSpecStatus(4, problems, undefined, NOW);
    assert.deepEqual(summary(status), {
      Ready: 'False/ParallelismMismatch',
      Available: 'False/NoReadyReplicas',
      Progressing: 'False/ParallelismMismatch',
      Degraded: 'True/ParallelismMismatch',
    });
    const message = conditionOf(status, 'Degraded').message;
    assert.ok(message.startsWith('the spec cannot be served: '), message);
    assert.ok(message.includes('spec.gpu.count: tensor x pipeline (8)'), message);
    assert.ok(
      message.includes('spec.vllm.extraArgs[0]: --port is set by us (ManagedFlag)'),
      message,
    );
    assert.equal(conditionOf(status, 'Progressing').message, 'waiting for a corrected spec');
  });

  it('falls back to the reason InvalidSpec when given no problem', () => {
    const status = invalidSpecStatus(1, [], undefined, NOW);
    assert.equal(conditionOf(status, 'Ready').reason, 'InvalidSpec');
    assert.equal(conditionOf(status, 'Degraded').status, 'True');
  });

  it('stays Available while the replicas of the last good spec serve', () => {
    const status = invalidSpecStatus(4, problems, serving, NOW);
    assert.equal(conditionOf(status, 'Available').status, 'True');
    assert.equal(conditionOf(status, 'Available').lastTransitionTime, EARLIER);
    assert.equal(conditionOf(status, 'Ready').lastTransitionTime, NOW);
  });

  it('keeps the endpoint, replica counts and queue depth of the previous status', () => {
    const status = invalidSpecStatus(4, problems, { ...serving, queueDepth: 3 }, NOW);
    assert.deepEqual(status.endpoint, serving.endpoint);
    assert.equal(status.readyReplicasText, '2/2');
    assert.equal(status.queueDepth, 3);
  });

  it('sets observedGeneration on the status and on every condition', () => {
    const status = invalidSpecStatus(4, problems, serving, NOW);
    assert.equal(status.observedGeneration, 4);
    assert.deepEqual(
      status.conditions?.map((c) => c.observedGeneration),
      [4, 4, 4, 4],
    );
  });
});

describe('unschedulableMessage', () => {
  const cases: Array<[string, V1Pod[], string | undefined]> = [
    ['finds nothing without pods', [], undefined],
    ['finds nothing when every pod is scheduled', [runningPod('a')], undefined],
    [
      'ignores a pod that waits on a scheduling gate',
      [
        pod('gated', {
          conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
        }),
      ],
      undefined,
    ],
    ['returns the scheduler message', [unschedulablePod('a', SCHEDULER_SAYS)], SCHEDULER_SAYS],
    [
      'says the scheduler found no node when it gave no message',
      [unschedulablePod('a')],
      'the scheduler found no node for the pod',
    ],
    [
      'returns the first unschedulable pod of several',
      [runningPod('a'), unschedulablePod('b', 'first'), unschedulablePod('c', 'second')],
      'first',
    ],
  ];
  for (const [name, pods, expected] of cases) {
    it(name, () => assert.equal(unschedulableMessage(pods), expected));
  }
});

describe('failingContainerMessage', () => {
  const cases: Array<[string, V1Pod[], string | undefined]> = [
    ['finds nothing without pods', [], undefined],
    ['finds nothing while the container runs', [runningPod('a')], undefined],
    [
      'finds nothing while the container is still being created',
      [waitingPod('a', 'ContainerCreating')],
      undefined,
    ],
    [
      'names a crash loop with its message',
      [waitingPod('a', 'CrashLoopBackOff', BACK_OFF)],
      `pod a container vllm is in CrashLoopBackOff: ${BACK_OFF}`,
    ],
    [
      'names an image pull back-off without a message',
      [waitingPod('a', 'ImagePullBackOff')],
      'pod a container vllm is in ImagePullBackOff',
    ],
    [
      'names an image pull error',
      [waitingPod('a', 'ErrImagePull', 'manifest unknown')],
      'pod a container vllm is in ErrImagePull: manifest unknown',
    ],
    [
      'returns the first failing pod of several',
      [runningPod('a'), waitingPod('b', 'CrashLoopBackOff'), waitingPod('c', 'ErrImagePull')],
      'pod b container vllm is in CrashLoopBackOff',
    ],
  ];
  for (const [name, pods, expected] of cases) {
    it(name, () => assert.equal(failingContainerMessage(pods), expected));
  }
});
