import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  KubeConfig,
  KubernetesListObject,
  KubernetesObject,
  ObjectCallback,
} from '@kubernetes/client-node';
import {
  DEFAULT_RESTART_BACKOFF,
  ResilientInformer,
  keysOfOwner,
  keysOfSelf,
  restartDelay,
  watchPath,
  type CachingInformer,
  type WatchedNamespaces,
} from '../../src/kube/informer.js';
import { createSilentLogger } from '../../src/log.js';
import { FakeClock } from '../support/fake-clock.js';

const deployments = { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' };

describe('watchPath', () => {
  const cases: Array<[string, Parameters<typeof watchPath>, string]> = [
    ['a grouped kind cluster-wide', [deployments], '/apis/apps/v1/deployments'],
    [
      'a grouped kind in one namespace',
      [deployments, 'llm'],
      '/apis/apps/v1/namespaces/llm/deployments',
    ],
    [
      'a core kind',
      [{ apiVersion: 'v1', kind: 'Pod', plural: 'pods' }, 'llm'],
      '/api/v1/namespaces/llm/pods',
    ],
    [
      'the custom resource',
      [
        {
          apiVersion: 'serving.mistral-operator.io/v1alpha1',
          kind: 'MistralDeployment',
          plural: 'mistraldeployments',
        },
      ],
      '/apis/serving.mistral-operator.io/v1alpha1/mistraldeployments',
    ],
  ];
  for (const [name, args, expected] of cases) {
    it(name, () => assert.equal(watchPath(...args), expected));
  }
});

describe('keysOfOwner', () => {
  const owner = (
    kind: string,
    name: string,
    apiVersion = 'serving.mistral-operator.io/v1alpha1',
  ) => ({
    apiVersion,
    kind,
    name,
    uid: `uid-${name}`,
  });
  const object = (
    ownerReferences: object[],
    annotations: Record<string, string> = {},
  ): KubernetesObject => ({
    metadata: {
      namespace: 'llm',
      name: 'x',
      ownerReferences: ownerReferences as never,
      annotations,
    },
  });
  const cases: Array<[string, KubernetesObject, string[]]> = [
    [
      'a Deployment maps to the MistralDeployment that owns it',
      object([owner('MistralDeployment', 'small4')]),
      ['llm/small4'],
    ],
    [
      'a pod, owned by a ReplicaSet, maps through its owner annotation',
      object([owner('ReplicaSet', 'small4-abc', 'apps/v1')], {
        'serving.mistral-operator.io/mistraldeployment': 'small4',
      }),
      ['llm/small4'],
    ],
    [
      'an owner of another group with the same kind is not ours',
      object([owner('MistralDeployment', 'fake', 'example.com/v1')]),
      [],
    ],
    ['an object with neither owner nor annotation maps to nothing', object([]), []],
    [
      'an owner reference wins over the annotation',
      object([owner('MistralDeployment', 'small4')], {
        'serving.mistral-operator.io/mistraldeployment': 'other',
      }),
      ['llm/small4'],
    ],
    ['a cluster-scoped object maps to nothing', { metadata: { name: 'node-1' } }, []],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.deepEqual(keysOfOwner(input), expected));
  }

  it('maps a MistralDeployment to its own key', () => {
    assert.deepEqual(keysOfSelf({ metadata: { namespace: 'llm', name: 'small4' } }), [
      'llm/small4',
    ]);
  });
});

describe('restartDelay', () => {
  const cases: Array<[string, number, number]> = [
    ['the first restart waits a second', 1, 1_000],
    ['the third waits four', 3, 4_000],
    ['the sixth is held at the 30 s cap', 6, 30_000],
    ['a long outage stays at the cap', 1_000, 30_000],
  ];
  for (const [name, failures, expected] of cases) {
    it(name, () => assert.equal(restartDelay(failures, DEFAULT_RESTART_BACKOFF), expected));
  }
});

type Step = 'ok' | 'fail';

/** Behaves like client-node's informer: reports failures through 'error', then stops. */
class ScriptedInformer implements CachingInformer<KubernetesObject> {
  starts = 0;
  readonly handlers = new Map<string, Array<(arg: never) => void>>();

  constructor(
    readonly path: string,
    private readonly script: Step[],
    private readonly objects: KubernetesObject[],
  ) {}

  on(verb: string, cb: ObjectCallback<KubernetesObject> | ((err?: unknown) => void)): void {
    this.handlers.set(verb, [...(this.handlers.get(verb) ?? []), cb as (arg: never) => void]);
  }

  off(): void {}

  async start(): Promise<void> {
    const step = this.script[this.starts++] ?? 'ok';
    if (step === 'fail')
      return this.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6443'));
    for (const object of this.objects) this.emit('add', object);
  }

