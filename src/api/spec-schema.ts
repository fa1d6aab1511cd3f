/**
 * The schema of `MistralDeployment.spec`: the single source of the CRD's openAPIV3Schema, the
 * TypeScript types (`Static<>`) and the ajv validator.
 *
 * Every property carries its documentation twice, as TSDoc for editors and as `description`
 * for `kubectl explain`; test/api/schema-docs.test.ts fails when the two texts differ.
 * No property has a schema `default`: the operator resolves defaults (see defaults.ts for why).
 * Objects are closed (`additionalProperties: false`) so a typo fails validation here; the CRD
 * generator drops that keyword, which structural schemas forbid, and the API server prunes
 * unknown fields instead.
 */
import { Type, type Static } from '@sinclair/typebox';
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
  GPU_PRODUCT_LABEL,
} from './defaults.js';
import { DEFAULT_GPU_PROFILE, GPU_PROFILE_NAMES } from './gpu-profiles.js';
import {
  DNS_SUBDOMAIN_PATTERN,
  LABEL_VALUE_PATTERN,
  OpaqueObject,
  Quantity,
  StringEnum,
  StringMap,
  described,
  type CelRule,
} from './schema-types.js';

const closed = { additionalProperties: false } as const;

/** A Secret name and a key within it. */
export const SecretKeyRef = Type.Object(
  {
    /** Name of the Secret, in the namespace of the MistralDeployment. */
    name: Type.String({
      description: 'Name of the Secret, in the namespace of the MistralDeployment.',
      pattern: DNS_SUBDOMAIN_PATTERN,
      maxLength: 253,
    }),
    /** Key within the Secret. */
    key: Type.String({
      description: 'Key within the Secret.',
      pattern: '^[-._a-zA-Z0-9]+$',
      maxLength: 253,
    }),
  },
  { ...closed, description: 'A key of a Secret.' },
);

/** A ConfigMap name and a key within it. */
export const ConfigMapKeyRef = Type.Object(
  {
    /** Name of the ConfigMap, in the namespace of the MistralDeployment. */
    name: Type.String({
      description: 'Name of the ConfigMap, in the namespace of the MistralDeployment.',
      pattern: DNS_SUBDOMAIN_PATTERN,
      maxLength: 253,
    }),
    /** Key within the ConfigMap. */
    key: Type.String({
      description: 'Key within the ConfigMap.',
      pattern: '^[-._a-zA-Z0-9]+$',
      maxLength: 253,
    }),
  },
  { ...closed, description: 'A key of a ConfigMap.' },
);

/** The model vLLM serves and the name clients use for it. */
export const ModelSpec = Type.Object(
  {
    /**
     * Hugging Face model id. Defaults to the checkpoint of the GPU profile:
     * `mistralai/Mistral-Small-4-119B-2603`, or its `-NVFP4` variant for `b200x1-nvfp4`.
     * @default the profile's checkpoint
     */
    name: Type.Optional(
      Type.String({
        description:
          'Hugging Face model id. Defaults to the checkpoint of the GPU profile: ' +
          '`mistralai/Mistral-Small-4-119B-2603`, or its `-NVFP4` variant for `b200x1-nvfp4`.',
        pattern: '^[A-Za-z0-9][-A-Za-z0-9._]*(/[A-Za-z0-9][-A-Za-z0-9._]*)?$',
        maxLength: 200,
      }),
    ),
    /**
     * Branch, tag or commit of the model repository. Defaults to the repository's default
     * branch.
     * @default the default branch
     */
    revision: Type.Optional(
      Type.String({
        description:
          "Branch, tag or commit of the model repository. Defaults to the repository's default " +
          'branch.',
        pattern: '^[A-Za-z0-9][-A-Za-z0-9._/]*$',
        maxLength: 200,
      }),
    ),
    /**
     * Model name clients send in the `model` field of OpenAI API requests. Defaults to the
     * model id.
     * @default `model.name`
     */
    servedModelName: Type.Optional(
      Type.String({
        description:
          'Model name clients send in the `model` field of OpenAI API requests. Defaults to the ' +
          'model id.',
        pattern: '^\\S+$',
        maxLength: 200,
      }),
    ),
    /**
     * Longest context, prompt and output together, in tokens. Defaults to the full context of
     * a model the operator knows (262144 for Mistral Small 4); for another model vLLM derives
     * it from the model's configuration.
     * @default the model's full context
     */
    maxModelLen: Type.Optional(
      Type.Integer({
        description:
          'Longest context, prompt and output together, in tokens. Defaults to the full context ' +
          'of a model the operator knows (262144 for Mistral Small 4); for another model vLLM ' +
          "derives it from the model's configuration.",
        minimum: 1,
        maximum: 16777216,
      }),
    ),
  },
  { ...closed, description: 'The model vLLM serves and the name clients use for it.' },
);

