/** Pure renderers: a MistralDeployment's resolved spec in, the objects it owns out. */
export { cacheClaimName, renderCacheClaim } from './cache-claim.js';
export { renderDeployment } from './deployment.js';
export { renderEndpoint } from './endpoint.js';
export {
  SELECTOR_LABEL,
  formatSelector,
  renderLabels,
  renderOwnerReference,
  renderSelectorLabels,
  type Owner,
} from './metadata.js';
export { deriveLabelValue, deriveName, workloadName } from './names.js';
export { renderOwnedObjects } from './owned-objects.js';
export { renderPodDisruptionBudget } from './pod-disruption-budget.js';
export { renderService } from './service.js';
export { VLLM_CONTAINER } from './vllm-container.js';
