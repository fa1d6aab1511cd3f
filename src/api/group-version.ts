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
