import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderEndpoint } from '../../src/render/endpoint.js';
import { formatSelector } from '../../src/render/metadata.js';
import { OWNER, resolved } from './fixtures.js';

describe('renderEndpoint', () => {
  it('points at the Service in the cluster and names the served model', () => {
    assert.deepEqual(renderEndpoint(OWNER, resolved()), {
      url: 'http://small4.llm.svc.cluster.local:8000/v1',
      model: 'mistralai/Mistral-Small-4-119B-2603',
    });
  });

  it('follows the Service port and the served model name of the spec', () => {
    const spec = { service: { port: 80 }, model: { servedModelName: 'small4' } };

    assert.deepEqual(renderEndpoint(OWNER, resolved(spec)), {
      url: 'http://small4.llm.svc.cluster.local:80/v1',
      model: 'small4',
    });
  });
});

describe('formatSelector', () => {
  it('writes the pod selector the way the scale subresource reads it', () => {
    assert.equal(formatSelector('small4'), 'serving.mistral-operator.io/mistraldeployment=small4');
  });
});
