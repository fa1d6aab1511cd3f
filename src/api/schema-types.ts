/**
 * Schema builders for shapes that TypeBox would otherwise express in a form a Kubernetes
 * structural schema rejects (literal unions become `anyOf` of `const`, records become
 * `patternProperties`), plus the patterns of Kubernetes names shared by several fields.
 */
import { Type, type SchemaOptions, type TSchema, type TUnsafe } from '@sinclair/typebox';

/** A DNS-1123 label: lower-case alphanumerics and `-`, at most 63 characters. */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** A DNS-1123 subdomain: dot-separated DNS labels, at most 253 characters. */
export const DNS_SUBDOMAIN_PATTERN =
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** A label value; empty is allowed. */
export const LABEL_VALUE_PATTERN = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';

/**
 * A resource quantity without sign: digits with an optional decimal part, then a binary or
 * decimal suffix or an exponent. Mirrors the grammar of Kubernetes' resource.Quantity.
 */
export const QUANTITY_PATTERN =
  '^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+))?$';

/** One `x-kubernetes-validations` entry: a CEL rule the API server evaluates. */
export interface CelRule {
  /** CEL expression over `self`, true when the value is valid. */
  rule: string;
  /** What a person reads when the rule fails. */
  message: string;
  /** Path of the offending field relative to `self`, such as `.minReplicas`. */
  fieldPath?: string;
}

/** A string limited to `values`, emitted as a plain `enum`. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/** A map from string keys to string values (labels, annotations, node selectors). */
export function StringMap(options: SchemaOptions = {}): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({
    maxProperties: 64,
    ...options,
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 4096 },
  });
}

/**
 * A resource quantity such as `16Gi` or `8`. YAML reads `cpu: 8` as a number, so the schema
 * takes an integer or a string, the way Kubernetes types its own quantities. The API server
 * accepts `anyOf` here only as exactly these two bare types, so the bounds sit beside it:
 * `pattern` applies to strings and `minimum` to integers.
 */
export function Quantity(options: SchemaOptions = {}): TUnsafe<string | number> {
  return Type.Unsafe<string | number>({
    ...options,
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern: QUANTITY_PATTERN,
    minimum: 0,
  });
}

/**
 * An object Kubernetes types elsewhere (such as a pod's affinity), kept as written: the API
 * server stores unknown fields below it and the pod's own validation checks them.
 */
export function OpaqueObject<T>(options: SchemaOptions = {}): TUnsafe<T> {
  return Type.Unsafe<T>({
    ...options,
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
  });
}

/** The same schema with another description, for a shared shape used by two fields. */
export function described<T extends TSchema>(schema: T, description: string): T {
  return { ...schema, description };
}
