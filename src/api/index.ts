/** The MistralDeployment API: schema, types, defaults, resolution and validation. */
export { CRD_FILE, buildCrd, renderCrdYaml } from './crd.js';
export {
  API_VERSION,
  CRD_NAME,
  GROUP,
  KIND,
  MANAGED_BY,
  OWNER_ANNOTATION,
  PLURAL,
  SHORT_NAMES,
  SINGULAR,
  VERSION,
} from './group-version.js';
export {
  DEFAULT_GPU_PROFILE,
  GPU_PROFILES,
  GPU_PROFILE_NAMES,
  type GpuProfile,
  type GpuProfileName,
} from './gpu-profiles.js';
export type { MistralDeployment } from './mistral-deployment.js';
export { formatProblems, type Problem } from './problem.js';
export { resolveSpec, type ResolvedSpec } from './resolve-spec.js';
export type { MistralDeploymentSpec } from './spec-schema.js';
export type { Condition, Endpoint, MistralDeploymentStatus } from './status-schema.js';
export {
  validateManifest,
  validateSpec,
  type ManifestValidation,
  type SpecValidation,
} from './validate-spec.js';
