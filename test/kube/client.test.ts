import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  createKubeClients,
  loadKubeConfig,
  resolveKubeConfigSource,
  type KubeConfigLookup,
  type KubeConfigSource,
} from '../../src/kube/client.js';

const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

describe('resolveKubeConfigSource', () => {
  const existing =
    (...paths: string[]) =>
    (path: string) =>
      paths.includes(path);
  const cases: Array<[string, KubeConfigLookup, KubeConfigSource | undefined]> = [
    [
      'the flag wins over everything',
      {
        flagPath: '/x',
        env: { KUBECONFIG: '/y' },
        homeDir: '/h',
        fileExists: existing('/h/.kube/config'),
      },
      { kind: 'flag', path: '/x' },
    ],
    [
      'KUBECONFIG wins over the home file',
      { env: { KUBECONFIG: '/y' }, homeDir: '/h', fileExists: existing('/h/.kube/config') },
      { kind: 'env', value: '/y' },
    ],
    [
      'the home file wins over the service account',
      { env: {}, homeDir: '/h', fileExists: existing('/h/.kube/config', TOKEN) },
      { kind: 'home', path: '/h/.kube/config' },
    ],
    [
      'a pod uses its service account',
      { env: {}, homeDir: '/h', fileExists: existing(TOKEN) },
      { kind: 'in-cluster' },
    ],
    [
      'nothing found is undefined, not localhost:8080',
      { env: {}, homeDir: '/h', fileExists: existing() },
      undefined,
    ],
    [
      'an empty KUBECONFIG counts as unset',
      { env: { KUBECONFIG: '' }, homeDir: '/h', fileExists: existing() },
      undefined,
    ],
  ];
  for (const [name, lookup, expected] of cases) {
    it(name, () => assert.deepEqual(resolveKubeConfigSource(lookup), expected));
  }
});

describe('loadKubeConfig', () => {
  const kubeconfig = (server: string) => `apiVersion: v1
kind: Config
clusters: [{ name: local, cluster: { server: "${server}" } }]
users: [{ name: admin, user: { token: abc } }]
contexts: [{ name: local, context: { cluster: local, user: admin } }]
current-context: local
`;

  it('loads the file the flag names and builds clients on it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
    const path = join(dir, 'config');
    writeFileSync(path, kubeconfig('https://127.0.0.1:6443'));
    const clients = createKubeClients(loadKubeConfig({ flagPath: path }));
    assert.equal(clients.kubeConfig.getCurrentCluster()?.server, 'https://127.0.0.1:6443');
  });

  it('merges a KUBECONFIG path list, the first current context winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
    const first = join(dir, 'first');
    const second = join(dir, 'second');
    writeFileSync(first, kubeconfig('https://127.0.0.1:6443'));
    writeFileSync(second, kubeconfig('https://127.0.0.2:6443').replaceAll('local', 'other'));
    const config = loadKubeConfig({ env: { KUBECONFIG: `${first}:${second}` } });
    assert.equal(config.getCurrentCluster()?.server, 'https://127.0.0.1:6443');
    assert.deepEqual(
      config.getContexts().map((context) => context.name),
      ['local', 'other'],
    );
  });

  it('says how to point it at a cluster when it finds none', () => {
    assert.throws(
      () => loadKubeConfig({ env: {}, homeDir: '/nonexistent', fileExists: () => false }),
      /no kubeconfig found: pass --kubeconfig, set KUBECONFIG/,
    );
  });
});
