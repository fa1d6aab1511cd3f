/**
 * `npm run demo`: the whole story on this machine. Brings up a local control plane of its
 * own, installs the CRD, starts the operator, applies examples/minimal.yaml with kubectl in
 * the namespace `mistral-demo`, waits for Ready while showing progress, prints what a
 * person wants to see, and cleans up. With `--keep` it leaves the plane and the operator
 * running until Ctrl-C.
 *
 * The demo never shares: it refuses to run while a plane started with `npm run cluster:up`
 * is running in `.cluster/`, and its operator watches only `mistral-demo` and competes for a
 * Lease of its own. Ctrl-C at any point runs the same cleanup as a normal end: delete the
 * example, stop the operator, stop the plane and remove `.cluster/`.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  freeLoopbackPort,
  inspectPlane,
  operatorKubeconfig,
  startPlane,
  stopPlane,
  type Plane,
} from '../cluster/plane.js';
import { abortOnInterrupt, interruptedExitCode, isAborted } from '../cluster/processes.js';
import { toolPath } from '../cluster/tools.js';

const interrupted = abortOnInterrupt((line) => console.log(`\n  ${line}`));

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stateDir = join(repoRoot, '.cluster');
const operatorLog = join(stateDir, 'logs', 'operator.log');
const example = join(repoRoot, 'examples', 'minimal.yaml');
const keep = process.argv.includes('--keep');

/** Everything the demo creates lives here, so it cannot touch anything else. */
const namespace = 'mistral-demo';
const leaseName = 'mistral-operator-demo';
const readyTimeoutMs = 120_000;
const operatorStopGraceMs = 15_000;
const logTailLines = 20;

const step = (text: string) => console.log(`\n==> ${text}`);

/** Runs kubectl against `plane`; aborting `signal` kills it. */
async function kubectl(plane: Plane, args: string[], signal?: AbortSignal): Promise<string> {
  const kubeconfig = `--kubeconfig=${plane.kubeconfig}`;
  const { stdout } = await run(toolPath('kubectl'), [kubeconfig, ...args], {
    timeout: 60_000,
    signal,
  });
  return stdout;
}

/** The demo's operator and the address of its health server. */
interface DemoOperator {
  child: ChildProcess;
  url: string;
}

async function startOperator(plane: Plane): Promise<DemoOperator> {
  const port = await freeLoopbackPort();
  const log = openSync(operatorLog, 'a');
  const args = ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts'), 'run'];
  args.push(`--kubeconfig=${operatorKubeconfig(plane.stateDir)}`);
  args.push('--host=127.0.0.1', `--port=${port}`, `--namespaces=${namespace}`);
  args.push(`--lease-namespace=${namespace}`, `--lease-name=${leaseName}`);
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', log, log] });
  return { child, url: `http://127.0.0.1:${port}` };
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** SIGTERM, and SIGKILL if the operator has not exited within 15 s. */
async function stopOperator(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), operatorStopGraceMs);
  await exited;
  clearTimeout(timer);
}

async function conditionsLine(plane: Plane, signal: AbortSignal): Promise<string> {
  const jsonpath =
    '{range .status.conditions[*]}{.type}={.status}({.reason}) {end}| {.status.readyReplicasText}';
  const args = ['get', 'mdep', 'small4', '-n', namespace, '-o', `jsonpath=${jsonpath}`];
  const line = await kubectl(plane, args, signal).catch(() => 'not created yet');
  return line.replace(/^[\s|]+$/, '').trim() || 'waiting for the operator to write status';
}

