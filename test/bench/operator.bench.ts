/**
 * Figures of the operator against a local control plane of its own: how long one applied
 * MistralDeployment takes to get its Deployment (and to become Ready), how long 200 of them
 * take to reach a steady state, the operator's peak memory, and how many writes a full
 * resync of those 200 sends at steady state. Prints figures; asserts no time.
 *
 *   npm run bench -- test/bench/operator.bench.ts
 *
 * The plane gets 120 GPU nodes of 8 H100s, so that all 200 four-GPU replicas really run and
 * become Ready: a steady state with pods Pending for want of GPUs would measure the
 * operator's error path instead.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { KubeConfig, Watch, type KubernetesObject } from '@kubernetes/client-node';
import type { MistralDeployment } from '../../src/api/index.js';
import { defaultNodePlan } from '../cluster/nodes.js';
import { startPlane, stopPlane } from '../cluster/plane.js';
import { toolPath } from '../cluster/tools.js';
import { eventually } from '../support/eventually.js';
import { installCrd, startOperator, type OperatorProcess } from '../support/operator.js';
import {
  METRICS,
  markAuditLog,
  operatorWritesSince,
  readMetric,
  tallyWrites,
  waitForQuiet,
} from '../support/operator-writes.js';
import type { TestPlane } from '../support/plane.js';

const NAMESPACE = 'bench';
const TRIALS = 20;
const FLEET_SIZE = 200;
const RESYNC_SECONDS = 20;
const NODES = { ...defaultNodePlan, gpuNodes: 120 };
const RECONCILE_SECONDS_SUM = 'mistral_operator_reconcile_duration_seconds_sum';

const run = promisify(execFile);

function benchPlane(kubeconfig: string, stateDir: string): TestPlane {
  const kubectl = async (args: string[], input?: string) => {
    const child = run(toolPath('kubectl'), [`--kubeconfig=${kubeconfig}`, ...args], {
      maxBuffer: 256 * 1024 * 1024,
      timeout: 300_000,
    });
    if (input !== undefined) child.child.stdin?.end(input);
    return (await child).stdout;
  };
  return {
    kubeconfig,
    stateDir,
    kubectl,
    kubectlJson: async <T>(args: string[]) =>
      JSON.parse(await kubectl([...args, '-o', 'json'])) as T,
  };
}

/** When each object was first seen existing, and first seen Ready, by a watch. */
class Sightings {
  readonly created = new Map<string, number>();
  readonly deployments = new Map<string, number>();
  readonly statuses = new Map<string, number>();
  readonly ready = new Map<string, number>();
  readonly gone = new Set<string>();
  private readonly watches: AbortController[] = [];
  private stopped = false;

