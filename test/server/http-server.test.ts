import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHealthServer, type RunningServer } from '../../src/server/http-server.js';
import { createMetrics, type OperatorMetrics } from '../../src/server/metrics.js';
import {
  decideReadiness,
  type ReadinessInputs,
  type ReadinessReport,
} from '../../src/server/readiness.js';
import { createSilentLogger } from '../../src/log.js';

describe('decideReadiness', () => {
  const cases: Array<[string, ReadinessInputs, Pick<ReadinessReport, 'ready' | 'role'>]> = [
    [
      'a standby is ready, so rollouts and scrapes see it',
      { isLeader: false, informersSynced: false },
      { ready: true, role: 'standby' },
    ],
    [
      'a leader with unsynced caches is not ready',
      { isLeader: true, informersSynced: false },
      { ready: false, role: 'leader' },
    ],
    [
      'a leader with synced caches is ready',
      { isLeader: true, informersSynced: true },
      { ready: true, role: 'leader' },
    ],
  ];
  for (const [name, inputs, expected] of cases) {
    it(name, () => {
      const { ready, role } = decideReadiness(inputs);
      assert.deepEqual({ ready, role }, expected);
    });
  }
});

describe('health server', () => {
  let server: RunningServer;
  let metrics: OperatorMetrics;
  const state: ReadinessInputs = { isLeader: true, informersSynced: false };

  before(async () => {
    metrics = createMetrics();
    metrics.setQueueDepthSource(() => 7);
    server = await startHealthServer({
      host: '127.0.0.1',
      port: 0,
      metrics,
      readiness: () => state,
      logger: createSilentLogger(),
    });
  });

  after(() => server.close());

  it('listens on loopback at the port the OS chose', () => {
    assert.equal(server.host, '127.0.0.1');
    assert.ok(server.port > 0, `port ${server.port}`);
    assert.equal(server.url, `http://127.0.0.1:${server.port}`);
  });

  it('answers /healthz with 200 while the process runs', async () => {
    const response = await fetch(`${server.url}/healthz`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'ok\n');
  });

  it('answers /readyz with 503 until the caches sync, then 200, with the role in the body', async () => {
    const before = await fetch(`${server.url}/readyz`);
    assert.equal(before.status, 503);
    assert.equal(((await before.json()) as ReadinessReport).role, 'leader');
    state.informersSynced = true;
    const afterSync = await fetch(`${server.url}/readyz`);
    assert.equal(afterSync.status, 200);
    assert.equal(((await afterSync.json()) as ReadinessReport).ready, true);
  });

  it('serves the operator and process metrics in Prometheus text format', async () => {
    metrics.observeReconcile('done', 42);
    metrics.observeReconcile('retry', 1_500);
    metrics.leader.set(1);
    metrics.kubeWrites.inc({ verb: 'apply', kind: 'Deployment' });
    const response = await fetch(`${server.url}/metrics`);
    const text = await response.text();
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const expected = [
      'mistral_operator_reconcile_total{result="done"} 1',
      'mistral_operator_reconcile_total{result="retry"} 1',
      'mistral_operator_reconcile_duration_seconds_bucket{le="0.05",result="done"} 1',
      'mistral_operator_reconcile_duration_seconds_bucket{le="1",result="retry"} 0',
      'mistral_operator_work_queue_depth 7',
      'mistral_operator_leader 1',
      'mistral_operator_kube_writes_total{verb="apply",kind="Deployment"} 1',
    ];
    for (const line of expected) assert.ok(text.includes(`${line}\n`), `missing: ${line}`);
    assert.match(text, /^process_resident_memory_bytes \d+/m);
    assert.match(text, /^nodejs_eventloop_lag_seconds /m);
  });

  it('answers unknown paths with 404 and other methods with 405', async () => {
    assert.equal((await fetch(`${server.url}/nope`)).status, 404);
    const post = await fetch(`${server.url}/healthz`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });

  it('answers HEAD without a body', async () => {
    const response = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    assert.equal(response.status, 200);
    assert.equal(await response.text(), '');
  });
});
