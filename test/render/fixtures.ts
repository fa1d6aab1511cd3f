/** Owners and specs shared by the renderer tests. */
import { resolveSpec, type ResolvedSpec } from '../../src/api/resolve-spec.js';
import type { MistralDeploymentSpec } from '../../src/api/spec-schema.js';
import type { Owner } from '../../src/render/metadata.js';

/** The owner of the minimal example. */
export const OWNER: Owner = {
  name: 'small4',
  namespace: 'llm',
  uid: '6c1f7d2e-2b4a-4f7e-9a51-3d0c8e2f1a90',
};

/** The resolution of `spec`, for tests that start from a spec. */
export function resolved(spec: MistralDeploymentSpec = {}): ResolvedSpec {
  return resolveSpec(spec);
}
