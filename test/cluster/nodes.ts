/**
 * The simulated nodes of the local control plane. KWOK keeps them Ready and plays the
 * lifecycle of the pods scheduled onto them; these manifests only say what they look like.
 */

/** What the simulated cluster is made of; every field has a default in {@link defaultNodePlan}. */
export interface NodePlan {
  gpuNodes: number;
  gpusPerNode: number;
  /** Value of the `nvidia.com/gpu.product` label, as NVIDIA's GPU feature discovery sets it. */
  gpuProduct: string;
  cpuNodes: number;
  /** Extra labels on every GPU node. */
  gpuNodeLabels: Record<string, string>;
}

/** Three 8x H100 nodes and one CPU node. */
export const defaultNodePlan: NodePlan = {
  gpuNodes: 3,
  gpusPerNode: 8,
  gpuProduct: 'NVIDIA-H100-80GB-HBM3',
  cpuNodes: 1,
  gpuNodeLabels: {},
};

/** Annotation KWOK is told to manage nodes by. */
export const kwokNodeAnnotation = { key: 'kwok.x-k8s.io/node', value: 'fake' };

function baseNode(name: string, labels: Record<string, string>, capacity: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [kwokNodeAnnotation.key]: kwokNodeAnnotation.value },
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': name,
        type: 'kwok',
        ...labels,
      },
    },
    spec: {} as { taints?: { key: string; value: string; effect: string }[] },
    status: { capacity, allocatable: capacity },
  };
}

/** A GPU node shaped like an 8x H100 server (192 vCPU, 2 TiB memory). */
export function renderGpuNode(index: number, plan: NodePlan) {
  const node = baseNode(
    `gpu-node-${index}`,
    {
      'nvidia.com/gpu.product': plan.gpuProduct,
      'nvidia.com/gpu.count': String(plan.gpusPerNode),
      ...plan.gpuNodeLabels,
    },
    {
      cpu: '192',
      memory: '2Ti',
      pods: '110',
      'ephemeral-storage': '20Ti',
      'nvidia.com/gpu': String(plan.gpusPerNode),
    },
  );
  // GPU operators taint GPU nodes so that only pods asking for GPUs land there.
  node.spec.taints = [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }];
  return node;
}

/** A general-purpose node without GPUs. */
export function renderCpuNode(index: number) {
  return baseNode(
    `cpu-node-${index}`,
    {},
    { cpu: '16', memory: '64Gi', pods: '110', 'ephemeral-storage': '1Ti' },
  );
}

/** All nodes of a plan, GPU nodes first. */
export function renderNodes(plan: NodePlan) {
  const gpu = Array.from({ length: plan.gpuNodes }, (_, i) => renderGpuNode(i, plan));
  const cpu = Array.from({ length: plan.cpuNodes }, (_, i) => renderCpuNode(i));
  return [...gpu, ...cpu];
}
