/**
 * The ajv validator of the schema, with the CEL rules evaluated as a keyword, and the
 * translation of ajv's errors into problems that name the field.
 */
import { Ajv, type AnySchemaObject, type ErrorObject, type SchemaValidateFunction } from 'ajv';
import { evaluateRule, type TypedSchema } from './cel-rules.js';
import { MistralDeploymentManifest } from './mistral-deployment.js';
import type { Problem } from './problem.js';
import type { CelRule } from './schema-types.js';
import { MistralDeploymentSpec } from './spec-schema.js';

// strictTypes off: a quantity is int-or-string with its pattern beside the anyOf, the form
// Kubernetes requires; ajv's strict mode wants a string type next to a pattern.
const ajv = new Ajv({ allErrors: true, verbose: true, strictTypes: false });
ajv.addVocabulary([
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
]);
ajv.addKeyword({
  keyword: 'x-kubernetes-validations',
  schemaType: 'array',
  errors: true,
  validate: validateCelRules,
});

const validateManifest = ajv.compile(MistralDeploymentManifest);
const validateSpecSchema = ajv.compile(MistralDeploymentSpec);

/** Problems the schema and its CEL rules find in a MistralDeployment manifest. */
export function checkManifestSchema(manifest: unknown): Problem[] {
  if (validateManifest(manifest)) return [];
  return toProblems(validateManifest.errors ?? [], '');
}

/** Problems the schema and its CEL rules find in the `spec` of a MistralDeployment. */
export function checkSpecSchema(spec: unknown): Problem[] {
  if (validateSpecSchema(spec)) return [];
  return toProblems(validateSpecSchema.errors ?? [], 'spec');
}

function validateCelRules(
  rules: CelRule[],
  data: unknown,
  parentSchema?: AnySchemaObject,
  dataCxt?: { instancePath: string },
): boolean {
  const failed = rules.filter((rule) => !holds(rule, data, parentSchema ?? {}));
  const keyword = validateCelRules as SchemaValidateFunction;
  keyword.errors = failed.map((rule) => ({
    instancePath: (dataCxt?.instancePath ?? '') + toPointer(rule.fieldPath),
    message: rule.message,
    params: { rule: rule.rule },
  }));
  return failed.length === 0;
}

function holds(rule: CelRule, data: unknown, schema: AnySchemaObject): boolean {
  try {
    return evaluateRule(rule.rule, data, schema as TypedSchema);
  } catch {
    // The API server reports a rule that cannot evaluate as a failure of that rule.
    return false;
  }
}

function toPointer(fieldPath: string | undefined): string {
  return fieldPath === undefined ? '' : fieldPath.replaceAll('.', '/');
}

function toProblems(errors: readonly ErrorObject[], root: string): Problem[] {
  // An int-or-string value fails both branches of its anyOf; the anyOf error says it once.
  const relevant = errors.filter((error) => !error.schemaPath.includes('/anyOf/'));
  const problems = relevant.map((error) => toProblem(error, root));
  return problems.filter((p, i) => problems.findIndex((q) => sameProblem(p, q)) === i);
}

function sameProblem(a: Problem, b: Problem): boolean {
  return a.field === b.field && a.message === b.message;
}

function toProblem(error: ErrorObject, root: string): Problem {
  const field = toFieldPath(error.instancePath, root);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return required(joinField(field, String(params.missingProperty)));
    case 'additionalProperties':
      return unknownField(joinField(field, String(params.additionalProperty)));
    case 'enum':
      return notSupported(field, params.allowedValues as unknown[]);
    case 'type':
      return invalid(field, 'FieldValueTypeInvalid', `must be of type ${String(params.type)}`);
    default:
      return invalid(field, 'FieldValueInvalid', describeInvalid(error));
  }
}

function describeInvalid(error: ErrorObject): string {
  const schema = error.parentSchema as AnySchemaObject | undefined;
  if (schema?.['x-kubernetes-int-or-string'] === true) {
    return 'must be a quantity such as 16Gi, 500m or 8';
  }
  return error.message ?? 'is invalid';
}

function required(field: string): Problem {
  return { field, reason: 'FieldValueRequired', message: 'is required' };
}

function unknownField(field: string): Problem {
  return {
    field,
    reason: 'FieldValueUnknown',
    message: 'is not a field of MistralDeployment; `kubectl explain` lists the fields',
  };
}

function notSupported(field: string, allowed: readonly unknown[]): Problem {
  const values = allowed.map((v) => JSON.stringify(v)).join(', ');
  return { field, reason: 'FieldValueNotSupported', message: `must be one of ${values}` };
}

function invalid(field: string, reason: string, message: string): Problem {
  return { field, reason, message };
}

/** `/spec/vllm/extraArgs/2` becomes `spec.vllm.extraArgs[2]`. */
function toFieldPath(instancePath: string, root: string): string {
  const segments = instancePath.split('/').slice(1);
  return segments.reduce((path, raw) => joinField(path, unescapePointer(raw)), root);
}

function joinField(path: string, segment: string): string {
  if (/^[0-9]+$/.test(segment)) return `${path}[${segment}]`;
  return path === '' ? segment : `${path}.${segment}`;
}

function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}