/** What the operator's `/readyz` says about leadership. */
async function leadership(operator: DemoOperator): Promise<string> {
  try {
    const response = await fetch(`${operator.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
    const report = (await response.json()) as { role?: string; reason?: string };
    const verdict = report.role === 'leader' ? 'is the leader' : 'is NOT the leader';
    const lease = `Lease ${namespace}/${leaseName}`;
    return `${verdict} of ${lease} (/readyz: role ${report.role}, ${report.reason})`;
  } catch (error) {
    return `did not answer /readyz at ${operator.url}: ${(error as Error).message}`;
  }
}

function logTail(): string[] {
  if (!existsSync(operatorLog)) return ['(no operator log)'];
  const lines = readFileSync(operatorLog, 'utf8').trimEnd().split('\n');
  return lines.slice(-logTailLines).map((line) => `    ${line.slice(0, 400)}`);
}

/** Why Ready never came, from every side: the object, the operator's role, its log. */
async function diagnosis(headline: string, conditions: string, operator: DemoOperator) {
  const role = hasExited(operator.child) ? 'has exited' : await leadership(operator);
  return [
    headline,
    `  last conditions seen: ${conditions}`,
    `  the operator ${role}`,
    `  last ${logTailLines} lines of its log:`,
    ...logTail(),
  ].join('\n');
}

/** Polls the object's conditions once a second, printing each change, until Ready. */
async function waitForReady(
  plane: Plane,
  operator: DemoOperator,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (hasExited(operator.child)) {
      const status = operator.child.exitCode ?? operator.child.signalCode;
      throw new Error(await diagnosis(`the operator exited (${status})`, last, operator));
    }
    const line = await conditionsLine(plane, signal);
    if (line !== last) console.log(`  [${new Date().toISOString().slice(11, 19)}] ${line}`);
    last = line;
    if (line.includes('Ready=True')) return;
    await delay(1_000, undefined, { signal });
  }
  const headline = `small4 was not Ready after ${readyTimeoutMs / 1000}s`;
  throw new Error(await diagnosis(headline, last, operator));
}

async function show(plane: Plane, signal: AbortSignal): Promise<void> {
  const get = (args: string[]) => kubectl(plane, [...args, '-n', namespace], signal);
  step(`kubectl get mdep -n ${namespace}`);
  console.log(await get(['get', 'mdep']));
  step('objects the operator owns (deploy, svc, pdb, pods of app.kubernetes.io/instance=small4)');
  const owned = ['get', 'deploy,svc,pdb,pods', '-l', 'app.kubernetes.io/instance=small4'];
  console.log(await get([...owned, '-o', 'wide']));
  step('the vLLM command line of the pod');
  const container = '.spec.template.spec.containers[0]';
  const jsonpath = `jsonpath={${container}.command} {${container}.args}`;
  console.log(`  ${await get(['get', 'deploy', 'small4', '-o', jsonpath])}`);
  step('the endpoint (status.endpoint)');
  console.log(`  ${await get(['get', 'mdep', 'small4', '-o', 'jsonpath={.status.endpoint}'])}`);
}

/**
 * Why the demo will not run here, or undefined. It deletes what it made and stops its plane
 * at the end, so it never shares one.
 */
async function refusal(): Promise<string | undefined> {
  const found = await inspectPlane(stateDir);
  if (found.state !== 'running') return undefined;
  const kubectlPath = toolPath('kubectl');
  return [
    'The demo did not start: a local control plane is already running in .cluster',
    '(from npm run cluster:up), and the demo starts and removes a plane of its own.',
    'Either stop that plane (its objects are lost):',
    '  npm run cluster:down',
    'or use it yourself:',
    `  export KUBECONFIG=${found.plane.kubeconfig}`,
    `  ${kubectlPath} apply --server-side -f crds/`,
    `  ${kubectlPath} apply -f examples/minimal.yaml`,
  ].join('\n');
}

async function prepareCluster(plane: Plane, signal: AbortSignal): Promise<void> {
  step('installing the MistralDeployment CRD');
  await kubectl(plane, ['apply', '--server-side', '-f', join(repoRoot, 'crds')], signal);
  const crd = 'crd/mistraldeployments.serving.mistral-operator.io';
  await kubectl(plane, ['wait', '--for=condition=Established', '--timeout=30s', crd], signal);
  step(`creating the namespace ${namespace}`);
  await kubectl(plane, ['create', 'namespace', namespace], signal);
}

function untilInterrupted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((done) => signal.addEventListener('abort', () => done(), { once: true }));
}

/** The end of every run, Ctrl-C or not; each step is bounded and none needs `signal`. */
async function cleanUp(plane: Plane | undefined, operator: DemoOperator | undefined) {
  step('cleaning up');
  const quietly = (args: string[]) => (plane ? kubectl(plane, args).catch(() => '') : '');
  await quietly(['delete', '-n', namespace, '-f', example, '--ignore-not-found', '--timeout=30s']);
  if (operator) await stopOperator(operator.child);
  await quietly(['delete', 'namespace', namespace, '--ignore-not-found', '--timeout=30s']);
  await stopPlane(stateDir);
  console.log('  done');
}

/** Runs the demo; resolves to the exit status. */
async function main(signal: AbortSignal): Promise<number> {
  const refused = await refusal();
  if (refused) {
    console.error(refused);
    return 1;
  }
  let plane: Plane | undefined;
  let operator: DemoOperator | undefined;
  try {
    step(
      'starting a local control plane in .cluster (real kube-apiserver, scheduler, controller manager; KWOK GPU nodes)',
    );
    plane = await startPlane({ stateDir, log: (line) => console.log(`  ${line}`), signal });
    await prepareCluster(plane, signal);
    step('starting the operator (logs: .cluster/logs/operator.log, removed at the end)');
    signal.throwIfAborted();
    operator = await startOperator(plane);
    step(`kubectl apply -n ${namespace} -f examples/minimal.yaml`);
    console.log(await kubectl(plane, ['apply', '-n', namespace, '-f', example], signal));
    step('waiting for Ready (conditions as they change)');
    await waitForReady(plane, operator, signal);
    await show(plane, signal);
    if (!keep) return 0;
    step('left running; press Ctrl-C to stop everything');
    console.log(`  export KUBECONFIG=${plane.kubeconfig}`);
    console.log(`  ${toolPath('kubectl')} get mdep -n ${namespace}`);
    console.log(`  ${toolPath('kubectl')} describe mdep small4 -n ${namespace}`);
    await untilInterrupted(signal);
    // With --keep, Ctrl-C is the asked-for end, not an interruption.
    return 0;
  } finally {
    await cleanUp(plane, operator);
  }
}

main(interrupted).then(
  (status) => process.exit(status),
  async (error: unknown) => {
    if (await isAborted(interrupted)) {
      console.error('demo interrupted; everything it started is stopped');
      process.exit(interruptedExitCode);
    }
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
