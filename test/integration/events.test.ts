import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { KubeClients } from '../../src/kube/client.js';
import { EventRecorder, createEventSink, type EventSubject } from '../../src/kube/events.js';
import { createSilentLogger } from '../../src/log.js';
import { toolPath } from '../cluster/tools.js';
import { eventually } from '../support/eventually.js';
import {
  createTestNamespace,
  deleteTestNamespace,
  skipWithoutCluster,
  testClients,
  testKubeconfig,
} from '../support/kube-clients.js';

const run = promisify(execFile);

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(toolPath('kubectl'), [`--kubeconfig=${testKubeconfig}`, ...args], {
    timeout: 30_000,
  });
  return stdout;
}

describe('events against the API server', { skip: skipWithoutCluster }, () => {
  let clients: KubeClients;
  let namespace: string;
  let subject: EventSubject;

  before(async () => {
    clients = testClients();
    namespace = await createTestNamespace(clients, 'events');
    const configMap = await clients.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'small4' } },
    });
    subject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace,
      name: 'small4',
      uid: configMap.metadata?.uid,
    };
  });

  after(() => deleteTestNamespace(clients, namespace));

  it('shows a recorded Event, and its repeats, in kubectl describe', async () => {
    const events = new EventRecorder({
      sink: createEventSink(clients.events),
      reportingInstance: 'integration-test',
      logger: createSilentLogger(),
      // Write every repeat, so the series shows without waiting for the update interval.
      dedup: { windowMs: 60_000, updateIntervalMs: 0 },
    });
    const note = '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.';
    const details = {
      type: 'Warning' as const,
      reason: 'Unschedulable',
      action: 'Reconcile',
      note,
    };
    assert.deepEqual(
      [await events.record(subject, details), await events.record(subject, details)],
      ['create', 'update-series'],
    );
    const described = await eventually(
      async () => {
        const text = await kubectl('describe', 'configmap', 'small4', '-n', namespace);
        assert.match(
          text,
          /Warning\s+Unschedulable\s+.*\(x2 over .*\)\s+mistral-operator\.io\/controller\s+0\/3 nodes/,
        );
        return text;
      },
      { timeoutMs: 10_000, what: 'kubectl describe shows the event with its count' },
    );
    console.log(
      described
        .split('\n')
        .filter((line) => line.includes('Unschedulable'))
        .join('\n'),
    );
  });
});
