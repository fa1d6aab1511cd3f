/**
 * The pod of one vLLM replica: its container, volumes, GPU node placement and the pod-level
 * settings that keep it self-contained.
 */
import type {
  V1PodSecurityContext,
  V1PodSpec,
  V1Toleration,
  V1Volume,
} from '@kubernetes/client-node';
import { GPU_PRODUCT_LABEL } from '../api/defaults.js';
import type { ResolvedSpec } from '../api/resolve-spec.js';
import { cacheClaimName } from './cache-claim.js';
import { sortKeys, type Owner } from './metadata.js';
import { MODEL_CACHE_VOLUME, SHM_VOLUME, renderVllmContainer } from './vllm-container.js';

/** The pod spec of a vLLM replica. */
export function renderPodSpec(owner: Owner, resolved: ResolvedSpec): V1PodSpec {
  const nodeSelector = renderNodeSelector(resolved);
  const securityContext = renderPodSecurity(resolved.runAsUser);
  return {
    containers: [renderVllmContainer(resolved)],
    volumes: renderVolumes(owner, resolved),
    ...(Object.keys(nodeSelector).length > 0 && { nodeSelector }),
    tolerations: renderTolerations(resolved),
    ...(resolved.affinity !== undefined && { affinity: structuredClone(resolved.affinity) }),
    ...(resolved.priorityClassName !== undefined && {
      priorityClassName: resolved.priorityClassName,
    }),
    ...(resolved.image.pullSecrets.length > 0 && {
      imagePullSecrets: resolved.image.pullSecrets.map((name) => ({ name })),
    }),
    ...(securityContext !== undefined && { securityContext }),
    // A Service named like vLLM's own settings (a Service `vllm` yields VLLM_PORT) would
    // inject variables vLLM misreads; the pod needs no Service variables at all.
    enableServiceLinks: false,
    // vLLM never calls the Kubernetes API.
    automountServiceAccountToken: false,
  };
}

/** The spec's node labels plus the GPU product, keys sorted. */
function renderNodeSelector(resolved: ResolvedSpec): Record<string, string> {
  const product = resolved.gpu.product;
  const gpu: Record<string, string> = product === '' ? {} : { [GPU_PRODUCT_LABEL]: product };
  return sortKeys({ ...resolved.nodeSelector, ...gpu });
}

/**
 * GPU nodes are commonly tainted with the GPU resource name so that only pods asking for GPUs
 * land there; the pod tolerates that taint, then whatever the spec adds.
 */
function renderTolerations(resolved: ResolvedSpec): V1Toleration[] {
  const gpu: V1Toleration = {
    key: resolved.gpu.resourceName,
    operator: 'Exists',
    effect: 'NoSchedule',
  };
  const extra = resolved.tolerations.filter((t) => !sameToleration(t, gpu));
  return [gpu, ...extra.map((t) => ({ ...t }))];
}

function sameToleration(a: V1Toleration, b: V1Toleration): boolean {
  return a.key === b.key && a.operator === b.operator && a.effect === b.effect;
}

/**
 * `/dev/shm` in memory and sized for NCCL; the model cache on the claim the spec names, or on
 * an emptyDir that lives as long as the pod.
 */
function renderVolumes(owner: Owner, resolved: ResolvedSpec): V1Volume[] {
  const shm: V1Volume = {
    name: SHM_VOLUME,
    emptyDir: { medium: 'Memory', sizeLimit: resolved.sharedMemorySize },
  };
  return [shm, { name: MODEL_CACHE_VOLUME, ...renderCacheSource(owner, resolved) }];
}

function renderCacheSource(owner: Owner, resolved: ResolvedSpec): Omit<V1Volume, 'name'> {
  switch (resolved.cache.kind) {
    case 'existingClaim':
      return { persistentVolumeClaim: { claimName: resolved.cache.claimName } };
    case 'volumeClaim':
      return { persistentVolumeClaim: { claimName: cacheClaimName(owner.name) } };
    case 'emptyDir':
      return { emptyDir: {} };
  }
}

/** With a non-root user, the volumes get that user's id as group so the cache is writable. */
function renderPodSecurity(runAsUser: number | undefined): V1PodSecurityContext | undefined {
  return runAsUser === undefined ? undefined : { fsGroup: runAsUser };
}
