import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { RawObjectApi } from '../../src/kube/raw-objects.js';
import { classifyKubeError } from '../../src/kube/errors.js';

interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}

/** Answers discovery for networking.k8s.io/v1 and echoes every other request back. */
function fakeApiServer(seen: Seen[]): Server {
  return createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      response.setHeader('Content-Type', 'application/json');
      if (request.url === '/apis/networking.k8s.io/v1') {
        const resources = [{ name: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true }];
        return response.end(JSON.stringify({ kind: 'APIResourceList', resources }));
      }
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        contentType: request.headers['content-type'],
        body,
      });
      if (request.url?.includes('/missing')) {
        response.statusCode = 404;
        return response.end(
          JSON.stringify({ kind: 'Status', reason: 'NotFound', message: 'not here', code: 404 }),
        );
      }
      if (request.method === 'GET' && !request.url?.includes('/policy')) {
        return response.end(
          JSON.stringify({
            kind: 'NetworkPolicyList',
            items: [{ metadata: { name: 'a', creationTimestamp: '2025-01-01T00:00:00Z' } }],
          }),
        );
      }
      response.end(body || JSON.stringify({ kind: 'NetworkPolicy', metadata: { name: 'policy' } }));
    });
  });
}

const policy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'policy', namespace: 'llm' },
  spec: {
    podSelector: {},
    ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }],
  },
};

describe('RawObjectApi', () => {
  const seen: Seen[] = [];
  const server = fakeApiServer(seen);
  let api: RawObjectApi;

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const kubeConfig = new KubeConfig();
    const { port } = server.address() as AddressInfo;
    kubeConfig.loadFromClusterAndUser(
      { name: 'fake', server: `http://127.0.0.1:${port}`, skipTLSVerify: true },
      { name: 'u' },
    );
    api = RawObjectApi.fromKubeConfig(kubeConfig);
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('applies with the field manager and force, sending the manifest byte for byte', async () => {
    seen.length = 0;
    const answer = await api.applyJson(policy, 'mistral-operator');
    assert.deepEqual(seen, [
      {
        method: 'PATCH',
        url: '/apis/networking.k8s.io/v1/namespaces/llm/networkpolicies/policy?fieldManager=mistral-operator&force=true',
        contentType: 'application/apply-patch+yaml',
        body: JSON.stringify(policy),
      },
    ]);
    assert.deepEqual(answer, policy, 'the answer is parsed as plain JSON, renamed fields intact');
  });

  it('merge-patches with the field manager, without force, sending the manifest as it is', async () => {
    seen.length = 0;
    await api.mergePatchJson(policy, 'mistral-operator');
    assert.deepEqual(seen, [
      {
        method: 'PATCH',
        url: '/apis/networking.k8s.io/v1/namespaces/llm/networkpolicies/policy?fieldManager=mistral-operator',
        contentType: 'application/merge-patch+json',
        body: JSON.stringify(policy),
      },
    ]);
  });

  it('creates with a POST to the collection', async () => {
    seen.length = 0;
    await api.createJson(policy);
    assert.equal(seen[0]?.method, 'POST');
    assert.equal(seen[0]?.url, '/apis/networking.k8s.io/v1/namespaces/llm/networkpolicies');
  });

  it('lists with the label selector, giving items their apiVersion and kind and string timestamps', async () => {
    seen.length = 0;
    const list = await api.listJson('networking.k8s.io/v1', 'NetworkPolicy', undefined, 'app=x');
    assert.equal(seen[0]?.url, '/apis/networking.k8s.io/v1/networkpolicies?labelSelector=app%3Dx');
    assert.deepEqual(list.items, [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'a', creationTimestamp: '2025-01-01T00:00:00Z' },
      },
    ]);
  });

  it('throws an error that classifies by the Status the server sent', async () => {
    const missing = { ...policy, metadata: { name: 'missing', namespace: 'llm' } };
    await assert.rejects(api.readJson(missing), (err: unknown) => {
      assert.deepEqual(classifyKubeError(err), {
        code: 404,
        reason: 'NotFound',
        message: 'not here',
        retryable: false,
      });
      return true;
    });
  });
});
