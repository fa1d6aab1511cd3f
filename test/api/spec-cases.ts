/**
 * Specs that must be refused, shared by the unit tests and the tests against a real API
 * server: what the schema refuses (and so `kubectl apply` too), and what only the operator's
 * checks find.
 */

/** A spec, and the field and reason of the first problem it must produce. */
export interface SpecCase {
  name: string;
  spec: Record<string, unknown>;
  field: string;
  reason: string;
}

/** Specs the schema and its CEL rules refuse. */
export const SCHEMA_INVALID_SPECS: readonly SpecCase[] = [
  {
    name: 'an unknown GPU profile',
    spec: { gpu: { profile: 'a100x8' } },
    field: 'spec.gpu.profile',
    reason: 'FieldValueNotSupported',
  },
  {
    name: 'zero GPUs per replica',
    spec: { gpu: { count: 0 } },
    field: 'spec.gpu.count',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'a GPU count written as a word',
    spec: { gpu: { count: 'four' } },
    field: 'spec.gpu.count',
    reason: 'FieldValueTypeInvalid',
  },
  {
    name: 'a tensor size that does not match the GPU count',
    spec: { gpu: { count: 4 }, parallelism: { tensor: 2 } },
    field: 'spec.parallelism.tensor',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'a GPU count that does not split into the pipeline stages',
    spec: { gpu: { count: 6 }, parallelism: { pipeline: 4 } },
    field: 'spec.gpu.count',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'an autoscaling minimum above the maximum',
    spec: { autoscaling: { minReplicas: 3, maxReplicas: 2 } },
    field: 'spec.autoscaling.minReplicas',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'autoscaling without a maximum',
    spec: { autoscaling: { minReplicas: 1 } },
    field: 'spec.autoscaling.maxReplicas',
    reason: 'FieldValueRequired',
  },
  {
    name: 'replicas above the autoscaling maximum',
    spec: { replicas: 10, autoscaling: { maxReplicas: 4 } },
    field: 'spec.replicas',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'a negative replica count',
    spec: { replicas: -1 },
    field: 'spec.replicas',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'an image reference together with a tag',
    spec: { image: { reference: 'registry.example/vllm:1', tag: '2' } },
    field: 'spec.image',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'an unknown pull policy',
    spec: { image: { pullPolicy: 'Sometimes' } },
    field: 'spec.image.pullPolicy',
    reason: 'FieldValueNotSupported',
  },
  {
    name: 'a cache with both an existing claim and a new one',
    spec: { cache: { existingClaim: 'models', volumeClaim: { size: '300Gi' } } },
    field: 'spec.cache',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'a cache claim size in gigabytes spelled GB',
    spec: { cache: { volumeClaim: { size: '300GB' } } },
    field: 'spec.cache.volumeClaim.size',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'a cache claim without a size',
    spec: { cache: { volumeClaim: { storageClassName: 'fast' } } },
    field: 'spec.cache.volumeClaim.size',
    reason: 'FieldValueRequired',
  },
  {
    name: 'a Hugging Face token reference without a key',
    spec: { huggingFaceToken: { name: 'hf-token' } },
    field: 'spec.huggingFaceToken.key',
    reason: 'FieldValueRequired',
  },
  {
    name: 'no tool-call parser while automatic tool choice stays on',
    spec: { vllm: { toolCallParser: 'none' } },
    field: 'spec.vllm.toolCallParser',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'a GPU memory fraction above one',
    spec: { vllm: { gpuMemoryUtilization: 1.5 } },
    field: 'spec.vllm.gpuMemoryUtilization',
    reason: 'FieldValueInvalid',
  },
  {
    // A whole-number 0 slipped past the API server's `minimum: 0.05`; a CEL rule catches it.
    name: 'a GPU memory fraction of zero',
    spec: { vllm: { gpuMemoryUtilization: 0 } },
    field: 'spec.vllm.gpuMemoryUtilization',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'an attention backend with a space in it',
    spec: { vllm: { attentionBackend: 'flash attn' } },
    field: 'spec.vllm.attentionBackend',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'a model id that is not a Hugging Face id',
    spec: { model: { name: 'not a model id!' } },
    field: 'spec.model.name',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'a zero context length',
    spec: { model: { maxModelLen: 0 } },
    field: 'spec.model.maxModelLen',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'a Service port above 65535',
    spec: { service: { port: 70000 } },
    field: 'spec.service.port',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'an ExternalName Service',
    spec: { service: { type: 'ExternalName' } },
    field: 'spec.service.type',
    reason: 'FieldValueNotSupported',
  },
  {
    name: 'a toleration with operator Exists and a value',
    spec: { tolerations: [{ key: 'dedicated', operator: 'Exists', value: 'llm' }] },
    field: 'spec.tolerations[0]',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'an environment variable with both a value and a source',
    spec: {
      vllm: {
        env: [{ name: 'X', value: 'a', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
      },
    },
    field: 'spec.vllm.env[0]',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'a startup patience shorter than a minute',
    spec: { startupTimeoutSeconds: 30 },
    field: 'spec.startupTimeoutSeconds',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'a shared memory size with a space before the unit',
    spec: { sharedMemorySize: '16 Gi' },
    field: 'spec.sharedMemorySize',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'a negative memory limit',
    spec: { resources: { limits: { memory: '-1Gi' } } },
    field: 'spec.resources.limits.memory',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'a node selector value that is a number',
    spec: { nodeSelector: { zone: 1 } },
    field: 'spec.nodeSelector.zone',
    reason: 'FieldValueTypeInvalid',
  },
  {
    name: 'running as the root user id',
    spec: { runAsUser: 0 },
    field: 'spec.runAsUser',
    reason: 'FieldValueInvalid',
  },
];

/** Specs the schema accepts and the operator's checks refuse. */
export const CHECK_INVALID_SPECS: readonly SpecCase[] = [
  {
    name: 'extra arguments that set the tensor size the operator manages',
    spec: { vllm: { extraArgs: ['--tensor-parallel-size', '2'] } },
    field: 'spec.vllm.extraArgs[0]',
    reason: 'ManagedFlagInExtraArgs',
  },
  {
    name: 'extra arguments that set the context length in the underscore spelling',
    spec: { vllm: { extraArgs: ['--max_model_len=1024'] } },
    field: 'spec.vllm.extraArgs[0]',
    reason: 'ManagedFlagInExtraArgs',
  },
  {
    name: 'an API key written into the extra arguments',
    spec: { vllm: { extraArgs: ['--enforce-eager', '--api-key', 'secret'] } },
    field: 'spec.vllm.extraArgs[1]',
    reason: 'ManagedFlagInExtraArgs',
  },
  {
    name: 'an environment variable the operator sets',
    spec: { vllm: { env: [{ name: 'HF_TOKEN', value: 'hf_x' }] } },
    field: 'spec.vllm.env[0].name',
    reason: 'ManagedEnvVar',
  },
  {
    name: 'a pipeline size that does not divide the profile GPU count',
    spec: { parallelism: { pipeline: 3 } },
    field: 'spec.parallelism.pipeline',
    reason: 'GpuCountNotDivisible',
  },
  {
    name: 'a context length beyond the model',
    spec: { model: { maxModelLen: 524288 } },
    field: 'spec.model.maxModelLen',
    reason: 'MaxModelLenExceedsModel',
  },
  {
    name: 'an MLA attention backend for a model without latent attention',
    spec: { model: { name: 'mistralai/Mistral-7B-Instruct-v0.3' }, gpu: { count: 1 } },
    field: 'spec.vllm.attentionBackend',
    reason: 'AttentionBackendMismatch',
  },
  {
    name: 'a node selector for a GPU other than the profile GPU',
    spec: { nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' } },
    field: 'spec.nodeSelector.nvidia.com/gpu.product',
    reason: 'NodeSelectorConflictsWithGpuProduct',
  },
  {
    name: 'a CPU request above the CPU limit',
    spec: { resources: { requests: { cpu: 16 }, limits: { cpu: '8000m' } } },
    field: 'spec.resources.requests.cpu',
    reason: 'RequestExceedsLimit',
  },
  {
    name: 'shared memory as large as the memory limit',
    spec: { sharedMemorySize: '64Gi', resources: { limits: { memory: '64Gi' } } },
    field: 'spec.sharedMemorySize',
    reason: 'SharedMemoryExceedsMemoryLimit',
  },
];
