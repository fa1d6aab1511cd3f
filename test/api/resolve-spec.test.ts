import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveSpec } from '../../src/api/resolve-spec.js';
import type { MistralDeploymentSpec } from '../../src/api/spec-schema.js';

describe('resolveSpec', () => {
  it('resolves an empty spec to the reference workload of the design', () => {
    const resolved = resolveSpec({});

    assert.equal(resolved.profile, 'h100x4');
    assert.deepEqual(resolved.model, {
      name: 'mistralai/Mistral-Small-4-119B-2603',
      revision: undefined,
      servedModelName: 'mistralai/Mistral-Small-4-119B-2603',
      maxModelLen: 262144,
    });
    assert.equal(resolved.image.reference, 'mistralllm/vllm-ms4:v0.20.0');
    assert.deepEqual(resolved.gpu, {
      count: 4,
      resourceName: 'nvidia.com/gpu',
      product: 'NVIDIA-H100-80GB-HBM3',
    });
    assert.deepEqual(resolved.parallelism, { tensor: 4, pipeline: 1 });
    assert.equal(resolved.vllm.attentionBackend, 'FLASH_ATTN_MLA');
    assert.equal(resolved.vllm.reasoningParser, 'mistral');
    assert.equal(resolved.vllm.enableAutoToolChoice, true);
    assert.equal(resolved.vllm.toolCallParser, 'mistral');
    assert.equal(resolved.service.port, 8000);
    assert.equal(resolved.replicas, 1);
    assert.equal(resolved.startupTimeoutSeconds, 3600);
    assert.deepEqual(resolved.cache, { kind: 'emptyDir' });
  });

  const profiles = [
    {
      name: 'h200x2 runs the FP8 checkpoint on two H200s',
      profile: 'h200x2',
      expected: {
        gpus: 2,
        tensor: 2,
        model: 'mistralai/Mistral-Small-4-119B-2603',
        backend: 'FLASH_ATTN_MLA',
        product: 'NVIDIA-H200',
      },
    },
    {
      name: 'b200x2 runs the FP8 checkpoint on two B200s',
      profile: 'b200x2',
      expected: {
        gpus: 2,
        tensor: 2,
        model: 'mistralai/Mistral-Small-4-119B-2603',
        backend: 'FLASH_ATTN_MLA',
        product: 'NVIDIA-B200',
      },
    },
    {
      name: 'b200x1-nvfp4 runs the NVFP4 checkpoint with Triton MLA on one B200',
      profile: 'b200x1-nvfp4',
      expected: {
        gpus: 1,
        tensor: 1,
        model: 'mistralai/Mistral-Small-4-119B-2603-NVFP4',
        backend: 'TRITON_MLA',
        product: 'NVIDIA-B200',
      },
    },
  ] as const;
  for (const { name, profile, expected } of profiles) {
    it(name, () => {
      const resolved = resolveSpec({ gpu: { profile } });

      assert.equal(resolved.gpu.count, expected.gpus);
      assert.equal(resolved.parallelism.tensor, expected.tensor);
      assert.equal(resolved.model.name, expected.model);
      assert.equal(resolved.vllm.attentionBackend, expected.backend);
      assert.equal(resolved.gpu.product, expected.product);
    });
  }

  const overrides: {
    name: string;
    spec: MistralDeploymentSpec;
    check: (r: ReturnType<typeof resolveSpec>) => void;
  }[] = [
    {
      name: 'a GPU count alone sets the tensor size to match',
      spec: { gpu: { count: 8 } },
      check: (r) => assert.deepEqual([r.gpu.count, r.parallelism.tensor], [8, 8]),
    },
    {
      name: 'a tensor size alone sets the GPU count to match',
      spec: { parallelism: { tensor: 2 } },
      check: (r) => assert.deepEqual([r.gpu.count, r.parallelism.tensor], [2, 2]),
    },
    {
      name: 'a pipeline size alone shares the profile GPUs over the stages',
      spec: { parallelism: { pipeline: 2 } },
      check: (r) => assert.deepEqual([r.gpu.count, r.parallelism.tensor], [4, 2]),
    },
    {
      name: 'a model set in the spec wins over the profile checkpoint',
      spec: { gpu: { profile: 'b200x1-nvfp4' }, model: { name: 'org/other' } },
      check: (r) => assert.equal(r.model.name, 'org/other'),
    },
    {
      name: 'an unknown model leaves the context length to vLLM',
      spec: { model: { name: 'org/other' } },
      check: (r) => assert.equal(r.model.maxModelLen, undefined),
    },
    {
      name: 'attention backend auto leaves the flag off',
      spec: { vllm: { attentionBackend: 'auto' } },
      check: (r) => assert.equal(r.vllm.attentionBackend, undefined),
    },
    {
      name: 'reasoning parser none leaves the flag off',
      spec: { vllm: { reasoningParser: 'none' } },
      check: (r) => assert.equal(r.vllm.reasoningParser, undefined),
    },
    {
      name: 'an empty GPU product allows any GPU node',
      spec: { gpu: { product: '' } },
      check: (r) => assert.equal(r.gpu.product, ''),
    },
    {
      name: 'an image reference replaces repository and tag',
      spec: { image: { reference: 'registry.example/vllm@sha256:abc' } },
      check: (r) => assert.equal(r.image.reference, 'registry.example/vllm@sha256:abc'),
    },
    {
      name: 'replicas default to the autoscaling minimum',
      spec: { autoscaling: { minReplicas: 3, maxReplicas: 5 } },
      check: (r) => assert.equal(r.replicas, 3),
    },
    {
      name: 'integer quantities become strings',
      spec: { resources: { requests: { cpu: 8 } }, sharedMemorySize: 1073741824 },
      check: (r) =>
        assert.deepEqual([r.resources.requests.cpu, r.sharedMemorySize], ['8', '1073741824']),
    },
    {
      name: 'a volume claim defaults to ReadWriteOnce',
      spec: { cache: { volumeClaim: { size: '300Gi' } } },
      check: (r) =>
        assert.deepEqual(r.cache, {
          kind: 'volumeClaim',
          size: '300Gi',
          storageClassName: undefined,
          accessMode: 'ReadWriteOnce',
        }),
    },
  ];
  for (const { name, spec, check } of overrides) {
    it(name, () => check(resolveSpec(spec)));
  }

  it('leaves the spec it resolves unchanged', () => {
    const spec: MistralDeploymentSpec = { vllm: { extraArgs: ['--x'] }, gpu: { count: 2 } };
    const copy = structuredClone(spec);

    resolveSpec(spec);

    assert.deepEqual(spec, copy);
  });
});
