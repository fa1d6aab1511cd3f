import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClients } from '../../src/kube/client.js';
import {
  MANAGED_BY_SELECTOR,
  ResilientInformer,
  keysOfOwner,
  keysOfSelf,
  type WatchedKind,
} from '../../src/kube/informer.js';
import { createSilentLogger } from '../../src/log.js';
import { eventually } from '../support/eventually.js';
import {
  createTestNamespace,
  deleteTestNamespace,
  skipWithoutCluster,
  testClients,
} from '../support/kube-clients.js';

const GADGETS = 'gadgets.informer-test.mistral-operator.io';
const gadgets: WatchedKind = {
  apiVersion: 'informer-test.mistral-operator.io/v1',
  kind: 'Gadget',
  plural: 'gadgets',
};

const gadgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: GADGETS },
  spec: {
    group: 'informer-test.mistral-operator.io',
    names: { kind: 'Gadget', plural: 'gadgets', singular: 'gadget', listKind: 'GadgetList' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    ],
  },
};

describe('informers against the API server', { skip: skipWithoutCluster }, () => {
  let clients: KubeClients;
  let namespace: string;
  const informers: Array<ResilientInformer<KubernetesObject>> = [];

  before(async () => {
    clients = testClients();
    namespace = await createTestNamespace(clients, 'informer');
  });

  after(async () => {
    await Promise.all(informers.map((informer) => informer.stop()));
    await deleteTestNamespace(clients, namespace);
    await clients.objects.delete(gadgetCrd).catch(() => undefined);
  });

  function watch(resource: WatchedKind, options: { labelSelector?: string; owned: boolean }) {
    const keys: string[] = [];
    let restarts = 0;
    const informer = new ResilientInformer<KubernetesObject>({
      kubeConfig: clients.kubeConfig,
      objects: clients.objects,
      resource,
      namespaces: [namespace],
      labelSelector: options.labelSelector,
      toKeys: options.owned ? (object) => keysOfOwner(object) : keysOfSelf,
      onKey: (key) => keys.push(key),
      onRestart: () => restarts++,
      backoff: { baseMs: 100, capMs: 400, resetAfterMs: 60_000 },
      logger: createSilentLogger(),
    });
    informers.push(informer);
    return { informer, keys, restarts: () => restarts };
  }

  it('maps a labelled object to its owner key and caches it in the API JSON shape', async () => {
    const configMaps = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' };
    const { informer, keys } = watch(configMaps, {
      labelSelector: MANAGED_BY_SELECTOR,
      owned: true,
    });
    await informer.start();
    assert.equal(informer.hasSynced(), true);
    const labels = { 'app.kubernetes.io/managed-by': 'mistral-operator' };
    const annotations = { 'serving.mistral-operator.io/mistraldeployment': 'small4' };
    await clients.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'owned', labels, annotations } },
    });
    await clients.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'unlabelled' } },
    });
    await eventually(() => assert.deepEqual(keys, [`${namespace}/small4`]), { timeoutMs: 10_000 });
    const cached = informer.get(namespace, 'owned');
    assert.equal(typeof cached?.metadata?.creationTimestamp, 'string');
    assert.equal(informer.get(namespace, 'unlabelled'), undefined, 'the selector keeps others out');
  });

  it('keeps retrying while its kind is not installed, and syncs once the CRD appears', async () => {
    const { informer, keys, restarts } = watch(gadgets, { owned: false });
    await informer.start();
    assert.equal(informer.hasSynced(), false);
    await eventually(() => assert.ok(restarts() >= 2, `${restarts()} restarts`), {
      timeoutMs: 10_000,
    });
    await clients.objects.applyJson(gadgetCrd, 'informer-test');
    await eventually(() => assert.equal(informer.hasSynced(), true), {
      timeoutMs: 20_000,
      what: 'synced',
    });
    const gadget = { ...gadgets, metadata: { name: 'g1', namespace } };
    await clients.objects.createJson({
      apiVersion: gadget.apiVersion,
      kind: gadget.kind,
      metadata: gadget.metadata,
    });
    await eventually(() => assert.deepEqual(keys, [`${namespace}/g1`]), { timeoutMs: 10_000 });
    console.log(`informer restarted ${restarts()} times before the CRD was served`);
  });
});
