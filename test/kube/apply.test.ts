import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiException,
  type CustomObjectsApi,
  type KubernetesObject,
  type V1Status,
} from '@kubernetes/client-node';
import { Applier, describeRef, hashManifest, type WriteVerb } from '../../src/kube/apply.js';

/** Records calls and answers like an API server that bumps resourceVersion on each write. */
class FakeObjectApi {
  calls: Array<{ verb: string; args: unknown[] }> = [];
  version = 100;
  failWith: unknown;

  async applyJson<T extends KubernetesObject>(spec: T, ...rest: unknown[]): Promise<T> {
    this.calls.push({ verb: 'apply', args: [spec, ...rest] });
    if (this.failWith) throw this.failWith;
    return { ...spec, metadata: { ...spec.metadata, resourceVersion: String(++this.version) } };
  }

  /** Failures of the merge patch, when they differ from those of apply. */
  mergePatchFailsWith: unknown;

  async mergePatchJson<T extends KubernetesObject>(spec: T, ...rest: unknown[]): Promise<T> {
    this.calls.push({ verb: 'merge-patch', args: [spec, ...rest] });
    if (this.mergePatchFailsWith) throw this.mergePatchFailsWith;
    return { ...spec, metadata: { ...spec.metadata, resourceVersion: String(++this.version) } };
  }

  async createJson<T extends KubernetesObject>(spec: T): Promise<T> {
    this.calls.push({ verb: 'create', args: [spec] });
    if (this.failWith) throw this.failWith;
    return spec;
  }

  async delete(spec: KubernetesObject): Promise<V1Status> {
    this.calls.push({ verb: 'delete', args: [spec] });
    if (this.failWith) throw this.failWith;
    return {};
  }
}

function apiError(code: number, reason: string, message: string): ApiException<string> {
  return new ApiException(code, 'x', JSON.stringify({ kind: 'Status', reason, message, code }), {});
}

function deployment(replicas: number): KubernetesObject & { spec: object } {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'small4', namespace: 'llm' },
    spec: { replicas },
  };
}

function setUp(): { api: FakeObjectApi; applier: Applier; writes: string[] } {
  const api = new FakeObjectApi();
  const writes: string[] = [];
  const applier = new Applier({
    objects: api,
    customObjects: {} as CustomObjectsApi,
    onWrite: (verb: WriteVerb, kind: string) => writes.push(`${verb} ${kind}`),
  });
  return { api, applier, writes };
}

describe('Applier.apply', () => {
  it('applies the manifest as given under the one field manager', async () => {
    const { api, applier } = setUp();
    await applier.apply(deployment(1));
    assert.deepEqual(api.calls, [{ verb: 'apply', args: [deployment(1), 'mistral-operator'] }]);
  });

  const skipCases: Array<[string, number, (applied: KubernetesObject) => unknown, boolean]> = [
    ['skips when the manifest is as last applied and the live object holds it', 1, (a) => a, false],
    [
      'skips when the live object only adds fields the server defaulted',
      1,
      (a) => ({ ...a, status: { readyReplicas: 1 }, metadata: { ...a.metadata, uid: 'u' } }),
      false,
    ],
    [
      'sends when someone else changed a field it sets',
      1,
      (a) => ({ ...a, spec: { replicas: 5 } }),
      true,
    ],
    ['sends when the desired manifest changed', 2, (a) => a, true],
    ['sends when the object is missing from the cache', 1, () => undefined, true],
  ];
  for (const [name, replicas, liveFrom, expectSent] of skipCases) {
    it(name, async () => {
      const { applier } = setUp();
      const first = await applier.apply(deployment(1));
      const live = liveFrom(first.object as KubernetesObject) as KubernetesObject | undefined;
      const second = await applier.apply(deployment(replicas), live);
      assert.equal(second.sent, expectSent);
    });
  }

  it('always sends the first apply, even with a live object in the cache', async () => {
    const { applier } = setUp();
    const outcome = await applier.apply(deployment(1), deployment(1));
    assert.equal(outcome.sent, true);
  });

  it('sends again after forget', async () => {
    const { applier } = setUp();
    const first = await applier.apply(deployment(1));
    applier.forget({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'llm', name: 'small4' });
    assert.equal((await applier.apply(deployment(1), first.object)).sent, true);
  });

  it('wraps a failure with what was being applied and keeps the cause', async () => {
    const { api, applier, writes } = setUp();
    api.failWith = apiError(422, 'Invalid', 'spec.replicas: Invalid value: -1');
    await assert.rejects(applier.apply(deployment(-1)), (err: Error) => {
      assert.equal(
        err.message,
        'applying Deployment llm/small4: Invalid: spec.replicas: Invalid value: -1',
      );
      assert.equal(err.cause, api.failWith);
      return true;
    });
    assert.deepEqual(writes, ['apply Deployment'], 'a failed write still counts as a request sent');
  });
});

