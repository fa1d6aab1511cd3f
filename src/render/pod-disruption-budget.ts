/** The PodDisruptionBudget that lets node drains take vLLM pods one at a time. */
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import { workloadName } from './names.js';
import { renderMetadata, renderSelectorLabels, type Owner } from './metadata.js';

/**
 * At most one pod voluntarily disrupted at a time. Pods that are not ready (still loading the
 * model) may always be evicted: they serve nothing yet, and the default policy would let one
 * stuck pod block every drain of its node.
 */
export function renderPodDisruptionBudget(owner: Owner): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: renderMetadata(owner, workloadName(owner.name)),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: renderSelectorLabels(owner.name) },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}