/** The container image of the vLLM server. */
export const ImageSpec = Type.Object(
  {
    /**
     * Image repository. Defaults to `mistralllm/vllm-ms4`, the publisher's vLLM build with the
     * Mistral parser fixes.
     * @default `mistralllm/vllm-ms4`
     */
    repository: Type.Optional(
      Type.String({
        description:
          `Image repository. Defaults to \`${DEFAULT_IMAGE_REPOSITORY}\`, the publisher's vLLM ` +
          'build with the Mistral parser fixes.',
        pattern: '^[a-z0-9]([-a-z0-9._/:]*[a-z0-9])?$',
        maxLength: 255,
      }),
    ),
    /**
     * Image tag; it must carry vLLM 0.20.0 or newer for this model's parsers. Defaults to
     * `v0.20.0`.
     * @default `v0.20.0`
     */
    tag: Type.Optional(
      Type.String({
        description:
          "Image tag; it must carry vLLM 0.20.0 or newer for this model's parsers. Defaults to " +
          `\`${DEFAULT_IMAGE_TAG}\`.`,
        pattern: '^[A-Za-z0-9_][-A-Za-z0-9_.]*$',
        maxLength: 128,
      }),
    ),
    /**
     * Whole image reference, such as `registry.example.com/vllm@sha256:...`, in place of
     * `repository` and `tag`.
     */
    reference: Type.Optional(
      Type.String({
        description:
          'Whole image reference, such as `registry.example.com/vllm@sha256:...`, in place of ' +
          '`repository` and `tag`.',
        pattern: '^[a-z0-9][-A-Za-z0-9._/:@]*$',
        maxLength: 512,
      }),
    ),
    /**
     * When the kubelet pulls the image. Defaults to the Kubernetes rule: `Always` for the
     * `latest` tag, `IfNotPresent` otherwise.
     * @default the Kubernetes rule
     */
    pullPolicy: Type.Optional(
      StringEnum(['Always', 'IfNotPresent', 'Never'], {
        description:
          'When the kubelet pulls the image. Defaults to the Kubernetes rule: `Always` for the ' +
          '`latest` tag, `IfNotPresent` otherwise.',
      }),
    ),
    /** Names of Secrets in this namespace with credentials for a private registry. */
    pullSecrets: Type.Optional(
      Type.Array(Type.String({ pattern: DNS_SUBDOMAIN_PATTERN, maxLength: 253 }), {
        description: 'Names of Secrets in this namespace with credentials for a private registry.',
        maxItems: 16,
        'x-kubernetes-list-type': 'set',
      }),
    ),
  },
  {
    ...closed,
    description: 'The container image of the vLLM server.',
    'x-kubernetes-validations': [
      {
        rule: '!has(self.reference) || (!has(self.repository) && !has(self.tag))',
        message: 'image.reference replaces image.repository and image.tag: set one form only',
      },
    ] satisfies CelRule[],
  },
);

