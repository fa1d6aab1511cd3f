/**
 * Many MistralDeployments at once, for the end-to-end tests of idempotence, restarts and bad
 * specs: manifests, one `kubectl apply` for a whole list, and waiting until every one of them
 * is Ready at its current generation.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { API_VERSION, KIND, type MistralDeployment } from '../../src/api/index.js';
import { MANAGED_BY_SELECTOR } from '../../src/kube/informer.js';
import { eventually } from './eventually.js';
import type { TestPlane } from './plane.js';

/** A `kubectl get ... -o json` list. */
export interface ObjectList<T> {
  items: T[];
}

/** The product label of the simulated GPU nodes. */
export const PLANE_GPU_PRODUCT = 'NVIDIA-H100-80GB-HBM3';

/** A MistralDeployment manifest. */
export function mistralManifest(
  name: string,
  spec: Record<string, unknown> = {},
): MistralDeployment {
  return { apiVersion: API_VERSION, kind: KIND, metadata: { name }, spec } as MistralDeployment;
}

/**
 * A spec on one simulated H100: the small-GPU example's model (Mistral 7B, no latent
 * attention), so a test can run many of them within the plane's 24 GPUs.
 */
export const ONE_GPU_SPEC: Record<string, unknown> = {
  model: { name: 'mistralai/Mistral-7B-Instruct-v0.3', maxModelLen: 16384 },
  gpu: { count: 1, product: PLANE_GPU_PRODUCT },
  vllm: { attentionBackend: 'auto', reasoningParser: 'none' },
};

/** Applies `objects` to `namespace` with one `kubectl apply`. */
export async function applyAll(
  plane: TestPlane,
  namespace: string,
  objects: readonly unknown[],
): Promise<void> {
  const list = { apiVersion: 'v1', kind: 'List', items: objects };
  await plane.kubectl(['apply', '-n', namespace, '-f', '-'], JSON.stringify(list));
}

/** The MistralDeployments of `namespace`. */
export async function listMistral(plane: TestPlane, namespace: string) {
  const list = await plane.kubectlJson<ObjectList<MistralDeployment>>([
    'get',
    'mistraldeployments',
    '-n',
    namespace,
  ]);
  return list.items;
}

/** The condition `type` of `md`, if its status has one. */
export function conditionIn(md: MistralDeployment, type: string) {
  return md.status?.conditions?.find((condition) => condition.type === type);
}

/** Why `md` is not Ready at its current generation yet, or undefined when it is. */
export function notReadyReason(md: MistralDeployment): string | undefined {
  const { name, generation } = md.metadata;
  if (md.status?.observedGeneration !== generation) {
    return `${name}: observedGeneration ${md.status?.observedGeneration} of ${generation}`;
  }
  const ready = conditionIn(md, 'Ready');
  if (ready?.status !== 'True') return `${name}: Ready=${ready?.status} (${ready?.reason})`;
  return undefined;
}

/** Waits until every MistralDeployment named in `names` is Ready at its generation. */
export async function waitForAllReady(
  plane: TestPlane,
  namespace: string,
  names: readonly string[],
  timeoutMs: number,
): Promise<MistralDeployment[]> {
  return eventually(
    async () => {
      const found = (await listMistral(plane, namespace)).filter((md) =>
        names.includes(md.metadata.name),
      );
      const missing = names.filter((name) => !found.some((md) => md.metadata.name === name));
      const waiting = [...missing.map((name) => `${name}: absent`)];
      waiting.push(...found.flatMap((md) => notReadyReason(md) ?? []));
      if (waiting.length > 0) throw new Error(`${waiting.length} not ready, e.g. ${waiting[0]}`);
      return found;
    },
    { timeoutMs, intervalMs: 250, what: `${names.length} MistralDeployment(s) Ready` },
  );
}

/** The objects of `resource` in `namespace` that the operator manages. */
export async function listManaged(
  plane: TestPlane,
  namespace: string,
  resource: string,
): Promise<KubernetesObject[]> {
  const list = await plane.kubectlJson<ObjectList<KubernetesObject>>([
    'get',
    resource,
    '-n',
    namespace,
    '-l',
    MANAGED_BY_SELECTOR,
  ]);
  return list.items;
}

/** The Warning and Normal Events about the object `name`, as `kubectl get events` shows them. */
export async function eventsAbout(plane: TestPlane, namespace: string, name: string) {
  const list = await plane.kubectlJson<
    ObjectList<{
      type?: string;
      reason?: string;
      message?: string;
      involvedObject?: { kind?: string };
    }>
  >(['get', 'events', '-n', namespace, '--field-selector', `involvedObject.name=${name}`]);
  return list.items.filter((event) => event.involvedObject?.kind === KIND);
}

/** The kinds the operator owns, as kubectl names their resources. */
export const OWNED_RESOURCES = [
  'deployments',
  'services',
  'poddisruptionbudgets',
  'persistentvolumeclaims',
] as const;

/** Every object the operator owns in `namespace`, keyed "resource/name". */
export async function ownedObjects(
  plane: TestPlane,
  namespace: string,
): Promise<Map<string, KubernetesObject>> {
  const owned = new Map<string, KubernetesObject>();
  for (const resource of OWNED_RESOURCES) {
    for (const object of await listManaged(plane, namespace, resource)) {
      owned.set(`${resource}/${object.metadata?.name}`, object);
    }
  }
  return owned;
}
