/**
 * Shared steps of the end-to-end tests: an operator watching one test namespace, reading
 * MistralDeployments and their owned objects with kubectl, parsing `kubectl get` tables, and
 * counting the GPUs the simulated nodes still have free.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { Condition, MistralDeployment } from '../../src/api/index.js';
import { eventually } from './eventually.js';
import { startOperator, type OperatorProcess } from './operator.js';
import type { TestPlane } from './plane.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The minimal example manifest, and the name it gives its MistralDeployment. */
export const MINIMAL_EXAMPLE = join(repoRoot, 'examples', 'minimal.yaml');
export const MINIMAL_NAME = 'small4';

/** The model the defaults serve. */
export const DEFAULT_MODEL = 'mistralai/Mistral-Small-4-119B-2603';

/** GPU resource, product label and product of the simulated GPU nodes. */
export const GPU_RESOURCE = 'nvidia.com/gpu';
export const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';
export const H100 = 'NVIDIA-H100-80GB-HBM3';

/** The label every owned object and vLLM pod carries, with the owner's name as value. */
export const SELECTOR_LABEL = 'serving.mistral-operator.io/mistraldeployment';

/** A `kubectl get ... -o json` list. */
export interface List<T> {
  items: T[];
}

/** An operator that watches one namespace and holds its own Lease. */
export interface NamespaceOperator {
  process: OperatorProcess;
  leaseName: string;
}

/**
 * Starts the real operator for `namespace` only, with a Lease no other test file uses, so
 * test files never contend for leadership or reconcile each other's objects.
 */
export async function startNamespaceOperator(
  plane: TestPlane,
  namespace: string,
): Promise<NamespaceOperator> {
  const leaseName = `e2e-${namespace}`;
  const running = await startOperator(plane, [
    `--namespaces=${namespace}`,
    `--lease-name=${leaseName}`,
  ]);
  return { process: running, leaseName };
}

/** Stops the operator and removes its Lease, leaving nothing of it in the cluster. */
export async function stopNamespaceOperator(
  plane: TestPlane,
  operator: NamespaceOperator | undefined,
): Promise<void> {
  if (!operator) return;
  await operator.process.stop();
  await plane.kubectl([
    'delete',
    'lease',
    operator.leaseName,
    '-n',
    'default',
    '--ignore-not-found',
  ]);
}

/** The MistralDeployment `name` in `namespace`, as the API server has it now. */
export function getMistralDeployment(
  plane: TestPlane,
  namespace: string,
  name: string,
): Promise<MistralDeployment> {
  return plane.kubectlJson<MistralDeployment>(['get', 'mistraldeployment', name, '-n', namespace]);
}

/** The condition of `type` in the object's status, if it has one. */
export function conditionOf(md: MistralDeployment, type: string): Condition | undefined {
  return md.status?.conditions?.find((c) => c.type === type);
}

/** The value after `flag` in a command line, as `--max-model-len 262144` is written. */
export function flagValue(args: readonly string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at < 0 ? undefined : args[at + 1];
}

/**
 * The rows of a `kubectl get` table, keyed by the header's column names. Columns are cut at
 * the offsets where the header's names start, as kubectl aligns every cell under its name.
 */
export function parseTable(output: string): { header: string[]; rows: Record<string, string>[] } {
  const [headerLine = '', ...lines] = output.split('\n').filter((line) => line.trim() !== '');
  const columns = [...headerLine.matchAll(/\S+/g)].map((m) => ({ name: m[0], start: m.index }));
  const rows = lines.map((line) =>
    Object.fromEntries(
      columns.map((column, i) => {
        const end = columns[i + 1]?.start ?? line.length;
        return [column.name, line.slice(column.start, end).trim()];
      }),
    ),
  );
  return { header: columns.map((c) => c.name), rows };
}

/** GPUs a pod holds on its node: the larger of its containers' sum and any init container. */
function gpusRequested(pod: V1Pod): number {
  const amount = (c: { resources?: { requests?: Record<string, string> } }) =>
    Number(c.resources?.requests?.[GPU_RESOURCE] ?? 0);
  const containers = (pod.spec?.containers ?? []).reduce((sum, c) => sum + amount(c), 0);
  const init = Math.max(0, ...(pod.spec?.initContainers ?? []).map(amount));
  return Math.max(containers, init);
}

const holdsResources = (pod: V1Pod) =>
  pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';

/**
 * Waits until no pod bound to a node is terminating, so that a count of free GPUs does not
 * grow behind the test's back as another file's pods finish going away.
 */
export async function waitForNoTerminatingPods(plane: TestPlane): Promise<void> {
  await eventually(
    async () => {
      const pods = await plane.kubectlJson<List<V1Pod>>(['get', 'pods', '--all-namespaces']);
      const leaving = pods.items.filter((p) => p.metadata?.deletionTimestamp && p.spec?.nodeName);
      if (leaving.length > 0) throw new Error(`${leaving.length} pod(s) still terminating`);
    },
    { timeoutMs: 90_000, intervalMs: 250, what: 'no terminating pods' },
  );
}

/**
 * How many pods asking for `gpusPerPod` H100s the cluster could still place: per schedulable
 * H100 node, its allocatable GPUs less those the pods bound to it request.
 */
export async function freeGpuSlots(plane: TestPlane, gpusPerPod: number): Promise<number> {
  const nodes = await plane.kubectlJson<List<V1Node>>([
    'get',
    'nodes',
    '-l',
    `${GPU_PRODUCT_LABEL}=${H100}`,
  ]);
  const pods = await plane.kubectlJson<List<V1Pod>>(['get', 'pods', '--all-namespaces']);
  let slots = 0;
  for (const node of nodes.items) {
    if (node.spec?.unschedulable) continue;
    const allocatable = Number(node.status?.allocatable?.[GPU_RESOURCE] ?? 0);
    const used = pods.items
      .filter((pod) => pod.spec?.nodeName === node.metadata?.name && holdsResources(pod))
      .reduce((sum, pod) => sum + gpusRequested(pod), 0);
    slots += Math.floor(Math.max(0, allocatable - used) / gpusPerPod);
  }
  return slots;
}
