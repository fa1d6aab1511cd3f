/**
 * The Deployment of vLLM pods. The replica count is an argument: the controller passes
 * `spec.replicas` or the autoscaler's decision, so rendering never decides it.
 */
import type { V1Deployment, V1DeploymentStrategy } from '@kubernetes/client-node';
import type { ResolvedSpec } from '../api/resolve-spec.js';
import { OWNER_ANNOTATION } from '../api/group-version.js';
import { renderLabels, renderMetadata, renderSelectorLabels, type Owner } from './metadata.js';
import { workloadName } from './names.js';
import { renderPodSpec } from './pod-spec.js';

/**
 * Replace one pod at a time and never add one. A surge pod would need a whole replica's GPUs
 * (4 H100s by default) on top of the running ones, which a busy cluster rarely has free, and
 * the rollout would wait for them indefinitely. The price: with one replica the endpoint is
 * down while the new pod loads the model.
 */
const ROLLOUT_STRATEGY: V1DeploymentStrategy = {
  type: 'RollingUpdate',
  rollingUpdate: { maxSurge: 0, maxUnavailable: 1 },
};

/**
 * Time to pull a multi-gigabyte image on top of the model load, so that the Deployment's own
 * progress deadline does not report a failure while the startup probe is still patient.
 */
const IMAGE_PULL_ALLOWANCE_SECONDS = 900;

/** The Deployment of `replicas` vLLM pods. */
export function renderDeployment(
  owner: Owner,
  resolved: ResolvedSpec,
  replicas: number,
): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: renderMetadata(owner, workloadName(owner.name)),
    spec: {
      replicas,
      selector: { matchLabels: renderSelectorLabels(owner.name) },
      strategy: ROLLOUT_STRATEGY,
      progressDeadlineSeconds: resolved.startupTimeoutSeconds + IMAGE_PULL_ALLOWANCE_SECONDS,
      revisionHistoryLimit: 3,
      template: {
        metadata: {
          labels: renderLabels(owner.name),
          annotations: { [OWNER_ANNOTATION]: owner.name },
        },
        spec: renderPodSpec(owner, resolved),
      },
    },
  };
}
