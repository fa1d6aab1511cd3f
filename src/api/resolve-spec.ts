/**
 * Resolution of a spec into the settings the renderers need: the GPU profile and the
 * defaults applied, every optional choice decided. Pure: the same spec always resolves to the
 * same settings, and the spec itself is never changed.
 */
import type { V1Affinity } from '@kubernetes/client-node';
import {
  DEFAULT_CACHE_ACCESS_MODE,
  DEFAULT_GPU_RESOURCE,
  DEFAULT_IMAGE_REPOSITORY,
  DEFAULT_IMAGE_TAG,
  DEFAULT_MIN_REPLICAS,
  DEFAULT_PIPELINE_PARALLEL,
  DEFAULT_PORT,
  DEFAULT_REASONING_PARSER,
  DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS,
  DEFAULT_SCALE_UP_STABILIZATION_SECONDS,
  DEFAULT_SCALING_TOLERANCE,
  DEFAULT_SERVICE_TYPE,
  DEFAULT_SHARED_MEMORY_SIZE,
  DEFAULT_STARTUP_TIMEOUT_SECONDS,
  DEFAULT_TARGET_QUEUE_DEPTH,
  DEFAULT_TOOL_CALL_PARSER,
} from './defaults.js';
import {
  DEFAULT_GPU_PROFILE,
  GPU_PROFILES,
  findKnownModel,
  type GpuProfile,
  type GpuProfileName,
} from './gpu-profiles.js';
import type {
  AutoscalingSpec,
  CacheSpec,
  EnvVar,
  MistralDeploymentSpec,
  ResourceAmounts,
  SecretKeyRef,
  Toleration,
} from './spec-schema.js';

/** Value of a string option that turns the matching vLLM flag off. */
export const OPTION_OFF = 'none';

/** Value of `vllm.attentionBackend` that leaves the choice to vLLM. */
export const BACKEND_AUTO = 'auto';

/** The model settings after resolution. */
export interface ResolvedModel {
  name: string;
  revision?: string;
  servedModelName: string;
  /** Undefined for a model the operator does not know and the spec does not limit. */
  maxModelLen?: number;
}

/** The vLLM options after resolution; an undefined flag is left off the command line. */
export interface ResolvedVllm {
  attentionBackend?: string;
  reasoningParser?: string;
  enableAutoToolChoice: boolean;
  toolCallParser?: string;
  gpuMemoryUtilization?: number;
  extraArgs: string[];
  env: EnvVar[];
}

/** The autoscaler's settings after resolution. */
export interface ResolvedAutoscaling {
  minReplicas: number;
  maxReplicas: number;
  targetQueueDepth: number;
  tolerance: number;
  scaleUpStabilizationSeconds: number;
  scaleDownStabilizationSeconds: number;
}

/** Where the model cache lives after resolution. */
export type ResolvedCache =
  | { kind: 'emptyDir' }
  | { kind: 'existingClaim'; claimName: string }
  | { kind: 'volumeClaim'; size: string; storageClassName?: string; accessMode: string };

/** CPU and memory amounts as quantity strings. */
export interface ResolvedAmounts {
  cpu?: string;
  memory?: string;
}

/** Every setting the renderers need, with the profile and defaults applied. */
export interface ResolvedSpec {
  profile: GpuProfileName;
  model: ResolvedModel;
  image: { reference: string; pullPolicy?: string; pullSecrets: string[] };
  gpu: { count: number; resourceName: string; product: string };
  parallelism: { tensor: number; pipeline: number };
  vllm: ResolvedVllm;
  /** Replicas the spec asks for; the controller may run another count the autoscaler chose. */
  replicas: number;
  autoscaling?: ResolvedAutoscaling;
  cache: ResolvedCache;
  huggingFaceToken?: SecretKeyRef;
  apiKey?: SecretKeyRef;
  resources: { requests: ResolvedAmounts; limits: ResolvedAmounts };
  sharedMemorySize: string;
  service: { type: string; port: number; annotations: Record<string, string> };
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  affinity?: V1Affinity;
  priorityClassName?: string;
  startupTimeoutSeconds: number;
  runAsUser?: number;
}

/** Applies the GPU profile and the defaults to `spec`. */
export function resolveSpec(spec: MistralDeploymentSpec = {}): ResolvedSpec {
  const profileName = spec.gpu?.profile ?? DEFAULT_GPU_PROFILE;
  const profile = GPU_PROFILES[profileName];
  return {
    profile: profileName,
    model: resolveModel(spec, profile),
    image: resolveImage(spec),
    gpu: resolveGpu(spec, profile),
    parallelism: resolveParallelism(spec, profile),
    vllm: resolveVllm(spec, profile),
    replicas: spec.replicas ?? spec.autoscaling?.minReplicas ?? DEFAULT_MIN_REPLICAS,
    autoscaling: spec.autoscaling && resolveAutoscaling(spec.autoscaling),
    cache: resolveCache(spec.cache),
    huggingFaceToken: spec.huggingFaceToken,
    apiKey: spec.apiKey,
    resources: resolveResources(spec),
    sharedMemorySize: String(spec.sharedMemorySize ?? DEFAULT_SHARED_MEMORY_SIZE),
    service: resolveService(spec),
    nodeSelector: spec.nodeSelector ?? {},
    tolerations: spec.tolerations ?? [],
    affinity: spec.affinity,
    priorityClassName: spec.priorityClassName,
    startupTimeoutSeconds: spec.startupTimeoutSeconds ?? DEFAULT_STARTUP_TIMEOUT_SECONDS,
    runAsUser: spec.runAsUser,
  };
}

