/**
 * API clients for integration tests, on the kubeconfig the test runner hands over in
 * `MISTRAL_TEST_KUBECONFIG`. Tests skip, saying why, when it is not set.
 */
import { randomBytes } from 'node:crypto';
import { createKubeClients, loadKubeConfig, type KubeClients } from '../../src/kube/client.js';

/** The admin kubeconfig of the local control plane, if the runner started one. */
export const testKubeconfig = process.env.MISTRAL_TEST_KUBECONFIG;

/** `skip` option for suites that need the local control plane. */
export const skipWithoutCluster: string | false = testKubeconfig
  ? false
  : 'MISTRAL_TEST_KUBECONFIG is not set; `npm test` starts the local control plane and sets it';

/** Clients for the test cluster; refuses any API server that is not on loopback. */
export function testClients(): KubeClients {
  if (!testKubeconfig) throw new Error(skipWithoutCluster || 'no kubeconfig');
  const clients = createKubeClients(loadKubeConfig({ flagPath: testKubeconfig }));
  const server = clients.kubeConfig.getCurrentCluster()?.server ?? '';
  const host = new URL(server).hostname;
  if (!/^127\.\d+\.\d+\.\d+$/.test(host) && host !== '[::1]' && host !== 'localhost') {
    throw new Error(`test API server ${server} is not on loopback; refusing to talk to it`);
  }
  return clients;
}

/** Creates a namespace with a unique name starting with `prefix`. */
export async function createTestNamespace(clients: KubeClients, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await clients.core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/** Deletes a namespace without waiting for its contents to go. */
export async function deleteTestNamespace(clients: KubeClients, name: string): Promise<void> {
  await clients.core.deleteNamespace({ name });
}