  async start(kubeconfig: string): Promise<void> {
    const config = new KubeConfig();
    config.loadFromFile(kubeconfig);
    const watch = new Watch(config);
    const deployments = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`;
    const mistral = `/apis/serving.mistral-operator.io/v1alpha1/namespaces/${NAMESPACE}/mistraldeployments`;
    const failed = (error: unknown) => {
      if (error && !this.stopped) console.error(`a watch ended: ${String(error)}`);
    };
    this.watches.push(
      await watch.watch(
        deployments,
        {},
        (phase, object: KubernetesObject) => {
          if (phase === 'ADDED') first(this.deployments, object.metadata?.name ?? '');
        },
        failed,
      ),
      await watch.watch(
        mistral,
        {},
        (phase, md: MistralDeployment) => this.onMistral(phase, md),
        failed,
      ),
    );
  }

  stop(): void {
    this.stopped = true;
    for (const watch of this.watches) watch.abort();
  }

  private onMistral(phase: string, md: MistralDeployment): void {
    const name = md.metadata.name;
    if (phase === 'DELETED') return void this.gone.add(name);
    first(this.created, name);
    if (md.status?.observedGeneration === undefined) return;
    first(this.statuses, name);
    const ready = md.status.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'True' && md.status.observedGeneration === md.metadata.generation) {
      first(this.ready, name);
    }
  }
}

function first(seen: Map<string, number>, name: string): void {
  if (!seen.has(name)) seen.set(name, performance.now());
}

const manifest = (name: string): MistralDeployment =>
  ({
    apiVersion: 'serving.mistral-operator.io/v1alpha1',
    kind: 'MistralDeployment',
    metadata: { name },
  }) as MistralDeployment;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const ms = (value: number) => `${value.toFixed(0)} ms`;
const seconds = (value: number) => `${(value / 1000).toFixed(1)} s`;

function summary(label: string, values: number[]): void {
  const min = Math.min(...values);
  const max = Math.max(...values);
  console.log(
    `${label}: median ${ms(percentile(values, 50))}, p95 ${ms(percentile(values, 95))} ` +
      `(min ${ms(min)}, max ${ms(max)}, n=${values.length})`,
  );
}

function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

async function printMemory(when: string, operator: OperatorProcess): Promise<void> {
  const { rssMiB, peakMiB } = memoryOf(operator.child.pid ?? 0);
  const heapMiB = (await readMetric(operator.url, 'nodejs_heap_size_used_bytes')) / 2 ** 20;
  console.log(
    `operator memory ${when}: rss ${rssMiB.toFixed(0)} MiB, peak (VmHWM) ` +
      `${peakMiB.toFixed(0)} MiB, JS heap used ${heapMiB.toFixed(0)} MiB`,
  );
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100; // USER_HZ, 100 on the Linux kernels the plane runs on
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** The plane's processes and the operator, by name and pid. */
function benchProcesses(stateDir: string, operator: OperatorProcess): Map<string, number> {
  const state = JSON.parse(readFileSync(join(stateDir, 'plane.json'), 'utf8')) as {
    processes: { name: string; pid: number }[];
  };
  const pids = new Map(state.processes.map((p) => [p.name, p.pid]));
  pids.set('mistral-operator', operator.child.pid ?? 0);
  return pids;
}

/** CPU seconds of each process, read now. */
function cpuSnapshot(processes: Map<string, number>): Map<string, number> {
  return new Map([...processes].map(([name, pid]) => [name, cpuSecondsOf(pid)]));
}

function printCpu(label: string, before: Map<string, number>, after: Map<string, number>): void {
  const used = [...after].map(
    ([name, cpu]) => `${name} ${(cpu - (before.get(name) ?? 0)).toFixed(1)}`,
  );
  console.log(`  CPU seconds ${label}: ${used.join(', ')}`);
}

async function waitFor(what: string, timeoutMs: number, check: () => boolean): Promise<void> {
  await eventually(
    () => {
      if (!check()) throw new Error('not yet');
    },
    { timeoutMs, intervalMs: 5, what },
  );
}

/** One object at a time: `kubectl apply` returning to its Deployment, and to Ready. */
async function measureLatency(plane: TestPlane, seen: Sightings): Promise<void> {
  const toDeployment: number[] = [];
  const storedToDeployment: number[] = [];
  const toReady: number[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const name = `latency-${String(trial).padStart(2, '0')}`;
    await plane.kubectl(['apply', '-n', NAMESPACE, '-f', '-'], JSON.stringify(manifest(name)));
    const applied = performance.now();
    await waitFor(`Deployment ${name}`, 30_000, () => seen.deployments.has(name));
    await waitFor(`${name} Ready`, 30_000, () => seen.ready.has(name));
    toDeployment.push(seen.deployments.get(name)! - applied);
    storedToDeployment.push(seen.deployments.get(name)! - seen.created.get(name)!);
    toReady.push(seen.ready.get(name)! - applied);
    await plane.kubectl(['delete', 'mistraldeployment', name, '-n', NAMESPACE, '--wait=false']);
    await waitFor(`${name} deleted`, 30_000, () => seen.gone.has(name));
  }
  // Below zero when the Deployment was there before the kubectl process had exited.
  summary('apply-to-Deployment latency, one object, from kubectl apply returning', toDeployment);
  summary('  the same, from the MistralDeployment showing up on a watch', storedToDeployment);
  summary('apply-to-Ready latency, one object (simulated pods ready at once)', toReady);
}

/** 200 objects in one `kubectl apply`, until the operator has nothing left to write. */
async function measureFleet(
  plane: TestPlane,
  seen: Sightings,
  operator: OperatorProcess,
): Promise<void> {
  const processes = benchProcesses(plane.stateDir, operator);
  const names = Array.from({ length: FLEET_SIZE }, (_, i) => `fleet-${String(i).padStart(3, '0')}`);
  const list = { apiVersion: 'v1', kind: 'List', items: names.map(manifest) };
  const mark = markAuditLog(plane.stateDir);
  const cpuBefore = cpuSnapshot(processes);
  const reconcilesBefore = await readMetric(operator.url, METRICS.reconciles);
  const startedWall = Date.now();
  const started = performance.now();
  await plane.kubectl(['apply', '--server-side', '-n', NAMESPACE, '-f', '-'], JSON.stringify(list));
  const applied = performance.now();
  const all = (seenMap: Map<string, number>) => names.every((name) => seenMap.has(name));
  const latest = (seenMap: Map<string, number>) => Math.max(...names.map((n) => seenMap.get(n)!));
  await waitFor('all Deployments', 300_000, () => all(seen.deployments));
  await waitFor('all statuses', 300_000, () => all(seen.statuses));
  await waitFor('all Ready', 600_000, () => all(seen.ready));
  await waitForQuiet(plane.stateDir, NAMESPACE, { quietMs: 5_000, timeoutMs: 300_000 });
  const cpuAfter = cpuSnapshot(processes);
  const reconciles = (await readMetric(operator.url, METRICS.reconciles)) - reconcilesBefore;

  const writes = operatorWritesSince(plane.stateDir, mark, NAMESPACE);
  const lastWrite = Math.max(...writes.map((write) => write.atMs)) - startedWall;
  console.log(`${FLEET_SIZE} MistralDeployments, one kubectl apply --server-side:`);
  console.log(`  kubectl apply itself:          ${seconds(applied - started)}`);
  console.log(`  all Deployments created:       ${seconds(latest(seen.deployments) - started)}`);
  console.log(`  all statuses written:          ${seconds(latest(seen.statuses) - started)}`);
  console.log(`  all Ready:                     ${seconds(latest(seen.ready) - started)}`);
  console.log(`  steady (last operator write):  ${seconds(lastWrite)}`);
  console.log(`  operator writes to get there:  ${writes.length}`, tallyWrites(writes));
  console.log(`  reconciles to get there:       ${reconciles}`);
  printCpu('from apply to 5 s after the last write', cpuBefore, cpuAfter);
}

/** Writes during one full resync of every object at steady state. */
async function measureResync(plane: TestPlane, operator: OperatorProcess): Promise<void> {
  const mark = markAuditLog(plane.stateDir);
  const writesBefore = await readMetric(operator.url, METRICS.writes);
  const before = await readMetric(operator.url, METRICS.reconciles);
  const busyBefore = await readMetric(operator.url, RECONCILE_SECONDS_SUM);
  const reconciles = await eventually(
    async () => {
      const done = (await readMetric(operator.url, METRICS.reconciles)) - before;
      if (done < FLEET_SIZE) throw new Error(`${done} reconciles so far`);
      return done;
    },
    { timeoutMs: (RESYNC_SECONDS + 60) * 1000, intervalMs: 100, what: 'a full resync' },
  );
  const busyMs = ((await readMetric(operator.url, RECONCILE_SECONDS_SUM)) - busyBefore) * 1000;
  const writes = operatorWritesSince(plane.stateDir, mark, NAMESPACE);
  const metricWrites = (await readMetric(operator.url, METRICS.writes)) - writesBefore;
  console.log(
    `steady-state resync of ${FLEET_SIZE} objects: ${writes.length} writes in the audit log, ` +
      `${metricWrites} by the operator's metric ` +
      `(${reconciles} reconciles, ${(busyMs / reconciles).toFixed(2)} ms each on average)`,
  );
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'mistral-operator-bench-'));
  let operator: OperatorProcess | undefined;
  const seen = new Sightings();
  try {
    const started = await startPlane({ stateDir, nodes: NODES });
    const plane = benchPlane(started.kubeconfig, stateDir);
    await installCrd(plane);
    await plane.kubectl(['create', 'namespace', NAMESPACE]);
    await eventually(() => plane.kubectl(['get', 'serviceaccount', 'default', '-n', NAMESPACE]), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    operator = await startOperator(plane, [
      `--namespaces=${NAMESPACE}`,
      '--lease-name=bench',
      `--resync-seconds=${RESYNC_SECONDS}`,
    ]);
    console.log(
      `plane: ${NODES.gpuNodes} GPU nodes x ${NODES.gpusPerNode} GPUs; ` +
        `operator under tsx, resync every ${RESYNC_SECONDS} s`,
    );
    await printMemory('idle', operator);
    await seen.start(plane.kubeconfig);
    await measureLatency(plane, seen);
    await measureFleet(plane, seen, operator);
    await printMemory(`with ${FLEET_SIZE} objects at steady state`, operator);
    await measureResync(plane, operator);
    await printMemory('after the resync', operator);
  } finally {
    seen.stop();
    await operator?.stop();
    await stopPlane(stateDir);
  }
}

await main();
