/** API group of every resource this operator defines. */
export const GROUP = 'serving.mistral-operator.io';

/** The one served and stored version. */
export const VERSION = 'v1alpha1';

/** `apiVersion` field value of a MistralDeployment. */
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Kind of the custom resource. */
export const KIND = 'MistralDeployment';

/** Plural resource name, as used in URLs and RBAC rules. */
export const PLURAL = 'mistraldeployments';

/** Singular resource name, as `kubectl get mistraldeployment` accepts it. */
export const SINGULAR = 'mistraldeployment';

/** Short names for `kubectl get mdep`. */
export const SHORT_NAMES = ['mistral', 'mdep'];

/** Name of the CustomResourceDefinition object: `PLURAL.GROUP`. */
export const CRD_NAME = `${PLURAL}.${GROUP}`;

/** The `app.kubernetes.io/managed-by` value on every object the operator owns. */
export const MANAGED_BY = 'mistral-operator';

/**
 * Annotation on each vLLM pod naming its MistralDeployment in full. Pods are owned by a
 * ReplicaSet, not by the MistralDeployment, and label values are cut to 63 characters, so
 * this is how a pod event finds the object to reconcile.
 */
export const OWNER_ANNOTATION = `${GROUP}/mistraldeployment`;