  async stop(): Promise<void> {}

  get(name: string, namespace?: string): KubernetesObject | undefined {
    return this.objects.find(
      (o) => o.metadata?.name === name && o.metadata?.namespace === namespace,
    );
  }

  list(namespace?: string): KubernetesObject[] {
    return this.objects.filter(
      (o) => namespace === undefined || o.metadata?.namespace === namespace,
    );
  }

  emit(verb: string, arg: unknown): void {
    for (const handler of this.handlers.get(verb) ?? []) handler(arg as never);
  }
}

function setUp(namespaces: WatchedNamespaces, scripts: Record<string, Step[]> = {}) {
  const clock = new FakeClock();
  const keys: string[] = [];
  const informers = new Map<string, ScriptedInformer>();
  let restarts = 0;
  const objectIn = (namespace: string) => ({
    metadata: {
      namespace,
      name: `d-${namespace}`,
      annotations: { 'serving.mistral-operator.io/mistraldeployment': `m-${namespace}` },
    },
  });
  const informer = new ResilientInformer<KubernetesObject>({
    kubeConfig: {} as KubeConfig,
    objects: { listJson: () => Promise.reject(new Error('the scripted informer lists')) },
    resource: deployments,
    namespaces,
    toKeys: (object) => keysOfOwner(object),
    onKey: (key) => keys.push(key),
    onRestart: () => restarts++,
    logger: createSilentLogger(),
    clock,
    makeInformer: (path, _list: () => Promise<KubernetesListObject<KubernetesObject>>) => {
      const namespace = /namespaces\/([^/]+)/.exec(path)?.[1] ?? 'default';
      const scripted = new ScriptedInformer(path, scripts[namespace] ?? [], [objectIn(namespace)]);
      informers.set(namespace, scripted);
      return scripted;
    },
  });
  return { clock, keys, informers, informer, restarts: () => restarts };
}

describe('ResilientInformer', () => {
  it('watches each listed namespace and maps objects to reconcile keys', async () => {
    const { informer, informers, keys } = setUp(['a', 'b']);
    await informer.start();
    assert.deepEqual(
      [...informers.values()].map((i) => i.path),
      ['/apis/apps/v1/namespaces/a/deployments', '/apis/apps/v1/namespaces/b/deployments'],
    );
    assert.deepEqual(keys, ['a/m-a', 'b/m-b']);
    assert.equal(informer.hasSynced(), true);
    assert.equal(informer.get('b', 'd-b')?.metadata?.name, 'd-b');
    assert.equal(informer.get('c', 'd-c'), undefined, 'an unwatched namespace has no cache');
    assert.equal(informer.list().length, 2);
  });

  it('uses one cluster-wide watch for all namespaces', async () => {
    const { informer, informers } = setUp('all');
    await informer.start();
    assert.deepEqual(
      [...informers.values()].map((i) => i.path),
      ['/apis/apps/v1/deployments'],
    );
  });

  it('is not synced while a first list fails, and restarts with growing delays until it works', async () => {
    const { informer, informers, clock, restarts } = setUp(['a'], { a: ['fail', 'fail', 'fail'] });
    await informer.start();
    assert.equal(informer.hasSynced(), false);
    const scripted = informers.get('a') as ScriptedInformer;
    await clock.advanceAsync(999);
    assert.equal(scripted.starts, 1, 'no restart before the first delay');
    await clock.advanceAsync(1);
    assert.equal(scripted.starts, 2);
    await clock.advanceAsync(2_000);
    assert.equal(scripted.starts, 3);
    await clock.advanceAsync(4_000);
    assert.equal(scripted.starts, 4);
    assert.equal(informer.hasSynced(), true);
    assert.equal(restarts(), 3);
  });

  it('restarts a watch that fails after running, from the base delay if it ran long', async () => {
    const { informer, informers, clock } = setUp(['a']);
    await informer.start();
    const scripted = informers.get('a') as ScriptedInformer;
    await clock.advanceAsync(120_000);
    scripted.emit('error', new Error('stream reset'));
    assert.equal(informer.hasSynced(), false, 'a failed watch has a stale cache until it relists');
    await clock.advanceAsync(1_000);
    assert.equal(scripted.starts, 2);
    assert.equal(informer.hasSynced(), true, 'synced again once the restarted watch listed');
  });

  it('does not restart after stop', async () => {
    const { informer, informers, clock } = setUp(['a'], { a: ['fail'] });
    await informer.start();
    await informer.stop();
    await clock.advanceAsync(60_000);
    assert.equal(informers.get('a')?.starts, 1);
    assert.equal(clock.pendingTimers, 0);
  });

  it('refuses an empty namespace list rather than watching nothing', () => {
    assert.throws(() => setUp([]), /at least one/);
  });
});
