/**
 * The life of a MistralDeployment after it first serves: a spec change rolls the vLLM
 * Deployment and status follows it; hand edits of owned objects are reverted; deleting the
 * MistralDeployment lets the garbage collector remove everything it owned.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type {
  KubernetesObject,
  V1Deployment,
  V1Pod,
  V1ReplicaSet,
  V1Service,
} from '@kubernetes/client-node';
import { eventually, never } from '../support/eventually.js';
import { installCrd } from '../support/operator.js';
import { deleteNamespace, testNamespace, testPlane, type TestPlane } from '../support/plane.js';
import {
  MINIMAL_EXAMPLE,
  MINIMAL_NAME as NAME,
  SELECTOR_LABEL,
  conditionOf,
  flagValue,
  getMistralDeployment,
  startNamespaceOperator,
  stopNamespaceOperator,
  type List,
  type NamespaceOperator,
} from '../support/mistral-e2e.js';

/** The minimal example with a shorter context, as a person would edit it in Git. */
const shorterContext = {
  apiVersion: 'serving.mistral-operator.io/v1alpha1',
  kind: 'MistralDeployment',
  metadata: { name: NAME },
  spec: { model: { maxModelLen: 131072 } },
};

/** The vLLM arguments of a Deployment's pod template, or of a pod. */
function argsOf(object: V1Deployment | V1Pod): string[] {
  const spec = object.spec;
  const podSpec = spec && 'template' in spec ? spec.template.spec : spec;
  return podSpec?.containers[0]?.args ?? [];
}

const ownerName = (object: KubernetesObject) =>
  object.metadata?.ownerReferences?.find((ref) => ref.controller)?.name;

