/**
 * What a MistralDeployment's status should say, computed from what the operator observes.
 *
 * Pure: the observed Deployment and pods in, the status out. Conditions follow the
 * Kubernetes conventions (kstatus reads `Ready`, and `observedGeneration`): each keeps its
 * `lastTransitionTime` until its status changes, and each reason names something a person
 * can act on, such as the scheduler's "Insufficient nvidia.com/gpu".
 */
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { Condition, Endpoint, MistralDeploymentStatus, Problem } from '../api/index.js';
import { formatProblems } from '../api/index.js';

/** The condition types a MistralDeployment reports. */
export type ConditionType = 'Ready' | 'Available' | 'Progressing' | 'Degraded';

/** The owned workload as the informers see it. */
export interface ObservedWorkload {
  deployment?: V1Deployment;
  pods: V1Pod[];
}

/** Everything {@link computeStatus} needs. */
export interface StatusInputs {
  generation: number;
  desiredReplicas: number;
  endpoint: Endpoint;
  selector: string;
  observed: ObservedWorkload;
  previous?: MistralDeploymentStatus;
  /** RFC 3339 time used for conditions whose status changes now. */
  now: string;
}

type ConditionDraft = Pick<Condition, 'status' | 'reason' | 'message'>;
type ConditionDrafts = Record<ConditionType, ConditionDraft>;

const conditionOrder: ConditionType[] = ['Ready', 'Available', 'Progressing', 'Degraded'];
const holdingReasons = new Set(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull']);

const yes = (reason: string, message: string): ConditionDraft => ({
  status: 'True',
  reason,
  message,
});
const no = (reason: string, message: string): ConditionDraft => ({
  status: 'False',
  reason,
  message,
});

function finalizeConditions(
  drafts: ConditionDrafts,
  generation: number,
  previous: Condition[] | undefined,
  now: string,
): Condition[] {
  return conditionOrder.map((type) => {
    const draft = drafts[type];
    const before = previous?.find((c) => c.type === type);
    const unchanged = before?.status === draft.status;
    const lastTransitionTime = unchanged && before ? before.lastTransitionTime : now;
    return { type, ...draft, observedGeneration: generation, lastTransitionTime };
  });
}

/** The first scheduler message of a pod that cannot be placed, if any. */
export function unschedulableMessage(pods: V1Pod[]): string | undefined {
  for (const pod of pods) {
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      return scheduled.message ?? 'the scheduler found no node for the pod';
    }
  }
  return undefined;
}

/** Why a container keeps failing (crash loop, image pull), if one does. */
export function failingContainerMessage(pods: V1Pod[]): string | undefined {
  for (const pod of pods) {
    for (const container of pod.status?.containerStatuses ?? []) {
      const waiting = container.state?.waiting;
      if (waiting?.reason && holdingReasons.has(waiting.reason)) {
        const detail = waiting.message ? `: ${waiting.message}` : '';
        return `pod ${pod.metadata?.name} container ${container.name} is in ${waiting.reason}${detail}`;
      }
    }
  }
  return undefined;
}

/** Why the ReplicaSet cannot create pods (a missing PriorityClass, a quota), if it cannot. */
function podCreationFailure(deployment: V1Deployment): string | undefined {
  const failure = deployment.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
  return failure?.status === 'True' ? (failure.message ?? 'pods cannot be created') : undefined;
}

function deploymentGaveUp(deployment: V1Deployment): string | undefined {
  const progressing = deployment.status?.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return progressing.message ?? 'the rollout exceeded its progress deadline';
  }
  return undefined;
}

/** Replica counts of the owned Deployment, zero where it reports nothing yet. */
function countsOf(deployment: V1Deployment | undefined) {
  const status = deployment?.status;
  return {
    current: status?.replicas ?? 0,
    ready: status?.readyReplicas ?? 0,
    updated: status?.updatedReplicas ?? 0,
    available: status?.availableReplicas ?? 0,
    observed: (status?.observedGeneration ?? 0) >= (deployment?.metadata?.generation ?? 1),
  };
}

function rolledOut(deployment: V1Deployment | undefined, desired: number): boolean {
  const counts = countsOf(deployment);
  return (
    deployment !== undefined &&
    counts.observed &&
    counts.updated === desired &&
    counts.current === desired &&
    counts.available === desired
  );
}

function availability(ready: number): ConditionDraft {
  return ready > 0
    ? yes('EndpointServing', `${ready} ready replica(s) serve the endpoint`)
    : no('NoReadyReplicas', 'no vLLM pod is ready to serve yet');
}