/** The GPUs of each replica and the nodes that have them. */
export const GpuSpec = Type.Object(
  {
    /**
     * Named GPU setup that chooses GPUs per replica, tensor parallelism, checkpoint, attention
     * backend and GPU product together; each of those set in the spec overrides the profile.
     * Defaults to `h100x4`.
     * @default `h100x4`
     */
    profile: Type.Optional(
      StringEnum(GPU_PROFILE_NAMES, {
        description:
          'Named GPU setup that chooses GPUs per replica, tensor parallelism, checkpoint, ' +
          'attention backend and GPU product together; each of those set in the spec overrides ' +
          `the profile. Defaults to \`${DEFAULT_GPU_PROFILE}\`.`,
      }),
    ),
    /**
     * GPUs per replica. Defaults to `parallelism.tensor` × `parallelism.pipeline` when tensor
     * is set, otherwise to the profile's count (4 for `h100x4`).
     * @default the profile's count
     */
    count: Type.Optional(
      Type.Integer({
        description:
          'GPUs per replica. Defaults to `parallelism.tensor` × `parallelism.pipeline` when ' +
          "tensor is set, otherwise to the profile's count (4 for `h100x4`).",
        minimum: 1,
        maximum: 64,
      }),
    ),
    /**
     * Extended resource the GPUs are requested as. Defaults to `nvidia.com/gpu`.
     * @default `nvidia.com/gpu`
     */
    resourceName: Type.Optional(
      Type.String({
        description: `Extended resource the GPUs are requested as. Defaults to \`${DEFAULT_GPU_RESOURCE}\`.`,
        pattern:
          '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$',
        maxLength: 316,
      }),
    ),
    /**
     * Value the node label `nvidia.com/gpu.product` must have for a pod to land there; an
     * empty string allows any node with the GPU resource. Defaults to the profile's GPU
     * (`NVIDIA-H100-80GB-HBM3` for `h100x4`).
     * @default the profile's GPU
     */
    product: Type.Optional(
      Type.String({
        description:
          `Value the node label \`${GPU_PRODUCT_LABEL}\` must have for a pod to land there; an ` +
          "empty string allows any node with the GPU resource. Defaults to the profile's GPU " +
          '(`NVIDIA-H100-80GB-HBM3` for `h100x4`).',
        pattern: LABEL_VALUE_PATTERN,
        maxLength: 63,
      }),
    ),
  },
  { ...closed, description: 'The GPUs of each replica and the nodes that have them.' },
);

/** How one replica splits the model over its GPUs. */
export const ParallelismSpec = Type.Object(
  {
    /**
     * Tensor-parallel size: GPUs each layer is split across. Defaults to `gpu.count` divided
     * by the pipeline size.
     * @default `gpu.count` / `parallelism.pipeline`
     */
    tensor: Type.Optional(
      Type.Integer({
        description:
          'Tensor-parallel size: GPUs each layer is split across. Defaults to `gpu.count` ' +
          'divided by the pipeline size.',
        minimum: 1,
        maximum: 64,
      }),
    ),
    /**
     * Pipeline-parallel size: stages the layers are split into. Defaults to 1.
     * @default 1
     */
    pipeline: Type.Optional(
      Type.Integer({
        description: `Pipeline-parallel size: stages the layers are split into. Defaults to ${DEFAULT_PIPELINE_PARALLEL}.`,
        minimum: 1,
        maximum: 64,
      }),
    ),
  },
  { ...closed, description: 'How one replica splits the model over its GPUs.' },
);

/** Where the value of an environment variable comes from instead of `value`. */
export const EnvVarSource = Type.Object(
  {
    /** A key of a Secret. */
    secretKeyRef: Type.Optional(SecretKeyRef),
    /** A key of a ConfigMap. */
    configMapKeyRef: Type.Optional(ConfigMapKeyRef),
  },
  {
    ...closed,
    description: 'Where the value comes from instead of `value`.',
    'x-kubernetes-validations': [
      {
        rule: 'has(self.secretKeyRef) != has(self.configMapKeyRef)',
        message: 'valueFrom needs exactly one of secretKeyRef and configMapKeyRef',
      },
    ] satisfies CelRule[],
  },
);

/** An environment variable of the vLLM container. */
export const EnvVar = Type.Object(
  {
    /** Name of the variable. */
    name: Type.String({
      description: 'Name of the variable.',
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      maxLength: 256,
    }),
    /** Literal value. */
    value: Type.Optional(Type.String({ description: 'Literal value.', maxLength: 32768 })),
    /** Where the value comes from instead of `value`. */
    valueFrom: Type.Optional(EnvVarSource),
  },
  {
    ...closed,
    description: 'An environment variable of the vLLM container.',
    'x-kubernetes-validations': [
      {
        rule: '!has(self.value) || !has(self.valueFrom)',
        message: 'an environment variable takes value or valueFrom, not both',
      },
    ] satisfies CelRule[],
  },
);

