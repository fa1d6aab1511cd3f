/** The Service in front of the vLLM pods, the address of the OpenAI-compatible endpoint. */
import type { V1Service } from '@kubernetes/client-node';
import type { ResolvedSpec } from '../api/resolve-spec.js';
import { workloadName } from './names.js';
import { renderMetadata, renderSelectorLabels, sortKeys, type Owner } from './metadata.js';

/** The Service, its port named `http` and targeting the container port of that name. */
export function renderService(owner: Owner, resolved: ResolvedSpec): V1Service {
  const metadata = renderMetadata(owner, workloadName(owner.name));
  const annotations = sortKeys(resolved.service.annotations);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: Object.keys(annotations).length > 0 ? { ...metadata, annotations } : metadata,
    spec: {
      type: resolved.service.type,
      selector: renderSelectorLabels(owner.name),
      ports: [{ name: 'http', port: resolved.service.port, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}
