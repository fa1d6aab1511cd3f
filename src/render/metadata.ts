/**
 * The metadata every owned object carries: standard `app.kubernetes.io/*` labels, the
 * selector label, and the owner reference that lets garbage collection delete the object
 * with its MistralDeployment.
 */
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION, GROUP, KIND, MANAGED_BY } from '../api/group-version.js';
import { deriveLabelValue } from './names.js';

/** The MistralDeployment that owns the rendered objects. */
export interface Owner {
  name: string;
  namespace: string;
  uid: string;
}

/**
 * The label that selects the pods of one MistralDeployment. The `app.kubernetes.io/instance`
 * label is not used for selection: tools such as Argo CD may set it for their own tracking.
 */
export const SELECTOR_LABEL = `${GROUP}/mistraldeployment`;

/** Labels of every owned object and pod, keys sorted. */
export function renderLabels(ownerName: string): Record<string, string> {
  const instance = deriveLabelValue(ownerName);
  return {
    'app.kubernetes.io/component': 'inference-server',
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    'app.kubernetes.io/name': 'vllm',
    'app.kubernetes.io/part-of': 'mistral-operator',
    [SELECTOR_LABEL]: instance,
  };
}

/** The labels a Deployment, Service and PodDisruptionBudget select the vLLM pods by. */
export function renderSelectorLabels(ownerName: string): Record<string, string> {
  return { [SELECTOR_LABEL]: deriveLabelValue(ownerName) };
}

/** `renderSelectorLabels` in the string form of `status.selector`, as `key=value,...`. */
export function formatSelector(ownerName: string): string {
  const labels = renderSelectorLabels(ownerName);
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join(',');
}

/** The owner reference to `owner`, as the controller of the object. */
export function renderOwnerReference(owner: Owner): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: owner.name,
    uid: owner.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Metadata of an owned object named `name`. */
export function renderMetadata(owner: Owner, name: string): V1ObjectMeta {
  return {
    name,
    namespace: owner.namespace,
    labels: renderLabels(owner.name),
    ownerReferences: [renderOwnerReference(owner)],
  };
}

/** A copy of `map` with its keys in sorted order, so rendered output is stable. */
export function sortKeys<T>(map: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