/** Options of the vLLM server. */
export const VllmSpec = Type.Object(
  {
    /**
     * Attention backend (`--attention-backend`), or `auto` to let vLLM choose, as models
     * without latent attention need. Defaults to the profile's backend: `FLASH_ATTN_MLA`, or
     * `TRITON_MLA` for `b200x1-nvfp4`.
     * @default the profile's backend
     */
    attentionBackend: Type.Optional(
      Type.String({
        description:
          'Attention backend (`--attention-backend`), or `auto` to let vLLM choose, as models ' +
          "without latent attention need. Defaults to the profile's backend: `FLASH_ATTN_MLA`, " +
          'or `TRITON_MLA` for `b200x1-nvfp4`.',
        pattern: '^(auto|[A-Z][A-Z0-9_]*)$',
        maxLength: 64,
      }),
    ),
    /**
     * Parser that separates the model's reasoning from its answer (`--reasoning-parser`), or
     * `none`. Defaults to `mistral`.
     * @default `mistral`
     */
    reasoningParser: Type.Optional(
      Type.String({
        description:
          "Parser that separates the model's reasoning from its answer (`--reasoning-parser`), " +
          `or \`none\`. Defaults to \`${DEFAULT_REASONING_PARSER}\`.`,
        pattern: '^[a-z0-9][-a-z0-9_]*$',
        maxLength: 64,
      }),
    ),
    /**
     * Let the model decide when to call a tool (`--enable-auto-tool-choice`). Defaults to
     * true.
     * @default true
     */
    enableAutoToolChoice: Type.Optional(
      Type.Boolean({
        description:
          'Let the model decide when to call a tool (`--enable-auto-tool-choice`). Defaults to ' +
          'true.',
      }),
    ),
    /**
     * Parser that extracts tool calls from the model's output (`--tool-call-parser`), or
     * `none`, which needs `enableAutoToolChoice: false`. Defaults to `mistral`.
     * @default `mistral`
     */
    toolCallParser: Type.Optional(
      Type.String({
        description:
          "Parser that extracts tool calls from the model's output (`--tool-call-parser`), or " +
          `\`none\`, which needs \`enableAutoToolChoice: false\`. Defaults to \`${DEFAULT_TOOL_CALL_PARSER}\`.`,
        pattern: '^[a-z0-9][-a-z0-9_]*$',
        maxLength: 64,
      }),
    ),
    /**
     * Fraction of each GPU's memory vLLM may take for weights and KV cache
     * (`--gpu-memory-utilization`). Defaults to vLLM's own, 0.9.
     * @default vLLM's own, 0.9
     */
    gpuMemoryUtilization: Type.Optional(
      Type.Number({
        description:
          "Fraction of each GPU's memory vLLM may take for weights and KV cache " +
          "(`--gpu-memory-utilization`). Defaults to vLLM's own, 0.9.",
        minimum: 0.05,
        maximum: 1,
        // The API server checks `minimum` against a whole-number value (0) by truncating the
        // bound to 0, so 0 would pass; the rule closes that gap.
        'x-kubernetes-validations': [
          { rule: 'self >= 0.05', message: 'gpuMemoryUtilization must be at least 0.05' },
        ] satisfies CelRule[],
      }),
    ),
    /**
     * More vLLM arguments, appended after those the operator manages. A flag the operator
     * manages is refused here: set its field instead.
     */
    extraArgs: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), {
        description:
          'More vLLM arguments, appended after those the operator manages. A flag the operator ' +
          'manages is refused here: set its field instead.',
        maxItems: 64,
      }),
    ),
    /** More environment variables for the vLLM container. */
    env: Type.Optional(
      Type.Array(EnvVar, {
        description: 'More environment variables for the vLLM container.',
        maxItems: 64,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
    ),
  },
  {
    ...closed,
    description: 'Options of the vLLM server.',
    'x-kubernetes-validations': [
      {
        rule:
          "!has(self.toolCallParser) || self.toolCallParser != 'none' || " +
          '(has(self.enableAutoToolChoice) && !self.enableAutoToolChoice)',
        message: "toolCallParser 'none' needs enableAutoToolChoice: false",
        fieldPath: '.toolCallParser',
      },
    ] satisfies CelRule[],
  },
);

