/**
 * Bad specs, end to end. What the schema and its CEL rules can see, the API server refuses at
 * `kubectl apply`, naming the field. What only the operator can see becomes `Degraded=True`
 * and `Ready=False` with a reason and a Warning Event, and the operator keeps serving the
 * rest; a corrected spec clears it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MistralDeployment } from '../../src/api/index.js';
import { CHECK_INVALID_SPECS, SCHEMA_INVALID_SPECS, type SpecCase } from '../api/spec-cases.js';
import { eventually } from '../support/eventually.js';
import {
  ONE_GPU_SPEC,
  conditionIn,
  eventsAbout,
  listMistral,
  mistralManifest,
  waitForAllReady,
} from '../support/mistral-fleet.js';
import { installCrd, startOperator, type OperatorProcess } from '../support/operator.js';
import { deleteNamespace, testNamespace, testPlane, type TestPlane } from '../support/plane.js';

/** A spec the operator only finds wrong once the cluster answers, and how it shows. */
interface ClusterCase {
  name: string;
  spec: Record<string, unknown>;
  reason: string;
  /** Text the Degraded message must carry, so a person knows what to fix. */
  says: string;
}

/** Specs that pass the schema and the operator's checks, and that the cluster cannot run. */
const CLUSTER_INVALID_SPECS: readonly ClusterCase[] = [
  {
    name: 'a PriorityClass that does not exist (the ReplicaSet cannot create pods)',
    spec: { ...ONE_GPU_SPEC, priorityClassName: 'no-such-priority' },
    reason: 'PodCreationFailed',
    says: 'no PriorityClass with name no-such-priority',
  },
  {
    name: 'a node selector value that is not a valid label value',
    spec: { ...ONE_GPU_SPEC, nodeSelector: { zone: 'eu west!' } },
    reason: 'RejectedByApiServer',
    says: 'spec.template.spec.nodeSelector',
  },
  {
    // Affinity is free-form in the CRD; server-side apply refuses the unknown field with an
    // internal error about the typed patch, which no retry can fix.
    name: 'an affinity with a field Kubernetes does not know',
    spec: { ...ONE_GPU_SPEC, affinity: { fooAffinity: { a: 'b' } } },
    reason: 'RejectedByApiServer',
    says: 'fooAffinity',
  },
];

const caseName = (prefix: string, index: number) => `${prefix}-${String(index).padStart(2, '0')}`;

