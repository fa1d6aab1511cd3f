import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderCacheClaim } from '../../src/render/cache-claim.js';
import { OWNER, resolved } from './fixtures.js';

describe('renderCacheClaim', () => {
  const without = [
    { name: 'no cache', spec: {} },
    { name: 'an existing claim', spec: { cache: { existingClaim: 'models' } } },
  ];
  for (const { name, spec } of without) {
    it(`renders no claim for ${name}`, () => {
      assert.equal(renderCacheClaim(OWNER, resolved(spec)), undefined);
    });
  }

  it('renders an owned claim of the requested size, class and access mode', () => {
    const claim = renderCacheClaim(
      OWNER,
      resolved({
        cache: {
          volumeClaim: { size: '300Gi', storageClassName: 'fast', accessMode: 'ReadWriteMany' },
        },
      }),
    );

    assert.equal(claim?.metadata?.name, 'small4-model-cache');
    assert.deepEqual(claim?.spec, {
      accessModes: ['ReadWriteMany'],
      resources: { requests: { storage: '300Gi' } },
      storageClassName: 'fast',
    });
    assert.equal(claim?.metadata?.ownerReferences?.[0]?.controller, true);
  });

  it('leaves the storage class to the cluster when the spec names none', () => {
    const claim = renderCacheClaim(OWNER, resolved({ cache: { volumeClaim: { size: 500 } } }));

    assert.equal(claim?.spec?.storageClassName, undefined);
    assert.deepEqual(claim?.spec?.resources?.requests, { storage: '500' });
  });
});
