/**
 * Checks that the schema cannot express: they need the GPU profile applied, knowledge of the
 * model, the flags and variables the operator manages, or arithmetic on quantities. Each
 * finds one kind of mistake that would otherwise surface as a pod that fails after a long
 * model load, or an owned object the API server refuses.
 */
import { GPU_PRODUCT_LABEL } from './defaults.js';
import { findKnownModel } from './gpu-profiles.js';
import type { Problem } from './problem.js';
import { parseQuantity } from './quantity.js';
import type { ResolvedSpec } from './resolve-spec.js';
import type { MistralDeploymentSpec } from './spec-schema.js';

/** The vLLM flags the operator sets, with the spec field that controls each. */
export const MANAGED_FLAGS: Readonly<Record<string, string>> = {
  '--model': 'spec.model.name',
  '--revision': 'spec.model.revision',
  '--served-model-name': 'spec.model.servedModelName',
  '--max-model-len': 'spec.model.maxModelLen',
  '--tensor-parallel-size': 'spec.parallelism.tensor',
  '-tp': 'spec.parallelism.tensor',
  '--pipeline-parallel-size': 'spec.parallelism.pipeline',
  '-pp': 'spec.parallelism.pipeline',
  '--attention-backend': 'spec.vllm.attentionBackend',
  '--reasoning-parser': 'spec.vllm.reasoningParser',
  '--enable-auto-tool-choice': 'spec.vllm.enableAutoToolChoice',
  '--tool-call-parser': 'spec.vllm.toolCallParser',
  '--gpu-memory-utilization': 'spec.vllm.gpuMemoryUtilization',
  '--host': 'the operator (0.0.0.0, so the Service reaches the pod)',
  '--port': 'the operator (8000; spec.service.port sets the Service port)',
  '--api-key': 'spec.apiKey (a Secret, so the key stays out of the pod spec)',
};

/** The environment variables the operator sets, with the spec field that controls each. */
export const MANAGED_ENV: Readonly<Record<string, string>> = {
  HF_TOKEN: 'spec.huggingFaceToken',
  HF_HOME: 'spec.cache',
  VLLM_API_KEY: 'spec.apiKey',
};

type Check = (spec: MistralDeploymentSpec, resolved: ResolvedSpec) => Problem[];

const CHECKS: readonly Check[] = [
  checkManagedFlags,
  checkManagedEnv,
  checkGpuDivision,
  checkMaxModelLen,
  checkAttentionBackend,
  checkNodeSelector,
  checkRequestsWithinLimits,
  checkSharedMemory,
];

/** Problems in a spec that passed the schema, found on the spec and its resolution. */
export function checkSpec(spec: MistralDeploymentSpec, resolved: ResolvedSpec): Problem[] {
  return CHECKS.flatMap((check) => check(spec, resolved));
}

function checkManagedFlags(spec: MistralDeploymentSpec): Problem[] {
  const args = spec.vllm?.extraArgs ?? [];
  return args.flatMap((arg, i) => {
    const owner = MANAGED_FLAGS[normalizeFlag(arg)];
    if (owner === undefined) return [];
    return [
      {
        field: `spec.vllm.extraArgs[${i}]`,
        reason: 'ManagedFlagInExtraArgs',
        message: `${arg} is set by ${owner}; remove it from extraArgs and use that instead`,
      },
    ];
  });
}

/** `--max_model_len=4096` becomes `--max-model-len`: vLLM reads both spellings alike. */
function normalizeFlag(arg: string): string {
  const flag = arg.split('=', 1)[0] ?? arg;
  return flag.startsWith('--') ? `--${flag.slice(2).replaceAll('_', '-')}` : flag;
}

function checkManagedEnv(spec: MistralDeploymentSpec): Problem[] {
  const env = spec.vllm?.env ?? [];
  return env.flatMap((variable, i) => {
    const owner = MANAGED_ENV[variable.name];
    if (owner === undefined) return [];
    return [
      {
        field: `spec.vllm.env[${i}].name`,
        reason: 'ManagedEnvVar',
        message: `${variable.name} is set by the operator from ${owner}; use that field instead`,
      },
    ];
  });
}