describe('the life of a MistralDeployment', () => {
  let plane: TestPlane;
  let ns: string;
  let operator: NamespaceOperator | undefined;

  before(async () => {
    plane = await testPlane();
    await installCrd(plane);
    ns = await testNamespace(plane, 'e2e-lifecycle');
    operator = await startNamespaceOperator(plane, ns);
    await plane.kubectl(['apply', '-n', ns, '-f', MINIMAL_EXAMPLE]);
    await waitUntilReady();
  });

  after(async () => {
    await stopNamespaceOperator(plane, operator);
    if (ns) await deleteNamespace(plane, ns);
  });

  const get = <T>(kind: string, name = NAME) => plane.kubectlJson<T>(['get', kind, name, '-n', ns]);
  const list = async <T>(kind: string) =>
    (await plane.kubectlJson<List<T>>(['get', kind, '-n', ns, '-l', `${SELECTOR_LABEL}=${NAME}`]))
      .items;

  /** Waits until the MistralDeployment is Ready for its current generation. */
  async function waitUntilReady(timeoutMs = 60_000) {
    return eventually(
      async () => {
        const md = await getMistralDeployment(plane, ns, NAME);
        const ready = conditionOf(md, 'Ready');
        assert.equal(ready?.status, 'True', `Ready is ${ready?.status}: ${ready?.message}`);
        assert.equal(md.status?.observedGeneration, md.metadata.generation, 'observedGeneration');
        return md;
      },
      { timeoutMs, intervalMs: 200, what: 'the MistralDeployment Ready at its generation' },
    );
  }

  describe('a change of maxModelLen from 262144 to 131072', () => {
    let baseline: { deployment: V1Deployment; replicaSets: string[]; generation: number };

    it('bumps the generation of the MistralDeployment', async () => {
      const md = await getMistralDeployment(plane, ns, NAME);
      const deployment = await get<V1Deployment>('deployment');
      const replicaSets = (await list<V1ReplicaSet>('replicasets')).map((rs) => rs.metadata!.name!);
      assert.equal(flagValue(argsOf(deployment), '--max-model-len'), '262144');
      assert.equal(replicaSets.length, 1, `one ReplicaSet before the change: ${replicaSets}`);
      baseline = { deployment, replicaSets, generation: md.metadata.generation ?? 0 };

      await plane.kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(shorterContext));
      const changed = await getMistralDeployment(plane, ns, NAME);
      assert.equal(changed.metadata.generation, baseline.generation + 1);
    });

    it('rolls the Deployment onto a new ReplicaSet whose pod runs with the new length', async () => {
      const deployment = await eventually(
        async () => {
          const found = await get<V1Deployment>('deployment');
          assert.equal(flagValue(argsOf(found), '--max-model-len'), '131072', 'Deployment args');
          return found;
        },
        { timeoutMs: 10_000, intervalMs: 100, what: 'the new length in the Deployment' },
      );
      assert.ok(
        (deployment.metadata?.generation ?? 0) > (baseline.deployment.metadata?.generation ?? 0),
        `Deployment generation ${deployment.metadata?.generation} grew`,
      );
      assert.ok(!argsOf(deployment).includes('262144'), `old length gone: ${argsOf(deployment)}`);

      const { fresh, pod } = await eventually(
        async () => {
          const sets = await list<V1ReplicaSet>('replicasets');
          const newSets = sets.filter((rs) => !baseline.replicaSets.includes(rs.metadata!.name!));
          assert.equal(newSets.length, 1, `one new ReplicaSet among ${sets.length}`);
          const old = sets.filter((rs) => baseline.replicaSets.includes(rs.metadata!.name!));
          assert.deepEqual(
            old.map((rs) => rs.spec?.replicas),
            [0],
            'the old ReplicaSet is scaled to zero',
          );
          const pods = await list<V1Pod>('pods');
          assert.equal(pods.length, 1, `one pod, got ${pods.map((p) => p.metadata?.name)}`);
          const ready = pods[0]?.status?.conditions?.find((c) => c.type === 'Ready');
          assert.equal(ready?.status, 'True', 'the new pod is Ready');
          return { fresh: newSets[0]!, pod: pods[0]! };
        },
        { timeoutMs: 60_000, intervalMs: 250, what: 'the rollout to a new ReplicaSet' },
      );
      assert.equal(ownerName(pod), fresh.metadata?.name, 'the pod belongs to the new ReplicaSet');
      assert.equal(flagValue(argsOf(pod), '--max-model-len'), '131072', 'pod args');
    });

    it('is reflected in status: observedGeneration follows and Ready returns', async () => {
      const md = await waitUntilReady();
      assert.equal(md.metadata.generation, baseline.generation + 1);
      assert.equal(md.status?.observedGeneration, baseline.generation + 1);
      for (const condition of md.status?.conditions ?? []) {
        assert.equal(condition.observedGeneration, baseline.generation + 1, condition.type);
      }
      assert.equal(md.status?.readyReplicasText, '1/1');
    });
  });

  describe('a hand edit of an owned object', () => {
    interface Edit {
      name: string;
      /** Makes the edit with kubectl and returns what the object now says. */
      edit: () => Promise<unknown>;
      /** What the edit set, to show it took effect before the operator undid it. */
      edited: unknown;
      /** Reads the edited field. */
      read: () => Promise<unknown>;
      /** The operator's value. */
      wanted: unknown;
    }

    const patch = (kind: string, ops: unknown[]) =>
      plane
        .kubectl([
          'patch',
          kind,
          NAME,
          '-n',
          ns,
          '--type=json',
          '-p',
          JSON.stringify(ops),
          '-o',
          'json',
        ])
        .then((out) => JSON.parse(out) as V1Deployment & V1Service);
    const maxModelLen = (d: V1Deployment) => flagValue(argsOf(d), '--max-model-len');
    const servicePort = (s: V1Service) => s.spec?.ports?.map((p) => p.port);
    const uid = (kind: string) =>
      get<KubernetesObject>(kind).then(
        (o) => o.metadata?.uid,
        () => undefined,
      );
    let uidBefore: string | undefined;

    const edits: Edit[] = [
      {
        name: 'reverts a changed vLLM argument in the Deployment',
        edit: async () => {
          const at = argsOf(await get<V1Deployment>('deployment')).indexOf('131072');
          const path = `/spec/template/spec/containers/0/args/${at}`;
          return maxModelLen(await patch('deployment', [{ op: 'replace', path, value: '4096' }]));
        },
        edited: '4096',
        read: async () => maxModelLen(await get<V1Deployment>('deployment')),
        wanted: '131072',
      },
      {
        name: 'reverts an argument appended to the vLLM command',
        edit: async () =>
          argsOf(
            await patch('deployment', [
              {
                op: 'add',
                path: '/spec/template/spec/containers/0/args/-',
                value: '--enforce-eager',
              },
            ]),
          ).includes('--enforce-eager'),
        edited: true,
        read: async () => argsOf(await get<V1Deployment>('deployment')).includes('--enforce-eager'),
        wanted: false,
      },
      {
        name: 'reverts a scaled Deployment to the replicas of the spec',
        edit: async () => {
          const scaled = await plane.kubectl([
            'scale',
            'deployment',
            NAME,
            '-n',
            ns,
            '--replicas=2',
            '-o',
            'json',
          ]);
          return (JSON.parse(scaled) as V1Deployment).spec?.replicas;
        },
        edited: 2,
        read: async () => (await get<V1Deployment>('deployment')).spec?.replicas,
        wanted: 1,
      },
      {
        name: 'reverts a changed Service port',
        edit: async () =>
          servicePort(
            await patch('service', [{ op: 'replace', path: '/spec/ports/0/port', value: 9000 }]),
          ),
        edited: [9000],
        read: async () => servicePort(await get<V1Service>('service')),
        wanted: [8000],
      },
      {
        name: 'recreates a deleted Service',
        edit: async () => {
          uidBefore = await uid('service');
          assert.ok(uidBefore, 'the Service exists before the deletion');
          await plane.kubectl(['delete', 'service', NAME, '-n', ns]);
          return 'deleted';
        },
        edited: 'deleted',
        read: async () => {
          const now = await uid('service');
          return now !== undefined && now !== uidBefore ? 'recreated' : 'missing';
        },
        wanted: 'recreated',
      },
      {
        name: 'recreates a deleted PodDisruptionBudget',
        edit: async () => {
          uidBefore = await uid('poddisruptionbudget');
          assert.ok(uidBefore, 'the PodDisruptionBudget exists before the deletion');
          await plane.kubectl(['delete', 'poddisruptionbudget', NAME, '-n', ns]);
          return 'deleted';
        },
        edited: 'deleted',
        read: async () => {
          const now = await uid('poddisruptionbudget');
          return now !== undefined && now !== uidBefore ? 'recreated' : 'missing';
        },
        wanted: 'recreated',
      },
    ];

    for (const c of edits) {
      it(c.name, async () => {
        assert.deepEqual(await c.edit(), c.edited, 'the edit took effect');
        await eventually(async () => assert.deepEqual(await c.read(), c.wanted, 'reverted'), {
          timeoutMs: 15_000,
          intervalMs: 100,
          what: c.name,
        });
      });
    }

    it('leaves the MistralDeployment Ready once the edits are undone', async () => {
      const md = await waitUntilReady();
      assert.equal(md.status?.readyReplicasText, '1/1');
      const pods = await eventually(
        async () => {
          const found = await list<V1Pod>('pods');
          assert.equal(found.length, 1, `one pod, got ${found.length}`);
          return found;
        },
        { timeoutMs: 30_000, what: 'one vLLM pod again' },
      );
      assert.equal(flagValue(argsOf(pods[0]!), '--max-model-len'), '131072');
    });
  });

  describe('deleting the MistralDeployment', () => {
    const ownedKinds = ['deployments', 'services', 'poddisruptionbudgets', 'replicasets', 'pods'];

    it('removes the Deployment, Service, PodDisruptionBudget, ReplicaSets and pods', async () => {
      for (const kind of ownedKinds) {
        const found = await list<KubernetesObject>(kind);
        assert.ok(found.length > 0, `some ${kind} exist before the deletion`);
      }
      await plane.kubectl(['delete', 'mistraldeployment', NAME, '-n', ns, '--timeout=30s']);
      await eventually(
        async () => {
          for (const kind of ownedKinds) {
            const left = (await list<KubernetesObject>(kind)).map((o) => o.metadata?.name);
            assert.deepEqual(left, [], `${kind} left`);
          }
        },
        { timeoutMs: 60_000, intervalMs: 250, what: 'the owned objects gone' },
      );
    });

    it('does not bring any of them back', async () => {
      await never(
        async () => {
          const objects = await plane.kubectlJson<List<KubernetesObject>>([
            'get',
            'deployments,services,poddisruptionbudgets',
            '-n',
            ns,
          ]);
          return objects.items.length > 0;
        },
        { forMs: 3_000, intervalMs: 250, what: 'an owned object came back after the deletion' },
      );
    });
  });
});
