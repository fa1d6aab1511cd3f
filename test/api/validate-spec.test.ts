import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateManifest, validateSpec } from '../../src/api/validate-spec.js';
import { CHECK_INVALID_SPECS, SCHEMA_INVALID_SPECS } from './spec-cases.js';

const manifest = (spec: unknown, name = 'small4') => ({
  apiVersion: 'serving.mistral-operator.io/v1alpha1',
  kind: 'MistralDeployment',
  metadata: { name },
  spec,
});

describe('validateSpec', () => {
  for (const { name, spec, field, reason } of [...SCHEMA_INVALID_SPECS, ...CHECK_INVALID_SPECS]) {
    it(`refuses ${name}, naming ${field}`, () => {
      const result = validateSpec(spec);

      assert.equal(result.valid, false);
      assert.ok(!result.valid);
      const problem = result.problems.find((p) => p.field === field);
      assert.ok(problem, `no problem at ${field}: ${JSON.stringify(result.problems)}`);
      assert.equal(problem.reason, reason);
      assert.ok(problem.message.length > 0);
    });
  }

  it('finds at least five distinct problems only the operator can catch', () => {
    const reasons = new Set(CHECK_INVALID_SPECS.map((c) => c.reason));

    assert.ok(reasons.size >= 5, `only ${[...reasons].join(', ')}`);
    for (const { spec } of CHECK_INVALID_SPECS) {
      assert.equal(validateManifest(manifest(spec)).valid, false);
    }
  });

  it('reports an unknown field by its path', () => {
    const result = validateSpec({ vllm: { extraArg: ['--x'] } });

    assert.ok(!result.valid);
    assert.deepEqual(
      result.problems.map((p) => [p.field, p.reason]),
      [['spec.vllm.extraArg', 'FieldValueUnknown']],
    );
  });

  const valid = [
    { name: 'an empty spec', spec: {} },
    { name: 'no spec at all', spec: undefined },
    {
      name: 'a GPU count with a matching tensor size',
      spec: { gpu: { count: 8 }, parallelism: { tensor: 4, pipeline: 2 } },
    },
    {
      name: 'an image reference alone',
      spec: { image: { reference: 'registry.example/vllm@sha256:0a1b' } },
    },
    {
      name: 'tool calls turned off',
      spec: { vllm: { enableAutoToolChoice: false, toolCallParser: 'none' } },
    },
    {
      name: 'quantities written as integers',
      spec: { resources: { requests: { cpu: 8, memory: 68719476736 } } },
    },
    {
      name: 'a node selector that repeats the GPU product',
      spec: { nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } },
    },
    {
      name: 'shared memory below the memory limit',
      spec: { sharedMemorySize: '16Gi', resources: { limits: { memory: '64Gi' } } },
    },
  ];
  for (const { name, spec } of valid) {
    it(`accepts ${name}`, () => {
      const result = validateSpec(spec);

      assert.deepEqual(result.valid ? [] : result.problems, []);
    });
  }
});

describe('validateManifest', () => {
  it('accepts a manifest with only a name', () => {
    const result = validateManifest({ ...manifest(undefined), spec: undefined });

    assert.ok(result.valid);
    assert.equal(result.resolved.gpu.count, 4);
  });

  const invalid = [
    { name: 'another kind', patch: { kind: 'Deployment' }, field: 'kind' },
    {
      name: 'another version',
      patch: { apiVersion: 'serving.mistral-operator.io/v1' },
      field: 'apiVersion',
    },
    { name: 'no name', patch: { metadata: {} }, field: 'metadata.name' },
    { name: 'an upper-case name', patch: { metadata: { name: 'Small4' } }, field: 'metadata.name' },
  ];
  for (const { name, patch, field } of invalid) {
    it(`refuses a manifest with ${name}`, () => {
      const result = validateManifest({ ...manifest({}), ...patch });

      assert.ok(!result.valid);
      assert.ok(
        result.problems.some((p) => p.field === field),
        JSON.stringify(result.problems),
      );
    });
  }
});