function checkGpuDivision(spec: MistralDeploymentSpec, resolved: ResolvedSpec): Problem[] {
  const { count } = resolved.gpu;
  const { tensor, pipeline } = resolved.parallelism;
  if (tensor * pipeline === count) return [];
  const source = spec.gpu?.count === undefined ? ` (from profile ${resolved.profile})` : '';
  return [
    {
      field: 'spec.parallelism.pipeline',
      reason: 'GpuCountNotDivisible',
      message:
        `gpu.count ${count}${source} does not split into ${pipeline} pipeline stages; ` +
        'set gpu.count to a multiple of parallelism.pipeline, or set parallelism.tensor',
    },
  ];
}

function checkMaxModelLen(_spec: MistralDeploymentSpec, resolved: ResolvedSpec): Problem[] {
  const known = findKnownModel(resolved.model.name);
  const requested = resolved.model.maxModelLen;
  if (known === undefined || requested === undefined || requested <= known.maxModelLen) return [];
  return [
    {
      field: 'spec.model.maxModelLen',
      reason: 'MaxModelLenExceedsModel',
      message:
        `${requested} tokens exceeds the ${known.maxModelLen}-token context of ` +
        `${resolved.model.name}; vLLM refuses to start. Set it to ${known.maxModelLen} or less`,
    },
  ];
}

function checkAttentionBackend(_spec: MistralDeploymentSpec, resolved: ResolvedSpec): Problem[] {
  const known = findKnownModel(resolved.model.name);
  const backend = resolved.vllm.attentionBackend;
  if (known === undefined || backend === undefined) return [];
  if (backend.includes('MLA') === known.latentAttention) return [];
  const kind = known.latentAttention ? 'uses' : 'does not use';
  const fix = known.latentAttention ? 'an MLA backend' : '`auto` or a backend without MLA';
  return [
    {
      field: 'spec.vllm.attentionBackend',
      reason: 'AttentionBackendMismatch',
      message: `${resolved.model.name} ${kind} multi-head latent attention, so ${backend} cannot serve it; set ${fix}`,
    },
  ];
}

function checkNodeSelector(_spec: MistralDeploymentSpec, resolved: ResolvedSpec): Problem[] {
  const selected = resolved.nodeSelector[GPU_PRODUCT_LABEL];
  const product = resolved.gpu.product;
  if (selected === undefined || product === '' || selected === product) return [];
  return [
    {
      field: `spec.nodeSelector.${GPU_PRODUCT_LABEL}`,
      reason: 'NodeSelectorConflictsWithGpuProduct',
      message:
        `selects ${selected} but gpu.product is ${product}, so no node can match; ` +
        'set the GPU product in gpu.product only',
    },
  ];
}

function checkRequestsWithinLimits(
  _spec: MistralDeploymentSpec,
  resolved: ResolvedSpec,
): Problem[] {
  const { requests, limits } = resolved.resources;
  return (['cpu', 'memory'] as const).flatMap((resource) => {
    const order = compareQuantities(requests[resource], limits[resource]);
    if (order === undefined || order <= 0) return [];
    return [
      {
        field: `spec.resources.requests.${resource}`,
        reason: 'RequestExceedsLimit',
        message:
          `request ${requests[resource]} is above the limit ${limits[resource]}; ` +
          'Kubernetes refuses such a pod. Lower the request or raise the limit',
      },
    ];
  });
}

function checkSharedMemory(_spec: MistralDeploymentSpec, resolved: ResolvedSpec): Problem[] {
  const limit = resolved.resources.limits.memory;
  const order = compareQuantities(resolved.sharedMemorySize, limit);
  if (order === undefined || order < 0) return [];
  return [
    {
      field: 'spec.sharedMemorySize',
      reason: 'SharedMemoryExceedsMemoryLimit',
      message:
        `${resolved.sharedMemorySize} of /dev/shm counts against the memory limit ` +
        `${limit}, leaving vLLM no memory; raise resources.limits.memory or lower sharedMemorySize`,
    },
  ];
}

/** Negative, zero or positive as `a` is below, at or above `b`; undefined if either is unset. */
function compareQuantities(a: string | undefined, b: string | undefined): number | undefined {
  const [x, y] = [a === undefined ? a : parseQuantity(a), b === undefined ? b : parseQuantity(b)];
  return x === undefined || y === undefined ? undefined : x - y;
}