/** Scaling on vLLM's queue of waiting requests. */
export const AutoscalingSpec = Type.Object(
  {
    /**
     * Fewest replicas. Defaults to 1.
     * @default 1
     */
    minReplicas: Type.Optional(
      Type.Integer({
        description: `Fewest replicas. Defaults to ${DEFAULT_MIN_REPLICAS}.`,
        minimum: 1,
        maximum: 1000,
      }),
    ),
    /** Most replicas. */
    maxReplicas: Type.Integer({ description: 'Most replicas.', minimum: 1, maximum: 1000 }),
    /**
     * Waiting requests per ready replica to aim for (vLLM's `num_requests_waiting`). Defaults
     * to 2.
     * @default 2
     */
    targetQueueDepth: Type.Optional(
      Type.Integer({
        description:
          "Waiting requests per ready replica to aim for (vLLM's `num_requests_waiting`). " +
          `Defaults to ${DEFAULT_TARGET_QUEUE_DEPTH}.`,
        minimum: 1,
        maximum: 100000,
      }),
    ),
    /**
     * Relative distance from the target within which the replica count stays, as in the
     * HorizontalPodAutoscaler. Defaults to 0.1.
     * @default 0.1
     */
    tolerance: Type.Optional(
      Type.Number({
        description:
          'Relative distance from the target within which the replica count stays, as in the ' +
          `HorizontalPodAutoscaler. Defaults to ${DEFAULT_SCALING_TOLERANCE}.`,
        minimum: 0,
        maximum: 1,
      }),
    ),
    /**
     * Seconds of recommendations a scale-up takes the lowest of. Defaults to 0.
     * @default 0
     */
    scaleUpStabilizationSeconds: Type.Optional(
      Type.Integer({
        description:
          'Seconds of recommendations a scale-up takes the lowest of. Defaults to ' +
          `${DEFAULT_SCALE_UP_STABILIZATION_SECONDS}.`,
        minimum: 0,
        maximum: 3600,
      }),
    ),
    /**
     * Seconds of recommendations a scale-down takes the highest of. Defaults to 300.
     * @default 300
     */
    scaleDownStabilizationSeconds: Type.Optional(
      Type.Integer({
        description:
          'Seconds of recommendations a scale-down takes the highest of. Defaults to ' +
          `${DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS}.`,
        minimum: 0,
        maximum: 3600,
      }),
    ),
  },
  {
    ...closed,
    description: "Scaling on vLLM's queue of waiting requests.",
    'x-kubernetes-validations': [
      {
        rule: '!has(self.minReplicas) || self.minReplicas <= self.maxReplicas',
        message: 'autoscaling.minReplicas must not exceed autoscaling.maxReplicas',
        fieldPath: '.minReplicas',
      },
    ] satisfies CelRule[],
  },
);

/** A PersistentVolumeClaim the operator creates for the model cache. */
export const CacheVolumeClaimSpec = Type.Object(
  {
    /** Capacity to request, such as `300Gi`; the FP8 checkpoint alone takes about 119 GB. */
    size: Quantity({
      description:
        'Capacity to request, such as `300Gi`; the FP8 checkpoint alone takes about 119 GB.',
    }),
    /**
     * StorageClass of the claim. Defaults to the cluster's default class.
     * @default the cluster's default StorageClass
     */
    storageClassName: Type.Optional(
      Type.String({
        description: "StorageClass of the claim. Defaults to the cluster's default class.",
        pattern: DNS_SUBDOMAIN_PATTERN,
        maxLength: 253,
      }),
    ),
    /**
     * Access mode. `ReadWriteOnce` lets only pods on one node share the claim; replicas on
     * several nodes need `ReadWriteMany`. Defaults to `ReadWriteOnce`.
     * @default `ReadWriteOnce`
     */
    accessMode: Type.Optional(
      StringEnum(['ReadWriteOnce', 'ReadWriteMany', 'ReadWriteOncePod'], {
        description:
          'Access mode. `ReadWriteOnce` lets only pods on one node share the claim; replicas ' +
          `on several nodes need \`ReadWriteMany\`. Defaults to \`${DEFAULT_CACHE_ACCESS_MODE}\`.`,
      }),
    ),
  },
  {
    ...closed,
    description:
      'A PersistentVolumeClaim the operator creates for the cache; it is deleted with the ' +
      'MistralDeployment.',
  },
);

