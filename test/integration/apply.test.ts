import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PatchStrategy, type KubernetesObject, type V1Deployment } from '@kubernetes/client-node';
import { Applier, type StatusTarget } from '../../src/kube/apply.js';
import type { KubeClients } from '../../src/kube/client.js';
import { eventually } from '../support/eventually.js';
import {
  createTestNamespace,
  deleteTestNamespace,
  skipWithoutCluster,
  testClients,
} from '../support/kube-clients.js';

const WIDGETS = 'widgets.apply-test.mistral-operator.io';

/** A stand-in custom resource with a status subresource; the real CRD is not this suite's. */
const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: WIDGETS },
  spec: {
    group: 'apply-test.mistral-operator.io',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
};

function deployment(namespace: string, replicas: number): V1Deployment {
  const labels = { 'app.kubernetes.io/name': 'apply-test' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'small4', namespace, labels },
    spec: {
      // No replicas to schedule: this suite is about writes, not pods.
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'vllm', image: 'mistralllm/vllm-ms4', args: ['--port', '8000'] }],
        },
      },
    },
  };
}

describe('server-side apply against the API server', { skip: skipWithoutCluster }, () => {
  let clients: KubeClients;
  let namespace: string;
  let writes: string[];
  let applier: Applier;

  before(async () => {
    clients = testClients();
    namespace = await createTestNamespace(clients, 'apply');
    writes = [];
    applier = newApplier();
  });

  after(() => deleteTestNamespace(clients, namespace));

  function newApplier(): Applier {
    const { objects, customObjects } = clients;
    return new Applier({
      objects,
      customObjects,
      onWrite: (verb, kind) => writes.push(`${verb} ${kind}`),
    });
  }

  async function read<T extends KubernetesObject>(object: T): Promise<T> {
    return clients.objects.readJson<T>({
      apiVersion: object.apiVersion as string,
      kind: object.kind as string,
      metadata: { name: object.metadata?.name as string, namespace: object.metadata?.namespace },
    });
  }

  it('creates the object, owned by the one field manager', async () => {
    const outcome = await applier.apply(deployment(namespace, 0));
    assert.equal(outcome.sent, true);
    const live = await read(deployment(namespace, 0));
    // The Deployment controller may already have written status; only the object itself counts.
    const managers = live.metadata?.managedFields
      ?.filter((entry) => entry.subresource === undefined)
      .map((entry) => `${entry.manager}/${entry.operation}`);
    assert.deepEqual(managers, ['mistral-operator/Apply']);
  });

  it('changes nothing when the same manifest is applied again: the resourceVersion stays', async () => {
    // The Deployment controller writes status after creation; a pair of requests that
    // straddles such a write is tried again.
    await eventually(
      async () => {
        const before = await read(deployment(namespace, 0));
        const fresh = newApplier(); // no memory of the first apply, so the request is sent
        const outcome = await fresh.apply(deployment(namespace, 0));
        assert.equal(outcome.sent, true);
        assert.equal(outcome.object?.metadata?.resourceVersion, before.metadata?.resourceVersion);
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
  });

  it('sends no request at all when the live object is the one it last applied', async () => {
    const first = await applier.apply(deployment(namespace, 0));
    const live = await read(deployment(namespace, 0));
    writes.length = 0;
    const again = await applier.apply(deployment(namespace, 0), live);
    assert.equal(first.sent, true);
    assert.equal(again.sent, false);
    assert.deepEqual(writes, []);
  });

  it('reverts a hand edit by another field manager', async () => {
    const edit = { ...deployment(namespace, 3), spec: { replicas: 3 } } as V1Deployment;
    await clients.objects.patch(
      edit,
      undefined,
      undefined,
      'kubectl-edit',
      undefined,
      PatchStrategy.MergePatch,
    );
    const edited = await read(deployment(namespace, 0));
    assert.equal(edited.spec?.replicas, 3);
    const outcome = await applier.apply(deployment(namespace, 0), edited);
    assert.equal(outcome.sent, true, 'a changed resourceVersion must trigger the apply');
    assert.equal((await read(deployment(namespace, 0))).spec?.replicas, 0);
  });

  it('treats creating an existing object and deleting a missing one as success', async () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace } };
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'cm' };
    assert.deepEqual(
      [
        await applier.create(configMap),
        await applier.create(configMap),
        await applier.delete(ref),
        await applier.delete(ref),
      ],
      ['created', 'exists', 'deleted', 'absent'],
    );
  });

  it("sends fields whose JSON names client-node models rename, such as an ingress rule's from", async () => {
    const policy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'small4', namespace },
      spec: {
        podSelector: { matchLabels: { app: 'vllm' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }],
      },
    };
    await applier.apply(policy);
    const live = await read(policy);
    assert.deepEqual(live.spec.ingress, policy.spec.ingress);
  });

  it('says what it was applying when the server rejects it', async () => {
    await assert.rejects(applier.apply(deployment(namespace, -1)), (err: Error) => {
      assert.match(err.message, new RegExp(`^applying Deployment ${namespace}/small4: Invalid: `));
      assert.match(err.message, /spec\.replicas/);
      return true;
    });
  });
});

