/**
 * Default values of the MistralDeployment spec.
 *
 * Decision: the operator applies these defaults when it resolves a spec (`resolveSpec`); the
 * CRD declares no schema `default`, so the API server stores the spec exactly as written.
 * - GitOps tools (Argo CD, Flux) compare the stored object with the one in Git; defaults the
 *   server writes into the spec show up there as drift to explain or ignore.
 * - Several defaults depend on the GPU profile (GPU count, tensor parallelism, checkpoint,
 *   attention backend, GPU product). A schema default cannot depend on another field, so some
 *   defaults would live in the schema and others in code; keeping all in code gives one place.
 * - A new operator version can improve a default for every object that did not pin the field.
 *   The flip side: upgrading the operator may roll pods whose spec relies on a changed default;
 *   pin `image.tag` and the fields you care about to freeze them.
 */

/**
 * Image repository of the vLLM server the model's publisher provides, with the Mistral
 * tool-call and reasoning parser fixes this model needs.
 */
export const DEFAULT_IMAGE_REPOSITORY = 'mistralllm/vllm-ms4';

/**
 * Image tag. Assumption: the publisher tags this image by the vLLM release it carries, and
 * `v0.20.0` is the first release with the parsers this model needs (its documentation only
 * shows `latest`, which this operator avoids so that a restart never changes the server).
 * Set `image.tag` or `image.reference` if your registry names it differently.
 */
export const DEFAULT_IMAGE_TAG = 'v0.20.0';

/** Resource name of NVIDIA GPUs as the device plugin advertises them. */
export const DEFAULT_GPU_RESOURCE = 'nvidia.com/gpu';

/** Node label that GPU feature discovery sets to the GPU's product name. */
export const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';

/** Pipeline-parallel size; 1 keeps all layers on every GPU of a replica. */
export const DEFAULT_PIPELINE_PARALLEL = 1;

/** The Mistral reasoning parser, which the reference command passes. */
export const DEFAULT_REASONING_PARSER = 'mistral';

/** The Mistral tool-call parser; automatic tool choice needs a parser. */
export const DEFAULT_TOOL_CALL_PARSER = 'mistral';

/** Port of the Service, and of the vLLM server in the container. */
export const DEFAULT_PORT = 8000;

/**
 * Size of the memory-backed `/dev/shm`. NCCL moves tensor-parallel traffic between the GPUs of
 * a pod through shared memory; the container runtime's 64Mi default makes it fail or fall back
 * to slower paths. 16Gi covers NCCL's buffers with room for vLLM's own worker queues.
 */
export const DEFAULT_SHARED_MEMORY_SIZE = '16Gi';

/**
 * Seconds a pod may take from start to its first healthy answer. Downloading about 119 GB of
 * weights and loading them onto 4 GPUs takes tens of minutes on a cold node.
 */
export const DEFAULT_STARTUP_TIMEOUT_SECONDS = 3600;

/** Access mode of a cache claim the operator creates. */
export const DEFAULT_CACHE_ACCESS_MODE = 'ReadWriteOnce';

/** Type of the Service. */
export const DEFAULT_SERVICE_TYPE = 'ClusterIP';

/** Fewest replicas the autoscaler keeps. */
export const DEFAULT_MIN_REPLICAS = 1;

/** Waiting requests per replica the autoscaler aims for. */
export const DEFAULT_TARGET_QUEUE_DEPTH = 2;

/** Relative deviation from the target within which the autoscaler does nothing, as the HPA. */
export const DEFAULT_SCALING_TOLERANCE = 0.1;

/** Seconds of scale-up recommendations the autoscaler looks back over, as the HPA. */
export const DEFAULT_SCALE_UP_STABILIZATION_SECONDS = 0;

/** Seconds of scale-down recommendations the autoscaler looks back over, as the HPA. */
export const DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS = 300;
