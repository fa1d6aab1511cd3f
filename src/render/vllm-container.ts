/**
 * The vLLM container: image, command line, port, environment, GPUs and memory, mounts,
 * probes and a locked-down security context.
 */
import type {
  V1Container,
  V1EnvVar,
  V1ResourceRequirements,
  V1SecurityContext,
} from '@kubernetes/client-node';
import type { ResolvedAmounts, ResolvedSpec } from '../api/resolve-spec.js';
import type { EnvVar } from '../api/spec-schema.js';
import { sortKeys } from './metadata.js';
import { renderProbes } from './probes.js';
import { VLLM_COMMAND, VLLM_PORT, renderVllmArgs } from './vllm-args.js';

/** Name of the vLLM container. */
export const VLLM_CONTAINER = 'vllm';

/** Where the model cache volume is mounted; `HF_HOME` points there. */
export const MODEL_CACHE_PATH = '/var/cache/huggingface';

/** Name of the memory-backed volume at `/dev/shm`. */
export const SHM_VOLUME = 'dshm';

/** Name of the volume that holds the Hugging Face cache. */
export const MODEL_CACHE_VOLUME = 'model-cache';

/** The vLLM container of a pod. */
export function renderVllmContainer(resolved: ResolvedSpec): V1Container {
  return {
    name: VLLM_CONTAINER,
    image: resolved.image.reference,
    ...(resolved.image.pullPolicy && { imagePullPolicy: resolved.image.pullPolicy }),
    command: VLLM_COMMAND,
    args: renderVllmArgs(resolved),
    ports: [{ name: 'http', containerPort: VLLM_PORT, protocol: 'TCP' }],
    env: renderEnv(resolved),
    resources: renderResources(resolved),
    volumeMounts: [
      { name: SHM_VOLUME, mountPath: '/dev/shm' },
      { name: MODEL_CACHE_VOLUME, mountPath: MODEL_CACHE_PATH },
    ],
    ...renderProbes(resolved.startupTimeoutSeconds),
    securityContext: renderContainerSecurity(resolved.runAsUser),
  };
}

/**
 * The operator's variables, sorted by name, then the spec's in their own order (a later
 * variable may refer to an earlier one as `$(NAME)`). Secret values stay in their Secrets.
 */
function renderEnv(resolved: ResolvedSpec): V1EnvVar[] {
  const managed: V1EnvVar[] = [
    { name: 'HF_HOME', value: MODEL_CACHE_PATH },
    ...secretEnv('HF_TOKEN', resolved.huggingFaceToken),
    ...secretEnv('VLLM_API_KEY', resolved.apiKey),
  ];
  managed.sort((a, b) => (a.name < b.name ? -1 : 1));
  return [...managed, ...resolved.vllm.env.map(toEnvVar)];
}

function secretEnv(name: string, ref: { name: string; key: string } | undefined): V1EnvVar[] {
  return ref === undefined ? [] : [{ name, valueFrom: { secretKeyRef: { ...ref } } }];
}

function toEnvVar(variable: EnvVar): V1EnvVar {
  return structuredClone(variable);
}

/** GPU requests equal limits: extended resources allow nothing else. */
function renderResources(resolved: ResolvedSpec): V1ResourceRequirements {
  const gpus = { [resolved.gpu.resourceName]: String(resolved.gpu.count) };
  return {
    requests: sortKeys({ ...definedAmounts(resolved.resources.requests), ...gpus }),
    limits: sortKeys({ ...definedAmounts(resolved.resources.limits), ...gpus }),
  };
}

function definedAmounts(amounts: ResolvedAmounts): Record<string, string> {
  const entries = Object.entries(amounts).filter(([, value]) => value !== undefined);
  return Object.fromEntries(entries) as Record<string, string>;
}

/**
 * No privilege escalation, no capabilities, the runtime's seccomp profile. The root file
 * system stays writable: vLLM, Triton and torch.compile write caches under the home directory.
 * The vLLM images run as root, so non-root is opt-in through `spec.runAsUser`.
 */
function renderContainerSecurity(runAsUser: number | undefined): V1SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
    ...(runAsUser !== undefined && { runAsNonRoot: true, runAsUser }),
  };
}
