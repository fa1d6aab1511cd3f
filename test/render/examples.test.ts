import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { validateManifest } from '../../src/api/validate-spec.js';
import { renderOwnedObjects } from '../../src/render/owned-objects.js';
import { OWNER } from './fixtures.js';

const examples = new URL('../../examples/', import.meta.url);
const files = readdirSync(examples).filter((f) => f.endsWith('.yaml'));

function load(file: string): unknown {
  return parse(readFileSync(new URL(file, examples), 'utf8'));
}

describe('the examples', () => {
  it('include the minimal, production and small-GPU manifests', () => {
    assert.deepEqual(files.sort(), ['minimal.yaml', 'production.yaml', 'small-gpu.yaml']);
  });

  for (const file of files) {
    it(`${file} is valid and renders a Deployment, Service and PodDisruptionBudget`, () => {
      const result = validateManifest(load(file));
      assert.ok(result.valid, result.valid ? '' : JSON.stringify(result.problems));

      const objects = renderOwnedObjects(OWNER, result.resolved, result.resolved.replicas);
      const kinds = objects.map((o) => o.kind).filter((k) => k !== 'PersistentVolumeClaim');
      assert.deepEqual(kinds, ['Deployment', 'Service', 'PodDisruptionBudget']);
    });
  }

  it('minimal.yaml names nothing but its name', () => {
    const manifest = load('minimal.yaml') as Record<string, unknown>;

    assert.deepEqual(manifest.metadata, { name: 'small4' });
    assert.equal(manifest.spec, undefined);
  });

  it('production.yaml asks for a cache claim, Secrets, resources and autoscaling', () => {
    const result = validateManifest(load('production.yaml'));
    assert.ok(result.valid);
    const { resolved } = result;

    assert.equal(resolved.cache.kind, 'volumeClaim');
    assert.ok(resolved.huggingFaceToken && resolved.apiKey);
    assert.ok(resolved.resources.requests.memory);
    assert.equal(resolved.replicas, 2);
    assert.ok(resolved.autoscaling);
    const kinds = renderOwnedObjects(OWNER, resolved, 2).map((o) => o.kind);
    assert.equal(kinds[0], 'PersistentVolumeClaim');
  });

  it('small-gpu.yaml runs a smaller Mistral model on one GPU without MLA', () => {
    const result = validateManifest(load('small-gpu.yaml'));
    assert.ok(result.valid);
    const { resolved } = result;

    assert.equal(resolved.gpu.count, 1);
    assert.equal(resolved.parallelism.tensor, 1);
    assert.notEqual(resolved.model.name, 'mistralai/Mistral-Small-4-119B-2603');
    assert.equal(resolved.vllm.attentionBackend, undefined);
    assert.equal(resolved.vllm.toolCallParser, 'mistral');
  });
});
