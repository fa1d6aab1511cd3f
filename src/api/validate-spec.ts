/**
 * Validation of a MistralDeployment: the schema with its CEL rules (what the API server
 * enforces) and then the checks the schema cannot express. A spec that passes both resolves
 * to settings the renderers accept.
 */
import type { MistralDeployment } from './mistral-deployment.js';
import type { Problem } from './problem.js';
import { resolveSpec, type ResolvedSpec } from './resolve-spec.js';
import { checkManifestSchema, checkSpecSchema } from './schema-validator.js';
import { checkSpec } from './spec-checks.js';
import type { MistralDeploymentSpec } from './spec-schema.js';

/** A valid spec with its resolution, or the problems that make it invalid. */
export type SpecValidation =
  | { valid: true; spec: MistralDeploymentSpec; resolved: ResolvedSpec }
  | { valid: false; problems: Problem[] };

/** A valid manifest with its resolved spec, or the problems that make it invalid. */
export type ManifestValidation =
  | { valid: true; resource: MistralDeployment; resolved: ResolvedSpec }
  | { valid: false; problems: Problem[] };

/**
 * Validates `spec`, the `spec` of a MistralDeployment (undefined counts as empty). Problem
 * fields start with `spec.`.
 */
export function validateSpec(spec: unknown = {}): SpecValidation {
  const schemaProblems = checkSpecSchema(spec);
  if (schemaProblems.length > 0) return { valid: false, problems: schemaProblems };
  return resolveChecked(spec as MistralDeploymentSpec);
}

/** Validates a whole manifest, as read from a file: apiVersion, kind, metadata and spec. */
export function validateManifest(manifest: unknown): ManifestValidation {
  const schemaProblems = checkManifestSchema(manifest);
  if (schemaProblems.length > 0) return { valid: false, problems: schemaProblems };
  const resource = manifest as MistralDeployment;
  const result = resolveChecked(resource.spec ?? {});
  return result.valid ? { valid: true, resource, resolved: result.resolved } : result;
}

function resolveChecked(spec: MistralDeploymentSpec): SpecValidation {
  const resolved = resolveSpec(spec);
  const problems = checkSpec(spec, resolved);
  return problems.length > 0 ? { valid: false, problems } : { valid: true, spec, resolved };
}
