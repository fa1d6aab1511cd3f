import assert from 'node:assert/strict';
import { Agent as HttpsAgent } from 'node:https';
import { describe, it } from 'node:test';
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { reuseConnections } from '../../src/kube/keep-alive.js';

/** Loads a kubeconfig whose user has the client certificate `cert`, into `config`. */
function load(config: KubeConfig, cert: string, cluster: { proxyUrl?: string } = {}): KubeConfig {
  config.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: false, ...cluster }],
    users: [{ name: 'u', certData: Buffer.from(cert).toString('base64'), keyData: 'a2V5' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return config;
}

const kubeConfig = (cluster: { proxyUrl?: string } = {}) => load(new KubeConfig(), 'cert', cluster);

async function agentFor(config: KubeConfig) {
  const context = new RequestContext('https://127.0.0.1:6443/api/v1/namespaces', HttpMethod.GET);
  await config.applySecurityAuthentication(context);
  return context.getAgent();
}

describe('reuseConnections', () => {
  it('gives every request with the same TLS settings one keep-alive agent', async () => {
    const config = kubeConfig();
    reuseConnections(config);
    const [first, second] = [await agentFor(config), await agentFor(config)];
    assert.ok(first instanceof HttpsAgent, 'not an HTTPS agent');
    assert.equal(second, first, 'a second agent for the same settings');
    assert.equal((first as HttpsAgent & { keepAlive?: boolean }).keepAlive, true, 'no keep-alive');
  });

  it('makes a new agent when the client certificate changes', async () => {
    const config = kubeConfig();
    reuseConnections(config);
    const before = await agentFor(config);
    const after = await agentFor(load(config, 'new-cert'));
    assert.notEqual(after, before, 'a rotated certificate kept the old agent');
    assert.equal((after as HttpsAgent).options.cert?.toString(), 'new-cert');
  });

  it('leaves a proxy agent as client-node makes it', async () => {
    const config = kubeConfig({ proxyUrl: 'http://127.0.0.1:3128' });
    reuseConnections(config);
    const [first, second] = [await agentFor(config), await agentFor(config)];
    assert.notEqual(first?.constructor, HttpsAgent, 'the proxy agent was replaced');
    assert.notEqual(second, first, 'proxy agents were shared');
  });
});
