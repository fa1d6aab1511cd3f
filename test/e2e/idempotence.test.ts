/**
 * Idempotence at steady state: once every MistralDeployment is Ready and its status written,
 * full resyncs reconcile every object again and send no write at all, and a restarted operator
 * re-applies each owned object at most once (its memory of what it applied is gone), changing
 * nothing, and writes no status. Writes are counted in the API server's audit log, by the
 * operator's own user, and in the operator's own metrics.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { MistralDeployment } from '../../src/api/index.js';
import { eventually } from '../support/eventually.js';
import {
  PLANE_GPU_PRODUCT,
  applyAll,
  ownedObjects,
  waitForAllReady,
} from '../support/mistral-fleet.js';
import { installCrd, startOperator, type OperatorProcess } from '../support/operator.js';
import {
  METRICS,
  describeWrite,
  markAuditLog,
  operatorWritesSince,
  readMetric,
  waitForQuiet,
} from '../support/operator-writes.js';
import { deleteNamespace, testNamespace, testPlane, type TestPlane } from '../support/plane.js';

const examples = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'examples');
const example = (file: string) =>
  parse(readFileSync(join(examples, file), 'utf8')) as MistralDeployment;

/** Seconds between full resyncs: short, so several fit in a test. */
const RESYNC_SECONDS = 2;
/** Full resyncs to watch at steady state. */
const RESYNCS = 4;

/**
 * The three examples, fitted to the plane: the production one in the test namespace without
 * its PriorityClass (none exists here), the small-GPU one on the plane's H100s.
 */
function fleet(): MistralDeployment[] {
  const minimal = example('minimal.yaml');
  const production = example('production.yaml');
  production.metadata = { name: 'production' };
  delete production.spec?.priorityClassName;
  const small = example('small-gpu.yaml');
  small.spec = { ...small.spec, gpu: { ...small.spec?.gpu, product: PLANE_GPU_PRODUCT } };
  return [minimal, production, small];
}

/** A volume the production example's cache claim binds to, reserved for that claim. */
function cacheVolume(name: string, namespace: string) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: {
      capacity: { storage: '300Gi' },
      accessModes: ['ReadWriteMany'],
      storageClassName: 'shared-nvme',
      hostPath: { path: '/var/lib/models' },
      claimRef: { namespace, name: 'production-model-cache' },
    },
  };
}

/** The resourceVersion of every owned object, keyed "resource/name". */
async function versionsOf(plane: TestPlane, namespace: string): Promise<Map<string, string>> {
  const owned = await ownedObjects(plane, namespace);
  return new Map([...owned].map(([key, object]) => [key, object.metadata?.resourceVersion ?? '']));
}

describe('a steady state sends no writes', () => {
  let plane: TestPlane;
  let ns: string;
  let volume: string;
  let operator: OperatorProcess | undefined;
  const names = fleet().map((md) => md.metadata.name);
  const operatorArgs = () => [
    `--namespaces=${ns}`,
    `--lease-name=${ns}`,
    `--resync-seconds=${RESYNC_SECONDS}`,
  ];

  before(async () => {
    plane = await testPlane();
    await installCrd(plane);
    ns = await testNamespace(plane, 'idempotence');
    volume = `${ns}-model-cache`;
    await plane.kubectl(['apply', '-f', '-'], JSON.stringify(cacheVolume(volume, ns)));
    const secrets = { 'hf-token': 'token', 'small4-api-key': 'key' };
    for (const [secret, key] of Object.entries(secrets)) {
      const literal = `--from-literal=${key}=not-a-real-secret`;
      await plane.kubectl(['create', 'secret', 'generic', secret, '-n', ns, literal]);
    }
    operator = await startOperator(plane, operatorArgs());
    await applyAll(plane, ns, fleet());
    await waitForAllReady(plane, ns, names, 60_000);
    await waitForQuiet(plane.stateDir, ns, { quietMs: 3_000, timeoutMs: 60_000 });
  });

  after(async () => {
    await operator?.stop();
    await plane.kubectl(['delete', 'lease', ns, '-n', 'default', '--ignore-not-found']);
    await deleteNamespace(plane, ns);
    await plane.kubectl([
      'delete',
      'persistentvolume',
      volume,
      '--ignore-not-found',
      '--wait=false',
    ]);
  });

  it('sends no write request while full resyncs reconcile every object again', async () => {
    const running = operator!;
    const mark = markAuditLog(plane.stateDir);
    const writesBefore = await readMetric(running.url, METRICS.writes);
    const reconcilesBefore = await readMetric(running.url, METRICS.reconciles);

    const reconciles = await eventually(
      async () => {
        const done = (await readMetric(running.url, METRICS.reconciles)) - reconcilesBefore;
        assert.ok(done >= RESYNCS * names.length, `${done} reconciles so far`);
        return done;
      },
      { timeoutMs: (RESYNCS + 4) * RESYNC_SECONDS * 1000, intervalMs: 100, what: 'resyncs' },
    );

    const writes = operatorWritesSince(plane.stateDir, mark, ns);
    const metricWrites = (await readMetric(running.url, METRICS.writes)) - writesBefore;
    const resyncs = Math.floor(reconciles / names.length);
    console.log(`writes during ${resyncs} resyncs of ${names.length} objects: ${writes.length}`);
    assert.deepEqual(writes.map(describeWrite), [], 'write requests in the audit log');
    assert.equal(metricWrites, 0, `${METRICS.writes} moved by ${metricWrites}`);
  });

  it('re-applies each owned object at most once after a restart, changing nothing', async () => {
    const versionsBefore = await versionsOf(plane, ns);
    const mark = markAuditLog(plane.stateDir);

    assert.equal(await operator!.stop(), 0, 'the operator did not exit cleanly on SIGTERM');
    operator = undefined;
    const restarted = await startOperator(plane, operatorArgs());
    operator = restarted;
    await eventually(
      async () => {
        const done = await readMetric(restarted.url, METRICS.reconciles);
        assert.ok(done >= names.length, `${done} reconciles so far`);
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the restarted operator reconciles them all' },
    );
    await waitForQuiet(plane.stateDir, ns, { quietMs: 3_000, timeoutMs: 30_000 });
    await waitForAllReady(plane, ns, names, 10_000);

    const writes = operatorWritesSince(plane.stateDir, mark, ns);
    const applies = writes.filter((write) => write.verb === 'patch' && !write.subresource);
    const statusWrites = writes.filter((write) => write.subresource === 'status');
    const others = writes.filter(
      (write) => !applies.includes(write) && !statusWrites.includes(write),
    );
    console.log(
      `writes after a restart at steady state: ${applies.length} applies of ` +
        `${versionsBefore.size} owned objects, ${statusWrites.length} status writes, ` +
        `${others.length} other`,
    );
    assert.ok(
      applies.length <= versionsBefore.size,
      `${applies.length} applies for ${versionsBefore.size} owned objects: ` +
        applies.map(describeWrite).join(', '),
    );
    assert.deepEqual(statusWrites.map(describeWrite), [], 'status writes after the restart');
    assert.deepEqual(others.map(describeWrite), [], 'other writes (events) after the restart');
    assert.deepEqual(
      Object.fromEntries(await versionsOf(plane, ns)),
      Object.fromEntries(versionsBefore),
      'an owned object changed (resourceVersion) although the spec did not',
    );
  });
});
