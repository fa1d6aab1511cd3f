/**
 * The operator never takes over an object it does not control. A Service that was already
 * there under the name a MistralDeployment needs is left exactly as it was, the conflict is
 * reported as a condition and an Event, and deleting the MistralDeployment does not delete
 * the Service. Once the Service is gone, the MistralDeployment is served.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { V1Service } from '@kubernetes/client-node';
import { eventually, never } from '../support/eventually.js';
import {
  ONE_GPU_SPEC,
  conditionIn,
  eventsAbout,
  mistralManifest,
} from '../support/mistral-fleet.js';
import { installCrd, startOperator, type OperatorProcess } from '../support/operator.js';
import { deleteNamespace, testNamespace, testPlane, type TestPlane } from '../support/plane.js';
import type { MistralDeployment } from '../../src/api/index.js';

describe('an object of the same name that the operator does not control', () => {
  let plane: TestPlane;
  let ns: string;
  let operator: OperatorProcess | undefined;
  const name = 'taken';

  before(async () => {
    plane = await testPlane();
    await installCrd(plane);
    ns = await testNamespace(plane, 'ownership');
    operator = await startOperator(plane, [`--namespaces=${ns}`, `--lease-name=${ns}`]);
  });

  after(async () => {
    await operator?.stop();
    await plane.kubectl(['delete', 'lease', ns, '-n', 'default', '--ignore-not-found']);
    await deleteNamespace(plane, ns);
  });

  const service = () => plane.kubectlJson<V1Service>(['get', 'service', name, '-n', ns]);
  const md = () =>
    plane.kubectlJson<MistralDeployment>(['get', 'mistraldeployment', name, '-n', ns]);

  it('is left untouched, and the conflict is a Degraded condition and a Warning Event', async () => {
    await plane.kubectl(['create', 'service', 'clusterip', name, '--tcp=80:8080', '-n', ns]);
    const before = await service();
    await plane.kubectl(
      ['apply', '-n', ns, '-f', '-'],
      JSON.stringify(mistralManifest(name, ONE_GPU_SPEC)),
    );

    const degraded = await eventually(
      async () => {
        const found = conditionIn(await md(), 'Degraded');
        assert.equal(found?.reason, 'OwnershipConflict', `Degraded is ${JSON.stringify(found)}`);
        return found;
      },
      { timeoutMs: 20_000, what: 'Degraded=True with reason OwnershipConflict' },
    );
    assert.equal(degraded?.status, 'True', 'Degraded is True');
    assert.match(degraded?.message ?? '', new RegExp(`Service ${ns}/${name} exists`));
    assert.equal(conditionIn(await md(), 'Ready')?.status, 'False', 'not Ready');
    const events = await eventsAbout(plane, ns, name);
    assert.ok(
      events.some((e) => e.reason === 'OwnershipConflict' && e.type === 'Warning'),
      'a Warning Event says why',
    );

    const after = await service();
    assert.deepEqual(after.spec?.ports, before.spec?.ports, 'ports unchanged');
    assert.deepEqual(after.spec?.selector, before.spec?.selector, 'selector unchanged');
    assert.equal(after.metadata?.ownerReferences, undefined, 'no owner reference added');
    assert.equal(
      after.metadata?.resourceVersion,
      before.metadata?.resourceVersion,
      'not written at all',
    );
  });

  it('survives the deletion of the MistralDeployment', async () => {
    const deployments = () => plane.kubectl(['get', 'deployments', '-n', ns, '-o', 'name']);
    assert.equal((await deployments()).trim(), '', 'nothing was created while blocked');
    await plane.kubectl(['delete', 'mistraldeployment', name, '-n', ns, '--wait=true']);
    await never(
      async () =>
        !(await plane.kubectl(['get', 'service', '-n', ns, '-o', 'name'])).includes(
          `service/${name}`,
        ),
      { forMs: 3_000, what: 'the pre-existing Service was deleted with the MistralDeployment' },
    );
  });

  it('stops blocking once the other object is gone', async () => {
    await plane.kubectl(
      ['apply', '-n', ns, '-f', '-'],
      JSON.stringify(mistralManifest(name, ONE_GPU_SPEC)),
    );
    await eventually(
      async () => assert.equal(conditionIn(await md(), 'Degraded')?.reason, 'OwnershipConflict'),
      {
        timeoutMs: 20_000,
      },
    );
    await plane.kubectl(['delete', 'service', name, '-n', ns]);
    // The conflict is looked at again 30 s after it was reported.
    await eventually(
      async () => assert.equal(conditionIn(await md(), 'Ready')?.status, 'True', 'Ready'),
      {
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    const owned = await service();
    assert.equal(owned.metadata?.ownerReferences?.[0]?.uid, (await md()).metadata.uid, 'now owned');
  });
});