describe('invalid manifests', () => {
  let plane: TestPlane;
  let ns: string;
  let operator: OperatorProcess | undefined;

  before(async () => {
    plane = await testPlane();
    await installCrd(plane);
    ns = await testNamespace(plane, 'invalid');
    operator = await startOperator(plane, [`--namespaces=${ns}`, `--lease-name=${ns}`]);
  });

  after(async () => {
    await operator?.stop();
    await plane.kubectl(['delete', 'lease', ns, '-n', 'default', '--ignore-not-found']);
    await deleteNamespace(plane, ns);
  });

  const apply = (md: MistralDeployment) =>
    plane.kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(md));

  const md = (name: string) =>
    plane.kubectlJson<MistralDeployment>(['get', 'mistraldeployment', name, '-n', ns]);

  describe('refused by the API server with the field named', () => {
    SCHEMA_INVALID_SPECS.forEach((specCase: SpecCase, index) => {
      it(`refuses ${specCase.name}, naming ${specCase.field}`, async () => {
        const refusal = await apply(mistralManifest(caseName('schema', index), specCase.spec)).then(
          (stdout) => assert.fail(`kubectl apply accepted it: ${stdout.trim()}`),
          (error: Error) => error.message,
        );
        assert.match(refusal, /is invalid/, 'not a validation error');
        assert.ok(
          refusal.includes(specCase.field),
          `the refusal does not name ${specCase.field}: ${refusal}`,
        );
      });
    });

    it('stored none of the refused manifests', async () => {
      const stored = (await listMistral(plane, ns)).map((found) => found.metadata.name);
      const refused = stored.filter((name) => name.startsWith('schema-'));
      assert.deepEqual(refused, [], 'refused manifests were stored');
    });
  });

  describe('accepted by the API server, refused by the operator', () => {
    CHECK_INVALID_SPECS.forEach((specCase: SpecCase, index) => {
      it(`reports ${specCase.name} as Degraded with reason ${specCase.reason}`, async () => {
        const name = caseName('check', index);
        await apply(mistralManifest(name, specCase.spec));
        const found = await eventually(
          async () => {
            const live = await md(name);
            const degraded = conditionIn(live, 'Degraded');
            assert.equal(live.status?.observedGeneration, live.metadata.generation);
            assert.equal(degraded?.status, 'True', `Degraded=${degraded?.status}`);
            return live;
          },
          { timeoutMs: 20_000, intervalMs: 100, what: `${name} Degraded` },
        );
        const degraded = conditionIn(found, 'Degraded');
        const ready = conditionIn(found, 'Ready');
        assert.equal(degraded?.reason, specCase.reason);
        assert.ok(
          degraded?.message?.includes(specCase.field),
          `the Degraded message does not name ${specCase.field}: ${degraded?.message}`,
        );
        assert.equal(ready?.status, 'False', 'Ready is not False');
        assert.equal(ready?.reason, specCase.reason);
        await assertWarningEvent(name, specCase.reason);
        const deployments = await plane.kubectl(['get', 'deployments', '-n', ns, '-o', 'name']);
        assert.doesNotMatch(deployments, new RegExp(`/${name}$`, 'm'), 'a Deployment was made');
      });
    });

    CLUSTER_INVALID_SPECS.forEach((clusterCase, index) => {
      it(`reports ${clusterCase.name} as Degraded with reason ${clusterCase.reason}`, async () => {
        const name = caseName('cluster', index);
        await apply(mistralManifest(name, clusterCase.spec));
        const found = await eventually(
          async () => {
            const live = await md(name);
            const degraded = conditionIn(live, 'Degraded');
            assert.equal(degraded?.status, 'True', `Degraded=${degraded?.status}`);
            return live;
          },
          { timeoutMs: 30_000, intervalMs: 100, what: `${name} Degraded` },
        );
        const degraded = conditionIn(found, 'Degraded');
        assert.equal(degraded?.reason, clusterCase.reason);
        assert.ok(
          degraded?.message?.includes(clusterCase.says),
          `the Degraded message does not say "${clusterCase.says}": ${degraded?.message}`,
        );
        assert.equal(conditionIn(found, 'Ready')?.status, 'False', 'Ready is not False');
        await assertWarningEvent(name, clusterCase.reason);
      });
    });

    it('keeps running: answers /healthz and still serves a valid MistralDeployment', async () => {
      const running = operator!;
      assert.equal(running.child.exitCode, null, 'the operator exited');
      assert.equal(running.child.signalCode, null, 'the operator was killed');
      const health = await fetch(`${running.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
      assert.equal(health.status, 200, '/healthz');
      await apply(mistralManifest('valid-after', ONE_GPU_SPEC));
      await waitForAllReady(plane, ns, ['valid-after'], 30_000);
      const failures = running.logs().filter((line) => line.message === 'operator failed');
      assert.deepEqual(failures, [], 'the operator logged a failure');
    });

    it('clears Degraded once the spec is corrected', async () => {
      const index = CHECK_INVALID_SPECS.findIndex((c) => c.reason === 'MaxModelLenExceedsModel');
      assert.ok(index >= 0, 'the shared table lost its context-length case');
      const name = caseName('check', index);
      const before = await md(name);
      assert.equal(conditionIn(before, 'Degraded')?.status, 'True', 'not Degraded to begin with');
      await apply(mistralManifest(name, { model: { maxModelLen: 262144 } }));
      const fixed = await waitForAllReady(plane, ns, [name], 30_000);
      const degraded = conditionIn(fixed[0]!, 'Degraded');
      assert.equal(degraded?.status, 'False', `Degraded=${degraded?.status}`);
      assert.equal(degraded?.reason, 'AsExpected');
      assert.ok(
        (fixed[0]?.metadata.generation ?? 0) > (before.metadata.generation ?? 0),
        'the correction did not make a new generation',
      );
    });
  });

  async function assertWarningEvent(name: string, reason: string): Promise<void> {
    await eventually(
      async () => {
        const events = await eventsAbout(plane, ns, name);
        const warning = events.find((e) => e.type === 'Warning' && e.reason === reason);
        assert.ok(
          warning,
          `no Warning event ${reason}: ${events.map((e) => `${e.type}/${e.reason}`).join(', ')}`,
        );
      },
      { timeoutMs: 10_000, intervalMs: 200, what: `a Warning event ${reason} about ${name}` },
    );
  }
});
