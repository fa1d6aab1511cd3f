import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Environment } from '@marcbachmann/cel-js';
import type { V1CustomResourceDefinitionSpec } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { CRD_FILE, buildCrd, renderCrdYaml, type WireSchema } from '../../src/api/crd.js';

const repositoryRoot = new URL('../../', import.meta.url);

/** Every key the API server knows in a JSONSchemaProps that this schema may use. */
const KNOWN_KEYS = new Set([
  'type',
  'description',
  'properties',
  'required',
  'items',
  'enum',
  'pattern',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'maxProperties',
  'anyOf',
  'additionalProperties',
  'x-kubernetes-validations',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
]);

interface Visit {
  path: string;
  node: WireSchema;
}

/** Every schema node below `root` with its path, `properties`, `items` and map values included. */
function walk(root: WireSchema, path = ''): Visit[] {
  const children: Visit[] = [];
  const properties = (root.properties ?? {}) as Record<string, WireSchema>;
  for (const [key, child] of Object.entries(properties))
    children.push(...walk(child, `${path}.${key}`));
  if (typeof root.items === 'object') children.push(...walk(root.items as WireSchema, `${path}[]`));
  if (typeof root.additionalProperties === 'object') {
    children.push(...walk(root.additionalProperties as WireSchema, `${path}{}`));
  }
  return [{ path, node: root }, ...children];
}

function rootSchema(): WireSchema {
  const version = (buildCrd().spec.versions as { schema: { openAPIV3Schema: WireSchema } }[])[0];
  assert.ok(version);
  return version.schema.openAPIV3Schema;
}

/** Field types of a CEL variable, in the form the CEL library declares them. */
interface CelSchema {
  [field: string]: string | CelSchema;
}

/** The CEL type of a schema node. */
function celType(node: WireSchema): string | CelSchema {
  if (node['x-kubernetes-int-or-string'] === true) return 'dyn';
  if (node['x-kubernetes-preserve-unknown-fields'] === true) return 'map<string, dyn>';
  switch (node.type) {
    case 'integer':
      return 'int';
    case 'number':
      return 'double';
    case 'boolean':
      return 'bool';
    case 'array':
      return 'list<dyn>';
    case 'object':
      return node.properties === undefined ? 'map<string, string>' : objectCelType(node);
    default:
      return 'string';
  }
}

function objectCelType(node: WireSchema): CelSchema {
  const properties = node.properties as Record<string, WireSchema>;
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, celType(v)]));
}

describe('the generated CRD', () => {
  it('matches the committed file; run `npm run generate` after changing the schema', () => {
    const committed = readFileSync(new URL(CRD_FILE, repositoryRoot), 'utf8');

    assert.equal(committed, renderCrdYaml());
  });

  it('parses back to the object it was written from', () => {
    assert.deepEqual(parse(renderCrdYaml()), buildCrd());
  });

  it('declares the group, names, scope and subresources of the design', () => {
    const spec = buildCrd().spec as unknown as V1CustomResourceDefinitionSpec;
    const [version] = spec.versions;

    assert.equal(spec.group, 'serving.mistral-operator.io');
    assert.equal(spec.scope, 'Namespaced');
    assert.deepEqual(spec.names.shortNames, ['mistral', 'mdep']);
    assert.equal(spec.names.plural, 'mistraldeployments');
    assert.deepEqual(version?.subresources, {
      status: {},
      scale: {
        specReplicasPath: '.spec.replicas',
        statusReplicasPath: '.status.replicas',
        labelSelectorPath: '.status.selector',
      },
    });
    assert.deepEqual(
      version?.additionalPrinterColumns?.map((c) => c.name),
      ['Model', 'Replicas', 'Queue', 'Endpoint', 'Ready', 'Age'],
    );
  });

  it('uses only keywords a structural schema allows', () => {
    for (const { path, node } of walk(rootSchema())) {
      const unknown = Object.keys(node).filter((key) => !KNOWN_KEYS.has(key));
      assert.deepEqual(unknown, [], `at ${path || 'the root'}`);
    }
  });

  it('gives every node a type, as a structural schema requires', () => {
    for (const { path, node } of walk(rootSchema())) {
      const exempt = node['x-kubernetes-int-or-string'] === true;
      assert.ok(exempt || typeof node.type === 'string', `no type at ${path}`);
      if (node.properties !== undefined) assert.equal(node.type, 'object', path);
      if (node.properties !== undefined) assert.equal(node.additionalProperties, undefined, path);
      if (node.anyOf !== undefined) {
        assert.ok(exempt, `anyOf outside int-or-string at ${path}`);
        assert.deepEqual(node.anyOf, [{ type: 'integer' }, { type: 'string' }], path);
      }
    }
  });

  it('describes every field for kubectl explain', () => {
    const nodes = walk(rootSchema()).filter(({ path }) => /^\.(spec|status)/.test(path));
    for (const { path, node } of nodes.filter(({ path }) => !/(\[\]|\{\})$/.test(path))) {
      assert.ok(typeof node.description === 'string' && node.description !== '', `at ${path}`);
    }
  });

  it('keys every map-type list by a required field', () => {
    for (const { path, node } of walk(rootSchema())) {
      if (node['x-kubernetes-list-type'] !== 'map') continue;
      const required = ((node.items as WireSchema).required ?? []) as string[];
      for (const key of node['x-kubernetes-list-map-keys'] as string[]) {
        assert.ok(required.includes(key), `${path} keyed by optional ${key}`);
      }
    }
  });

  it('bounds every list, so the API server can estimate the cost of CEL rules', () => {
    for (const { path, node } of walk(rootSchema())) {
      if (node.type === 'array') assert.equal(typeof node.maxItems, 'number', path);
    }
  });

  it('writes CEL rules that type-check against the fields they read', () => {
    const visits = walk(rootSchema()).filter(({ node }) => node['x-kubernetes-validations']);
    assert.ok(visits.length >= 6);
    for (const { path, node } of visits) {
      const env =
        node.type === 'object'
          ? new Environment().registerVariable({ name: 'self', schema: objectCelType(node) })
          : new Environment().registerVariable('self', celType(node) as string);
      for (const { rule, message } of node['x-kubernetes-validations'] as WireSchema[]) {
        const result = env.check(String(rule));
        assert.ok(result.valid, `${path}: ${String(rule)}: ${result.error?.message}`);
        assert.ok(typeof message === 'string' && !message.includes('\n'), path);
      }
    }
  });
});
