import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderPodDisruptionBudget } from '../../src/render/pod-disruption-budget.js';
import { OWNER } from './fixtures.js';

describe('renderPodDisruptionBudget', () => {
  it('allows one pod at a time to be disrupted, selected like the Deployment', () => {
    const budget = renderPodDisruptionBudget(OWNER);

    assert.equal(budget.apiVersion, 'policy/v1');
    assert.equal(budget.spec?.maxUnavailable, 1);
    assert.deepEqual(budget.spec?.selector?.matchLabels, {
      'serving.mistral-operator.io/mistraldeployment': 'small4',
    });
    assert.equal(budget.metadata?.ownerReferences?.[0]?.uid, OWNER.uid);
  });

  it('lets a drain evict pods that are still loading', () => {
    assert.equal(renderPodDisruptionBudget(OWNER).spec?.unhealthyPodEvictionPolicy, 'AlwaysAllow');
  });
});
