/**
 * Evaluation of the schema's `x-kubernetes-validations` rules outside the API server, so that
 * `mistral-operator render` and the operator refuse what `kubectl apply` would refuse.
 *
 * The API server types CEL values by the schema: an `integer` field is a CEL `int`, a
 * `number` a `double`, and CEL never mixes the two in arithmetic. JSON has one number type,
 * so values are converted by their schema before evaluation, integers becoming BigInts as the
 * CEL library expects.
 */
import { parse, type ParseResult } from '@marcbachmann/cel-js';

/** The part of a JSON schema that decides how a value is typed in CEL. */
export interface TypedSchema {
  type?: string;
  properties?: Record<string, TypedSchema>;
  additionalProperties?: TypedSchema | boolean;
  items?: TypedSchema;
}

const compiled = new Map<string, ParseResult>();

/** Whether `rule` holds for `self`; throws when the rule does not parse or evaluate. */
export function evaluateRule(rule: string, self: unknown, schema: TypedSchema): boolean {
  const program = compiled.get(rule) ?? compileRule(rule);
  return program({ self: toCelValue(self, schema) }) === true;
}

/** Parses `rule` once and keeps the program for later calls. */
export function compileRule(rule: string): ParseResult {
  const program = parse(rule);
  compiled.set(rule, program);
  return program;
}

function toCelValue(value: unknown, schema: TypedSchema | undefined): unknown {
  if (schema === undefined) return value;
  if (schema.type === 'integer' && typeof value === 'number') return BigInt(value);
  if (Array.isArray(value)) return value.map((item) => toCelValue(item, schema.items));
  if (isRecord(value)) return toCelObject(value, schema);
  return value;
}

function toCelObject(value: Record<string, unknown>, schema: TypedSchema): Record<string, unknown> {
  const entries = Object.entries(value).map(([key, field]) => {
    const fieldSchema = schema.properties?.[key] ?? mapValueSchema(schema);
    return [key, toCelValue(field, fieldSchema)] as const;
  });
  return Object.fromEntries(entries);
}

function mapValueSchema(schema: TypedSchema): TypedSchema | undefined {
  return typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
