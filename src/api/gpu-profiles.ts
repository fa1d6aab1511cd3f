/**
 * Named GPU profiles and the models the operator knows. A profile sets several fields at once
 * so that a one-line choice yields a working replica; every field it sets stays overridable.
 */

/** Names of the GPU profiles, in the order `kubectl explain` lists them. */
export const GPU_PROFILE_NAMES = ['h100x4', 'h200x2', 'b200x2', 'b200x1-nvfp4'] as const;

/** The name of one GPU profile. */
export type GpuProfileName = (typeof GPU_PROFILE_NAMES)[number];

/** What a profile decides for each replica. */
export interface GpuProfile {
  /** GPUs per replica. */
  gpuCount: number;
  /** Tensor-parallel size; equal to `gpuCount` because no profile uses pipeline parallelism. */
  tensorParallel: number;
  /** Hugging Face id of the checkpoint that fits these GPUs. */
  model: string;
  /** vLLM attention backend for that checkpoint on these GPUs. */
  attentionBackend: string;
  /** Value of the node label `nvidia.com/gpu.product` set by GPU feature discovery. */
  gpuProduct: string;
}

/** The profile used when the spec names none: the reference command of the design. */
export const DEFAULT_GPU_PROFILE: GpuProfileName = 'h100x4';

const FP8_CHECKPOINT = 'mistralai/Mistral-Small-4-119B-2603';
const NVFP4_CHECKPOINT = 'mistralai/Mistral-Small-4-119B-2603-NVFP4';

/**
 * The profiles. The FP8 checkpoint (about 119 GB of weights) needs 4x H100 80GB to leave room
 * for a 256K-token KV cache, or 2x of the larger H200 and B200. The NVFP4 checkpoint fits one
 * B200 and runs with the Triton MLA kernels.
 *
 * Limitation: the model's publisher serves NVFP4 on one B200 "with reduced context" without
 * naming a length, so `b200x1-nvfp4` keeps the model's full context; lower `model.maxModelLen`
 * if vLLM reports that the KV cache does not fit.
 */
export const GPU_PROFILES: Readonly<Record<GpuProfileName, GpuProfile>> = {
  h100x4: {
    gpuCount: 4,
    tensorParallel: 4,
    model: FP8_CHECKPOINT,
    attentionBackend: 'FLASH_ATTN_MLA',
    gpuProduct: 'NVIDIA-H100-80GB-HBM3',
  },
  h200x2: {
    gpuCount: 2,
    tensorParallel: 2,
    model: FP8_CHECKPOINT,
    attentionBackend: 'FLASH_ATTN_MLA',
    gpuProduct: 'NVIDIA-H200',
  },
  b200x2: {
    gpuCount: 2,
    tensorParallel: 2,
    model: FP8_CHECKPOINT,
    attentionBackend: 'FLASH_ATTN_MLA',
    gpuProduct: 'NVIDIA-B200',
  },
  'b200x1-nvfp4': {
    gpuCount: 1,
    tensorParallel: 1,
    model: NVFP4_CHECKPOINT,
    attentionBackend: 'TRITON_MLA',
    gpuProduct: 'NVIDIA-B200',
  },
};

/** Facts about a model that let the operator catch a spec vLLM would fail on at startup. */
export interface KnownModel {
  /** Longest context the model supports, in tokens. */
  maxModelLen: number;
  /** Whether the model uses multi-head latent attention, which the `*_MLA` backends need. */
  latentAttention: boolean;
}

/** Models whose limits the operator checks; any other Hugging Face id is taken on trust. */
export const KNOWN_MODELS: Readonly<Record<string, KnownModel>> = {
  [FP8_CHECKPOINT]: { maxModelLen: 262144, latentAttention: true },
  [NVFP4_CHECKPOINT]: { maxModelLen: 262144, latentAttention: true },
  'mistralai/Mistral-7B-Instruct-v0.3': { maxModelLen: 32768, latentAttention: false },
};

/** Facts about `model`, or undefined when the operator does not know it. */
export function findKnownModel(model: string): KnownModel | undefined {
  return Object.hasOwn(KNOWN_MODELS, model) ? KNOWN_MODELS[model] : undefined;
}