function notReadyYet(observed: ObservedWorkload, desired: number): ConditionDraft {
  const { deployment, pods } = observed;
  if (!deployment) return no('Creating', 'the vLLM Deployment is being created');
  const gaveUp = deploymentGaveUp(deployment);
  if (gaveUp) return no('ProgressDeadlineExceeded', gaveUp);
  const cannotCreate = podCreationFailure(deployment);
  if (cannotCreate) return no('PodCreationFailed', `vLLM pods cannot be created: ${cannotCreate}`);
  const failing = failingContainerMessage(pods);
  if (failing) return no('ContainersFailing', failing);
  const unschedulable = unschedulableMessage(pods);
  if (unschedulable) return no('Unschedulable', `a vLLM pod cannot be scheduled: ${unschedulable}`);
  const { ready } = countsOf(deployment);
  return no(
    'Loading',
    `${ready}/${desired} replicas ready; pods that are loading the model can take tens of minutes`,
  );
}

function workloadConditions(inputs: StatusInputs): ConditionDrafts {
  const { observed, desiredReplicas } = inputs;
  const done = rolledOut(observed.deployment, desiredReplicas);
  const ready = done
    ? yes('AllReplicasReady', `${desiredReplicas}/${desiredReplicas} replicas ready`)
    : notReadyYet(observed, desiredReplicas);
  const stuck = [
    'ProgressDeadlineExceeded',
    'PodCreationFailed',
    'ContainersFailing',
    'Unschedulable',
  ];
  const degraded = stuck.includes(ready.reason)
    ? yes(ready.reason, ready.message)
    : no('AsExpected', 'nothing is wrong');
  const progressing = done
    ? no('RolloutComplete', 'the vLLM Deployment is rolled out')
    : ready.reason === 'ProgressDeadlineExceeded'
      ? no(ready.reason, ready.message)
      : yes(ready.reason, ready.message);
  return {
    Ready: ready,
    Available: availability(countsOf(observed.deployment).ready),
    Progressing: progressing,
    Degraded: degraded,
  };
}

/** The status of a MistralDeployment whose spec is valid and whose objects are applied. */
export function computeStatus(inputs: StatusInputs): MistralDeploymentStatus {
  const counts = countsOf(inputs.observed.deployment);
  const conditions = workloadConditions(inputs);
  return {
    ...keptFields(inputs.previous),
    observedGeneration: inputs.generation,
    replicas: counts.current,
    readyReplicas: counts.ready,
    desiredReplicas: inputs.desiredReplicas,
    readyReplicasText: `${counts.ready}/${inputs.desiredReplicas}`,
    selector: inputs.selector,
    endpoint: inputs.endpoint,
    conditions: finalizeConditions(
      conditions,
      inputs.generation,
      inputs.previous?.conditions,
      inputs.now,
    ),
  };
}

/** Fields other parts of the operator own (the autoscaler's queue depth) survive a rewrite. */
function keptFields(previous: MistralDeploymentStatus | undefined): MistralDeploymentStatus {
  return previous?.queueDepth === undefined ? {} : { queueDepth: previous.queueDepth };
}

/**
 * What keeps the operator from serving a spec: a problem only a person can fix (an invalid
 * spec, an object of the same name it does not own), or a failure it keeps retrying.
 */
export interface Blocker {
  reason: string;
  message: string;
  /** True when the operator tries again by itself; false when only a new spec can help. */
  retrying: boolean;
}

/** The blocker for a spec with problems the schema could not catch. */
export function specBlocker(problems: Problem[]): Blocker {
  return {
    reason: problems[0]?.reason ?? 'InvalidSpec',
    message: `the spec cannot be served: ${formatProblems(problems)}`,
    retrying: false,
  };
}

/**
 * The status of a MistralDeployment the operator cannot act on. Owned objects are left as
 * they were, so a serving endpoint keeps serving while the cause is fixed.
 */
export function blockedStatus(
  generation: number,
  blocker: Blocker,
  previous: MistralDeploymentStatus | undefined,
  now: string,
): MistralDeploymentStatus {
  const { reason, message } = blocker;
  const drafts: ConditionDrafts = {
    Ready: no(reason, message),
    Available: availability(previous?.readyReplicas ?? 0),
    Progressing: blocker.retrying
      ? yes(reason, `retrying: ${message}`)
      : no(reason, 'waiting for a corrected spec'),
    Degraded: yes(reason, message),
  };
  return {
    ...previous,
    observedGeneration: generation,
    conditions: finalizeConditions(drafts, generation, previous?.conditions, now),
  };
}

/** {@link blockedStatus} for a spec with problems the schema could not catch. */
export function invalidSpecStatus(
  generation: number,
  problems: Problem[],
  previous: MistralDeploymentStatus | undefined,
  now: string,
): MistralDeploymentStatus {
  return blockedStatus(generation, specBlocker(problems), previous, now);
}