describe('status apply against the API server', { skip: skipWithoutCluster }, () => {
  let clients: KubeClients;
  let namespace: string;
  let applier: Applier;
  let target: StatusTarget;

  before(async () => {
    clients = testClients();
    namespace = await createTestNamespace(clients, 'status');
    applier = new Applier({ objects: clients.objects, customObjects: clients.customObjects });
    await applier.apply(widgetCrd);
    target = {
      apiVersion: 'apply-test.mistral-operator.io/v1',
      kind: 'Widget',
      plural: 'widgets',
      namespace,
      name: 'w',
    };
    const widget = {
      apiVersion: target.apiVersion,
      kind: 'Widget',
      metadata: { name: 'w', namespace },
      spec: { size: 1 },
    };
    // The CRD takes a moment to be served after it is created.
    await eventually(() => clients.objects.create(widget), {
      timeoutMs: 20_000,
      what: 'Widget created',
    });
  });

  after(async () => {
    await deleteTestNamespace(clients, namespace);
    await clients.objects.delete(widgetCrd);
  });

  async function readWidget(): Promise<{
    spec?: object;
    status?: object;
    metadata?: { resourceVersion?: string };
  }> {
    return clients.customObjects.getNamespacedCustomObject({
      group: 'apply-test.mistral-operator.io',
      version: 'v1',
      namespace,
      plural: 'widgets',
      name: 'w',
    });
  }

  it('writes status through the subresource and leaves the spec alone', async () => {
    await applier.applyStatus(target, {
      phase: 'Ready',
      endpoint: { url: 'http://w.ns.svc:8000/v1' },
    });
    const widget = await readWidget();
    assert.deepEqual(widget.status, {
      phase: 'Ready',
      endpoint: { url: 'http://w.ns.svc:8000/v1' },
    });
    assert.deepEqual(widget.spec, { size: 1 });
  });

  it('removes status fields it no longer sends', async () => {
    await applier.applyStatus(target, { phase: 'Pending' });
    assert.deepEqual((await readWidget()).status, { phase: 'Pending' });
  });

  it('does not change the resourceVersion when the same status is applied again', async () => {
    const before = (await readWidget()).metadata?.resourceVersion;
    const fresh = new Applier({ objects: clients.objects, customObjects: clients.customObjects });
    const outcome = await fresh.applyStatus(target, { phase: 'Pending' });
    assert.equal(outcome.object?.metadata?.resourceVersion, before);
  });

  it('skips the request when the live status already is the one to write', async () => {
    const live = (await readWidget()).status;
    const outcome = await applier.applyStatus(target, { phase: 'Pending' }, live);
    assert.equal(outcome.sent, false);
    const changed = await applier.applyStatus(target, { phase: 'Ready' }, live);
    assert.equal(changed.sent, true);
  });
});
