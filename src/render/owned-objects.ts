/** Everything the operator creates for one MistralDeployment, in the order to apply it. */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ResolvedSpec } from '../api/resolve-spec.js';
import { renderCacheClaim } from './cache-claim.js';
import { renderDeployment } from './deployment.js';
import type { Owner } from './metadata.js';
import { renderPodDisruptionBudget } from './pod-disruption-budget.js';
import { renderService } from './service.js';

/**
 * The owned objects: the cache claim first (when the spec asks for one) so the pods find it,
 * then the Deployment of `replicas` pods, its Service and its PodDisruptionBudget.
 */
export function renderOwnedObjects(
  owner: Owner,
  resolved: ResolvedSpec,
  replicas: number,
): KubernetesObject[] {
  const claim = renderCacheClaim(owner, resolved);
  return [
    ...(claim === undefined ? [] : [claim]),
    renderDeployment(owner, resolved, replicas),
    renderService(owner, resolved),
    renderPodDisruptionBudget(owner),
  ];
}
