/**
 * The vLLM command line. The container's command is set to `vllm serve` explicitly rather
 * than left to the image's entrypoint: vLLM images differ there (some start `vllm serve`,
 * older ones a Python module), and an explicit command makes the arguments mean the same
 * with any image.
 */
import type { ResolvedSpec } from '../api/resolve-spec.js';

/** The container command: the vLLM server. */
export const VLLM_COMMAND = ['vllm', 'serve'];

/** Port the vLLM server listens on inside the pod; the Service maps its own port to it. */
export const VLLM_PORT = 8000;

/**
 * Arguments of `vllm serve`: the model, then the flags of the reference command in its order,
 * then the flags the operator needs, then the spec's extra arguments.
 */
export function renderVllmArgs(resolved: ResolvedSpec): string[] {
  const { model, parallelism, vllm } = resolved;
  return [
    model.name,
    ...flag('--revision', model.revision),
    ...flag('--max-model-len', model.maxModelLen),
    ...flag('--tensor-parallel-size', parallelism.tensor),
    ...(parallelism.pipeline > 1 ? flag('--pipeline-parallel-size', parallelism.pipeline) : []),
    ...flag('--attention-backend', vllm.attentionBackend),
    ...flag('--reasoning-parser', vllm.reasoningParser),
    ...(vllm.enableAutoToolChoice ? ['--enable-auto-tool-choice'] : []),
    ...flag('--tool-call-parser', vllm.toolCallParser),
    ...flag('--gpu-memory-utilization', vllm.gpuMemoryUtilization),
    ...flag('--served-model-name', model.servedModelName),
    // All interfaces: the Service and the kubelet's probes reach the pod on its pod IP.
    ...flag('--host', '0.0.0.0'),
    ...flag('--port', VLLM_PORT),
    ...vllm.extraArgs,
  ];
}

function flag(name: string, value: string | number | undefined): string[] {
  return value === undefined ? [] : [name, String(value)];
}
