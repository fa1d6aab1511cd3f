import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderVllmArgs } from '../../src/render/vllm-args.js';
import { resolved } from './fixtures.js';

describe('renderVllmArgs', () => {
  it('reproduces the reference command of the design for an empty spec', () => {
    assert.deepEqual(renderVllmArgs(resolved()), [
      'mistralai/Mistral-Small-4-119B-2603',
      '--max-model-len',
      '262144',
      '--tensor-parallel-size',
      '4',
      '--attention-backend',
      'FLASH_ATTN_MLA',
      '--reasoning-parser',
      'mistral',
      '--enable-auto-tool-choice',
      '--tool-call-parser',
      'mistral',
      '--served-model-name',
      'mistralai/Mistral-Small-4-119B-2603',
      '--host',
      '0.0.0.0',
      '--port',
      '8000',
    ]);
  });

  const cases = [
    {
      name: 'the NVFP4 profile serves its checkpoint with Triton MLA on one GPU',
      spec: { gpu: { profile: 'b200x1-nvfp4' as const } },
      present: [
        ['mistralai/Mistral-Small-4-119B-2603-NVFP4'],
        ['--attention-backend', 'TRITON_MLA'],
        ['--tensor-parallel-size', '1'],
      ],
      absent: [],
    },
    {
      name: 'a pipeline size above one adds the pipeline flag',
      spec: { gpu: { count: 8 }, parallelism: { pipeline: 2 } },
      present: [
        ['--tensor-parallel-size', '4'],
        ['--pipeline-parallel-size', '2'],
      ],
      absent: [],
    },
    {
      name: 'options turned off leave their flags out',
      spec: {
        vllm: {
          attentionBackend: 'auto',
          reasoningParser: 'none',
          enableAutoToolChoice: false,
          toolCallParser: 'none',
        },
      },
      present: [],
      absent: [
        '--attention-backend',
        '--reasoning-parser',
        '--enable-auto-tool-choice',
        '--tool-call-parser',
        '--pipeline-parallel-size',
      ],
    },
    {
      name: 'a revision, a served name and a memory fraction become flags',
      spec: {
        model: { revision: 'v1.0', servedModelName: 'small4' },
        vllm: { gpuMemoryUtilization: 0.85 },
      },
      present: [
        ['--revision', 'v1.0'],
        ['--served-model-name', 'small4'],
        ['--gpu-memory-utilization', '0.85'],
      ],
      absent: [],
    },
  ];
  for (const { name, spec, present, absent } of cases) {
    it(name, () => {
      const args = renderVllmArgs(resolved(spec));
      for (const pair of present) assert.ok(containsSequence(args, pair), `${pair.join(' ')}`);
      for (const flag of absent) assert.ok(!args.includes(flag), flag);
    });
  }

  it('appends extra arguments last, in their order', () => {
    const args = renderVllmArgs(resolved({ vllm: { extraArgs: ['--max-num-seqs', '128'] } }));

    assert.deepEqual(args.slice(-2), ['--max-num-seqs', '128']);
  });
});

function containsSequence(args: string[], sequence: string[]): boolean {
  return args.some((_, i) => sequence.every((item, j) => args[i + j] === item));
}