/** Where downloaded model files are kept. */
export const CacheSpec = Type.Object(
  {
    /** Name of an existing PersistentVolumeClaim in this namespace to keep the cache on. */
    existingClaim: Type.Optional(
      Type.String({
        description:
          'Name of an existing PersistentVolumeClaim in this namespace to keep the cache on.',
        pattern: DNS_SUBDOMAIN_PATTERN,
        maxLength: 253,
      }),
    ),
    /**
     * A PersistentVolumeClaim the operator creates for the cache; it is deleted with the
     * MistralDeployment.
     */
    volumeClaim: Type.Optional(CacheVolumeClaimSpec),
  },
  {
    ...closed,
    description:
      'Where downloaded model files are kept, shared by the pods and kept across restarts. ' +
      'Unset: each pod downloads the model into its own emptyDir.',
    'x-kubernetes-validations': [
      {
        rule: 'has(self.existingClaim) != has(self.volumeClaim)',
        message: 'cache needs exactly one of existingClaim and volumeClaim',
      },
    ] satisfies CelRule[],
  },
);

/** CPU and memory amounts. */
export const ResourceAmounts = Type.Object(
  {
    /** CPU, in cores or millicores such as `500m`. */
    cpu: Type.Optional(Quantity({ description: 'CPU, in cores or millicores such as `500m`.' })),
    /** Memory, such as `64Gi`. */
    memory: Type.Optional(Quantity({ description: 'Memory, such as `64Gi`.' })),
  },
  { ...closed, description: 'CPU and memory amounts.' },
);

/** CPU and memory of each vLLM pod. */
export const ResourcesSpec = Type.Object(
  {
    /** What the scheduler reserves on the node. */
    requests: Type.Optional(described(ResourceAmounts, 'What the scheduler reserves on the node.')),
    /** The most the container may use. */
    limits: Type.Optional(described(ResourceAmounts, 'The most the container may use.')),
  },
  {
    ...closed,
    description:
      'CPU and memory of each vLLM pod; `gpu` decides the GPUs. Unset: no CPU or memory ' +
      'requests or limits.',
  },
);

/** The Service in front of the vLLM pods. */
export const ServiceSpec = Type.Object(
  {
    /**
     * Service type. Defaults to `ClusterIP`.
     * @default `ClusterIP`
     */
    type: Type.Optional(
      StringEnum(['ClusterIP', 'NodePort', 'LoadBalancer'], {
        description: `Service type. Defaults to \`${DEFAULT_SERVICE_TYPE}\`.`,
      }),
    ),
    /**
     * Service port of the OpenAI-compatible API. Defaults to 8000.
     * @default 8000
     */
    port: Type.Optional(
      Type.Integer({
        description: `Service port of the OpenAI-compatible API. Defaults to ${DEFAULT_PORT}.`,
        minimum: 1,
        maximum: 65535,
      }),
    ),
    /** Annotations of the Service, such as those a cloud load balancer reads. */
    annotations: Type.Optional(
      StringMap({
        description: 'Annotations of the Service, such as those a cloud load balancer reads.',
      }),
    ),
  },
  { ...closed, description: 'The Service in front of the vLLM pods.' },
);

/** A taint the vLLM pods tolerate. */
export const Toleration = Type.Object(
  {
    /** Taint key; empty with operator `Exists` matches every taint. */
    key: Type.Optional(
      Type.String({
        description: 'Taint key; empty with operator `Exists` matches every taint.',
        maxLength: 316,
      }),
    ),
    /**
     * `Equal` compares the value, `Exists` ignores it. Defaults to `Equal`.
     * @default `Equal`
     */
    operator: Type.Optional(
      StringEnum(['Equal', 'Exists'], {
        description: '`Equal` compares the value, `Exists` ignores it. Defaults to `Equal`.',
      }),
    ),
    /** Taint value to match with operator `Equal`. */
    value: Type.Optional(
      Type.String({ description: 'Taint value to match with operator `Equal`.', maxLength: 63 }),
    ),
    /** Taint effect to match; empty matches all effects. */
    effect: Type.Optional(
      StringEnum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'], {
        description: 'Taint effect to match; empty matches all effects.',
      }),
    ),
    /** For `NoExecute`: seconds the pod stays bound after the taint appears. */
    tolerationSeconds: Type.Optional(
      Type.Integer({
        description: 'For `NoExecute`: seconds the pod stays bound after the taint appears.',
        minimum: 0,
      }),
    ),
  },
  {
    ...closed,
    description: 'A taint the vLLM pods tolerate.',
    'x-kubernetes-validations': [
      {
        rule: "!has(self.operator) || self.operator != 'Exists' || !has(self.value)",
        message: 'a toleration with operator Exists takes no value',
      },
      {
        rule: "has(self.key) || (has(self.operator) && self.operator == 'Exists')",
        message: 'a toleration without a key needs operator Exists',
      },
    ] satisfies CelRule[],
  },
);

