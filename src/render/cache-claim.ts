/**
 * The PersistentVolumeClaim for the model cache, rendered only when the spec asks the
 * operator to create one. Its owner reference makes it go with the MistralDeployment; a cache
 * that should outlive it belongs in `cache.existingClaim`.
 */
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { ResolvedSpec } from '../api/resolve-spec.js';
import { renderMetadata, type Owner } from './metadata.js';
import { deriveName } from './names.js';

/** Name of the cache claim the operator creates for `ownerName`. */
export function cacheClaimName(ownerName: string): string {
  return deriveName(ownerName, 'model-cache');
}

/** The cache claim, or undefined when the spec uses no claim or an existing one. */
export function renderCacheClaim(
  owner: Owner,
  resolved: ResolvedSpec,
): V1PersistentVolumeClaim | undefined {
  const cache = resolved.cache;
  if (cache.kind !== 'volumeClaim') return undefined;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: renderMetadata(owner, cacheClaimName(owner.name)),
    spec: {
      accessModes: [cache.accessMode],
      resources: { requests: { storage: cache.size } },
      ...(cache.storageClassName !== undefined && { storageClassName: cache.storageClassName }),
    },
  };
}