describe('Applier.apply of an object a hand edit made invalid to apply', () => {
  const duplicatePort = apiError(422, 'Invalid', 'spec.ports[1].name: Duplicate value: "http"');

  it('replaces the lists with a merge patch when the object exists', async () => {
    const { api, applier, writes } = setUp();
    api.failWith = duplicatePort;
    const outcome = await applier.apply(deployment(1), deployment(1));
    assert.equal(outcome.sent, true);
    assert.deepEqual(
      api.calls.map((c) => [c.verb, c.args[1]]),
      [
        ['apply', 'mistral-operator'],
        ['merge-patch', 'mistral-operator'],
      ],
    );
    assert.deepEqual(api.calls[1]?.args[0], deployment(1));
    assert.deepEqual(writes, ['apply Deployment', 'apply Deployment'], 'both requests count');
  });

  it('remembers the merge patch as applied, so the next reconcile sends nothing', async () => {
    const { api, applier } = setUp();
    api.failWith = duplicatePort;
    const first = await applier.apply(deployment(1), deployment(1));
    api.failWith = undefined;
    assert.equal((await applier.apply(deployment(1), first.object)).sent, false);
  });

  it('fails with the merge patch error when the server refuses that too', async () => {
    const { api, applier } = setUp();
    api.failWith = duplicatePort;
    api.mergePatchFailsWith = apiError(422, 'Invalid', 'metadata.labels: Invalid value');
    await assert.rejects(applier.apply(deployment(1), deployment(1)), {
      message: 'applying Deployment llm/small4: Invalid: metadata.labels: Invalid value',
    });
  });

  const noFallback: Array<[string, unknown, KubernetesObject | undefined]> = [
    ['does not merge-patch an object that does not exist', duplicatePort, undefined],
    [
      'does not merge-patch after a conflict',
      apiError(409, 'Conflict', 'the object has been modified'),
      deployment(1),
    ],
    [
      'does not merge-patch after a server error',
      apiError(500, 'InternalError', 'etcd timeout'),
      deployment(1),
    ],
  ];
  for (const [name, failure, live] of noFallback) {
    it(name, async () => {
      const { api, applier } = setUp();
      api.failWith = failure;
      await assert.rejects(applier.apply(deployment(1), live), { name: 'KubeError' });
      assert.deepEqual(
        api.calls.map((c) => c.verb),
        ['apply'],
      );
    });
  }
});

describe('Applier.create and delete', () => {
  const cases: Array<[string, 'create' | 'delete', unknown, string]> = [
    ['create reports created', 'create', undefined, 'created'],
    [
      'create of an existing object is success',
      'create',
      apiError(409, 'AlreadyExists', 'exists'),
      'exists',
    ],
    ['delete reports deleted', 'delete', undefined, 'deleted'],
    [
      'delete of a missing object is success',
      'delete',
      apiError(404, 'NotFound', 'not found'),
      'absent',
    ],
  ];
  for (const [name, verb, failure, expected] of cases) {
    it(name, async () => {
      const { api, applier } = setUp();
      api.failWith = failure;
      const result =
        verb === 'create' ? await applier.create(deployment(1)) : await applier.delete(refOf());
      assert.equal(result, expected);
    });
  }

  it('a delete that fails otherwise says what it was deleting', async () => {
    const { api, applier } = setUp();
    api.failWith = apiError(403, 'Forbidden', 'cannot delete');
    await assert.rejects(applier.delete(refOf()), {
      message: 'deleting Deployment llm/small4: Forbidden: cannot delete',
    });
  });
});

function refOf() {
  return { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'llm', name: 'small4' };
}

describe('Applier.applyStatus', () => {
  it('applies through the status subresource with the apply content type', async () => {
    const requests: unknown[] = [];
    const customObjects = {
      patchNamespacedCustomObjectStatus: async (request: unknown, options: unknown) => {
        requests.push({ request, options });
        return { metadata: { resourceVersion: '5' } };
      },
    };
    const applier = new Applier({
      objects: new FakeObjectApi(),
      customObjects: customObjects as unknown as CustomObjectsApi,
    });
    const target = {
      apiVersion: 'serving.mistral-operator.io/v1alpha1',
      kind: 'MistralDeployment',
      plural: 'mistraldeployments',
      namespace: 'llm',
      name: 'small4',
    };
    const first = await applier.applyStatus(target, { observedGeneration: 2 });
    const second = await applier.applyStatus(
      target,
      { observedGeneration: 2 },
      {
        observedGeneration: 2,
      },
    );
    assert.deepEqual([first.sent, second.sent], [true, false]);
    const { request, options } = requests[0] as {
      request: Record<string, unknown>;
      options: { middleware: unknown[] };
    };
    assert.deepEqual(request, {
      group: 'serving.mistral-operator.io',
      version: 'v1alpha1',
      plural: 'mistraldeployments',
      namespace: 'llm',
      name: 'small4',
      body: {
        apiVersion: 'serving.mistral-operator.io/v1alpha1',
        kind: 'MistralDeployment',
        status: { observedGeneration: 2 },
        metadata: { name: 'small4', namespace: 'llm' },
      },
      fieldManager: 'mistral-operator',
      force: true,
    });
    assert.equal(options.middleware.length, 1, 'a middleware sets the apply content type');
  });
});

describe('hashManifest and describeRef', () => {
  it('hashes the same manifest the same whatever the key order', () => {
    assert.equal(
      hashManifest({ a: 1, b: { c: [1, 2], d: 'x' } }),
      hashManifest({ b: { d: 'x', c: [1, 2] }, a: 1 }),
    );
  });

  it('hashes different list orders differently, since order matters in a manifest', () => {
    assert.notEqual(hashManifest({ args: ['a', 'b'] }), hashManifest({ args: ['b', 'a'] }));
  });

  const refs: Array<[string, Parameters<typeof describeRef>[0], string]> = [
    ['a namespaced object reads Kind ns/name', refOf(), 'Deployment llm/small4'],
    [
      'a cluster object reads Kind name',
      { apiVersion: 'v1', kind: 'Namespace', name: 'llm' },
      'Namespace llm',
    ],
    [
      'a status target reads status of Kind ns/name',
      { ...refOf(), kind: 'MistralDeployment/status' },
      'status of MistralDeployment llm/small4',
    ],
  ];
  for (const [name, ref, expected] of refs) {
    it(name, () => assert.equal(describeRef(ref), expected));
  }
});