/** The desired state of a MistralDeployment. */
export const MistralDeploymentSpec = Type.Object(
  {
    /** The model vLLM serves and the name clients use for it. */
    model: Type.Optional(ModelSpec),
    /** The container image of the vLLM server. */
    image: Type.Optional(ImageSpec),
    /** The GPUs of each replica and the nodes that have them. */
    gpu: Type.Optional(GpuSpec),
    /** How one replica splits the model over its GPUs. */
    parallelism: Type.Optional(ParallelismSpec),
    /** Options of the vLLM server. */
    vllm: Type.Optional(VllmSpec),
    /**
     * Number of vLLM pods; the scale subresource sets it. While `autoscaling` is set it is the
     * count to start from and must lie within its bounds. Defaults to
     * `autoscaling.minReplicas`, or 1.
     * @default `autoscaling.minReplicas`, or 1
     */
    replicas: Type.Optional(
      Type.Integer({
        description:
          'Number of vLLM pods; the scale subresource sets it. While `autoscaling` is set it is ' +
          'the count to start from and must lie within its bounds. Defaults to ' +
          '`autoscaling.minReplicas`, or 1.',
        minimum: 0,
        maximum: 1000,
      }),
    ),
    /** Scaling on vLLM's queue of waiting requests. Unset: the replica count stays fixed. */
    autoscaling: Type.Optional(
      described(
        AutoscalingSpec,
        "Scaling on vLLM's queue of waiting requests. Unset: the replica count stays fixed.",
      ),
    ),
    /**
     * Where downloaded model files are kept, shared by the pods and kept across restarts.
     * Unset: each pod downloads the model into its own emptyDir.
     */
    cache: Type.Optional(CacheSpec),
    /**
     * Secret key with a Hugging Face access token, given to vLLM as `HF_TOKEN`; gated models
     * need it. The operator never reads the value.
     */
    huggingFaceToken: Type.Optional(
      described(
        SecretKeyRef,
        'Secret key with a Hugging Face access token, given to vLLM as `HF_TOKEN`; gated ' +
          'models need it. The operator never reads the value.',
      ),
    ),
    /**
     * Secret key with the API key clients must send as a bearer token, given to vLLM as
     * `VLLM_API_KEY`. Unset: the endpoint answers without a key.
     */
    apiKey: Type.Optional(
      described(
        SecretKeyRef,
        'Secret key with the API key clients must send as a bearer token, given to vLLM as ' +
          '`VLLM_API_KEY`. Unset: the endpoint answers without a key.',
      ),
    ),
    /**
     * CPU and memory of each vLLM pod; `gpu` decides the GPUs. Unset: no CPU or memory
     * requests or limits.
     */
    resources: Type.Optional(ResourcesSpec),
    /**
     * Size of the memory-backed `/dev/shm`, which NCCL uses between the GPUs of a pod; it
     * counts against the pod's memory. Defaults to `16Gi`.
     * @default `16Gi`
     */
    sharedMemorySize: Type.Optional(
      Quantity({
        description:
          'Size of the memory-backed `/dev/shm`, which NCCL uses between the GPUs of a pod; it ' +
          `counts against the pod's memory. Defaults to \`${DEFAULT_SHARED_MEMORY_SIZE}\`.`,
      }),
    ),
    /** The Service in front of the vLLM pods. */
    service: Type.Optional(ServiceSpec),
    /** More node labels the pods require, besides the GPU product. */
    nodeSelector: Type.Optional(
      StringMap({ description: 'More node labels the pods require, besides the GPU product.' }),
    ),
    /** More taints the pods tolerate, besides the one on the GPU resource. */
    tolerations: Type.Optional(
      Type.Array(Toleration, {
        description: 'More taints the pods tolerate, besides the one on the GPU resource.',
        maxItems: 32,
      }),
    ),
    /** Node and pod affinity of the vLLM pods, as in a pod spec. */
    affinity: Type.Optional(
      OpaqueObject<V1Affinity>({
        description: 'Node and pod affinity of the vLLM pods, as in a pod spec.',
      }),
    ),
    /** PriorityClass of the vLLM pods. */
    priorityClassName: Type.Optional(
      Type.String({
        description: 'PriorityClass of the vLLM pods.',
        pattern: DNS_SUBDOMAIN_PATTERN,
        maxLength: 253,
      }),
    ),
    /**
     * Seconds a pod may take to download and load the model before it first answers its
     * health check; after that the kubelet restarts it. Defaults to 3600.
     * @default 3600
     */
    startupTimeoutSeconds: Type.Optional(
      Type.Integer({
        description:
          'Seconds a pod may take to download and load the model before it first answers its ' +
          `health check; after that the kubelet restarts it. Defaults to ${DEFAULT_STARTUP_TIMEOUT_SECONDS}.`,
        minimum: 60,
        maximum: 86400,
      }),
    ),
    /**
     * User id to run vLLM as; the pod then refuses to run as root and gives its volumes this
     * group so the cache stays writable. Unset: the image's user, root for the vLLM images.
     */
    runAsUser: Type.Optional(
      Type.Integer({
        description:
          'User id to run vLLM as; the pod then refuses to run as root and gives its volumes ' +
          "this group so the cache stays writable. Unset: the image's user, root for the vLLM " +
          'images.',
        minimum: 1,
        maximum: 2147483647,
      }),
    ),
  },
  {
    ...closed,
    description: 'The desired state of a MistralDeployment.',
    'x-kubernetes-validations': [
      {
        rule:
          '!has(self.gpu) || !has(self.gpu.count) || !has(self.parallelism) || ' +
          '!has(self.parallelism.tensor) || self.parallelism.tensor * ' +
          '(has(self.parallelism.pipeline) ? self.parallelism.pipeline : 1) == self.gpu.count',
        message: 'parallelism.tensor times parallelism.pipeline must equal gpu.count',
        fieldPath: '.parallelism.tensor',
      },
      {
        rule:
          '!has(self.gpu) || !has(self.gpu.count) || !has(self.parallelism) || ' +
          '!has(self.parallelism.pipeline) || has(self.parallelism.tensor) || ' +
          'self.gpu.count % self.parallelism.pipeline == 0',
        message: 'gpu.count must be a multiple of parallelism.pipeline',
        fieldPath: '.gpu.count',
      },
      {
        rule:
          '!has(self.autoscaling) || !has(self.replicas) || (self.replicas <= ' +
          'self.autoscaling.maxReplicas && self.replicas >= (has(self.autoscaling.minReplicas) ' +
          '? self.autoscaling.minReplicas : 1))',
        message: 'replicas must lie within autoscaling.minReplicas and autoscaling.maxReplicas',
        fieldPath: '.replicas',
      },
    ] satisfies CelRule[],
  },
);

/** The desired state of a MistralDeployment, as written by its author. */
export type MistralDeploymentSpec = Static<typeof MistralDeploymentSpec>;
/** The model section of the spec. */
export type ModelSpec = Static<typeof ModelSpec>;
/** A Secret name and key. */
export type SecretKeyRef = Static<typeof SecretKeyRef>;
/** An environment variable of the vLLM container. */
export type EnvVar = Static<typeof EnvVar>;
/** A toleration of the vLLM pods. */
export type Toleration = Static<typeof Toleration>;
/** The autoscaling section of the spec. */
export type AutoscalingSpec = Static<typeof AutoscalingSpec>;
/** The cache section of the spec. */
export type CacheSpec = Static<typeof CacheSpec>;
/** CPU and memory amounts. */
export type ResourceAmounts = Static<typeof ResourceAmounts>;
