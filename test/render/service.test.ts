import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderService } from '../../src/render/service.js';
import { OWNER, resolved } from './fixtures.js';

describe('renderService', () => {
  it('exposes port 8000 as http on a ClusterIP Service by default', () => {
    const service = renderService(OWNER, resolved());

    assert.equal(service.metadata?.name, 'small4');
    assert.equal(service.spec?.type, 'ClusterIP');
    assert.deepEqual(service.spec?.ports, [
      { name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' },
    ]);
    assert.deepEqual(service.spec?.selector, {
      'serving.mistral-operator.io/mistraldeployment': 'small4',
    });
    assert.equal(service.metadata?.annotations, undefined);
  });

  it('takes type, port and sorted annotations from the spec', () => {
    const service = renderService(
      OWNER,
      resolved({
        service: { type: 'LoadBalancer', port: 443, annotations: { z: '1', a: '2' } },
      }),
    );

    assert.equal(service.spec?.type, 'LoadBalancer');
    assert.equal(service.spec?.ports?.[0]?.port, 443);
    assert.deepEqual(Object.keys(service.metadata?.annotations ?? {}), ['a', 'z']);
  });

  it('gets a valid Service name for an object name with dots', () => {
    const service = renderService({ ...OWNER, name: 'mistral.small' }, resolved());

    assert.match(service.metadata?.name ?? '', /^mistral-small-[0-9a-f]{8}$/);
  });
});
