/** The endpoint a MistralDeployment reports in `status.endpoint`. */
import type { Endpoint } from '../api/status-schema.js';
import type { ResolvedSpec } from '../api/resolve-spec.js';
import { workloadName } from './names.js';
import type { Owner } from './metadata.js';

/**
 * The in-cluster OpenAI base URL and the model name to request. Assumes the cluster DNS
 * domain `cluster.local`, the Kubernetes default.
 */
export function renderEndpoint(owner: Owner, resolved: ResolvedSpec): Endpoint {
  const host = `${workloadName(owner.name)}.${owner.namespace}.svc.cluster.local`;
  return {
    url: `http://${host}:${resolved.service.port}/v1`,
    model: resolved.model.servedModelName,
  };
}