function resolveModel(spec: MistralDeploymentSpec, profile: GpuProfile): ResolvedModel {
  const name = spec.model?.name ?? profile.model;
  return {
    name,
    revision: spec.model?.revision,
    servedModelName: spec.model?.servedModelName ?? name,
    maxModelLen: spec.model?.maxModelLen ?? findKnownModel(name)?.maxModelLen,
  };
}

function resolveImage(spec: MistralDeploymentSpec): ResolvedSpec['image'] {
  const image = spec.image ?? {};
  const repository = image.repository ?? DEFAULT_IMAGE_REPOSITORY;
  return {
    reference: image.reference ?? `${repository}:${image.tag ?? DEFAULT_IMAGE_TAG}`,
    pullPolicy: image.pullPolicy,
    pullSecrets: image.pullSecrets ?? [],
  };
}

function resolveGpu(spec: MistralDeploymentSpec, profile: GpuProfile): ResolvedSpec['gpu'] {
  return {
    count: resolveGpuCount(spec, profile),
    resourceName: spec.gpu?.resourceName ?? DEFAULT_GPU_RESOURCE,
    product: spec.gpu?.product ?? profile.gpuProduct,
  };
}

/**
 * An explicit count wins; a tensor size without a count means "this many GPUs per stage";
 * otherwise the profile decides. Deriving the count from the tensor size lets a spec change
 * one of the two without repeating the other.
 */
function resolveGpuCount(spec: MistralDeploymentSpec, profile: GpuProfile): number {
  const tensor = spec.parallelism?.tensor;
  const pipeline = spec.parallelism?.pipeline ?? DEFAULT_PIPELINE_PARALLEL;
  return spec.gpu?.count ?? (tensor === undefined ? profile.gpuCount : tensor * pipeline);
}

/**
 * Without an explicit tensor size the GPUs are shared out over the pipeline stages. A count
 * that does not divide evenly rounds down here and is reported by the spec checks.
 */
function resolveParallelism(
  spec: MistralDeploymentSpec,
  profile: GpuProfile,
): ResolvedSpec['parallelism'] {
  const pipeline = spec.parallelism?.pipeline ?? DEFAULT_PIPELINE_PARALLEL;
  const perStage = Math.max(1, Math.floor(resolveGpuCount(spec, profile) / pipeline));
  return { tensor: spec.parallelism?.tensor ?? perStage, pipeline };
}

function resolveVllm(spec: MistralDeploymentSpec, profile: GpuProfile): ResolvedVllm {
  const vllm = spec.vllm ?? {};
  const backend = vllm.attentionBackend ?? profile.attentionBackend;
  return {
    attentionBackend: backend === BACKEND_AUTO ? undefined : backend,
    reasoningParser: optionOrOff(vllm.reasoningParser ?? DEFAULT_REASONING_PARSER),
    enableAutoToolChoice: vllm.enableAutoToolChoice ?? true,
    toolCallParser: optionOrOff(vllm.toolCallParser ?? DEFAULT_TOOL_CALL_PARSER),
    gpuMemoryUtilization: vllm.gpuMemoryUtilization,
    extraArgs: vllm.extraArgs ?? [],
    env: vllm.env ?? [],
  };
}

function optionOrOff(value: string): string | undefined {
  return value === OPTION_OFF ? undefined : value;
}

function resolveAutoscaling(autoscaling: AutoscalingSpec): ResolvedAutoscaling {
  return {
    minReplicas: autoscaling.minReplicas ?? DEFAULT_MIN_REPLICAS,
    maxReplicas: autoscaling.maxReplicas,
    targetQueueDepth: autoscaling.targetQueueDepth ?? DEFAULT_TARGET_QUEUE_DEPTH,
    tolerance: autoscaling.tolerance ?? DEFAULT_SCALING_TOLERANCE,
    scaleUpStabilizationSeconds:
      autoscaling.scaleUpStabilizationSeconds ?? DEFAULT_SCALE_UP_STABILIZATION_SECONDS,
    scaleDownStabilizationSeconds:
      autoscaling.scaleDownStabilizationSeconds ?? DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS,
  };
}

function resolveCache(cache: CacheSpec | undefined): ResolvedCache {
  if (cache?.existingClaim !== undefined) {
    return { kind: 'existingClaim', claimName: cache.existingClaim };
  }
  if (cache?.volumeClaim !== undefined) {
    const claim = cache.volumeClaim;
    return {
      kind: 'volumeClaim',
      size: String(claim.size),
      storageClassName: claim.storageClassName,
      accessMode: claim.accessMode ?? DEFAULT_CACHE_ACCESS_MODE,
    };
  }
  return { kind: 'emptyDir' };
}

function resolveResources(spec: MistralDeploymentSpec): ResolvedSpec['resources'] {
  return {
    requests: resolveAmounts(spec.resources?.requests),
    limits: resolveAmounts(spec.resources?.limits),
  };
}

function resolveAmounts(amounts: ResourceAmounts | undefined): ResolvedAmounts {
  return {
    cpu: amounts?.cpu === undefined ? undefined : String(amounts.cpu),
    memory: amounts?.memory === undefined ? undefined : String(amounts.memory),
  };
}

function resolveService(spec: MistralDeploymentSpec): ResolvedSpec['service'] {
  return {
    type: spec.service?.type ?? DEFAULT_SERVICE_TYPE,
    port: spec.service?.port ?? DEFAULT_PORT,
    annotations: spec.service?.annotations ?? {},
  };
}
