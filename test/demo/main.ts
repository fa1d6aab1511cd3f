/**
 * `npm run demo`: the whole story on this machine. Brings up the local control plane,
 * installs the CRD, starts the operator, applies examples/minimal.yaml with kubectl, waits
 * for Ready while showing progress, prints what a person wants to see, and cleans up.
 * With `--keep` it leaves the plane and the operator running until Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { openSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  operatorKubeconfig,
  runningPlane,
  startPlane,
  stopPlane,
  type Plane,
} from '../cluster/plane.js';
import { toolPath } from '../cluster/tools.js';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stateDir = join(repoRoot, '.cluster');
const keep = process.argv.includes('--keep');
const readyTimeoutMs = 120_000;

const step = (text: string) => console.log(`\n==> ${text}`);

async function kubectl(plane: Plane, args: string[]): Promise<string> {
  const { stdout } = await run(toolPath('kubectl'), [`--kubeconfig=${plane.kubeconfig}`, ...args], {
    timeout: 60_000,
  });
  return stdout;
}

function startOperator(plane: Plane): ChildProcess {
  const log = openSync(join(stateDir, 'logs', 'operator.log'), 'a');
  const args = ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts'), 'run'];
  args.push(`--kubeconfig=${operatorKubeconfig(plane.stateDir)}`, '--host=127.0.0.1', '--port=0');
  args.push('--lease-namespace=default');
  return spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', log, log] });
}

async function conditionsLine(plane: Plane): Promise<string> {
  const jsonpath =
    '{range .status.conditions[*]}{.type}={.status}({.reason}) {end}| {.status.readyReplicasText}';
  return kubectl(plane, [
    'get',
    'mdep',
    'small4',
    '-n',
    'default',
    '-o',
    `jsonpath=${jsonpath}`,
  ]).catch(() => 'not created yet');
}

/** Polls the object's conditions once a second, printing each change, until Ready. */
async function waitForReady(plane: Plane, operator: ChildProcess): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (operator.exitCode !== null)
      throw new Error(`the operator exited (${operator.exitCode}); see .cluster/logs/operator.log`);
    const line =
      (await conditionsLine(plane)).replace(/^[\s|]+$/, '').trim() ||
      'waiting for the operator to write status';
    if (line !== last) console.log(`  [${new Date().toISOString().slice(11, 19)}] ${line}`);
    last = line;
    if (line.includes('Ready=True')) return;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(
    `small4 was not Ready after ${readyTimeoutMs / 1000}s; see .cluster/logs/operator.log`,
  );
}

async function show(plane: Plane): Promise<void> {
  step('kubectl get mdep');
  console.log(await kubectl(plane, ['get', 'mdep', '-n', 'default']));
  step(
    'objects the operator owns (kubectl get deploy,svc,pdb,pods -l app.kubernetes.io/instance=small4)',
  );
  console.log(
    await kubectl(plane, [
      'get',
      'deploy,svc,pdb,pods',
      '-n',
      'default',
      '-l',
      'app.kubernetes.io/instance=small4',
      '-o',
      'wide',
    ]),
  );
  step('the vLLM command line of the pod');
  const args = await kubectl(plane, [
    'get',
    'deploy',
    'small4',
    '-n',
    'default',
    '-o',
    'jsonpath={.spec.template.spec.containers[0].command} {.spec.template.spec.containers[0].args}',
  ]);
  console.log(`  ${args}`);
  step('the endpoint (status.endpoint)');
  console.log(
    `  ${await kubectl(plane, ['get', 'mdep', 'small4', '-n', 'default', '-o', 'jsonpath={.status.endpoint}'])}`,
  );
}

/** SIGTERM, and SIGKILL if the operator has not exited within 15 s. */
async function stopOperator(operator: ChildProcess): Promise<void> {
  if (operator.exitCode !== null) return;
  const exited = new Promise((r) => operator.once('exit', r));
  operator.kill('SIGTERM');
  const timer = setTimeout(() => operator.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function waitForCtrlC(): Promise<void> {
  return new Promise((resolveWait) => {
    process.once('SIGINT', () => resolveWait());
    process.once('SIGTERM', () => resolveWait());
  });
}

async function main(): Promise<void> {
  // A plane someone started with `npm run cluster:up` stays up after the demo.
  const planeWasRunning = runningPlane(stateDir) !== undefined;
  step(
    'starting the local control plane (real kube-apiserver, scheduler, controller manager; KWOK GPU nodes)',
  );
  const plane = await startPlane({ stateDir, log: (line) => console.log(`  ${line}`) });
  let operator: ChildProcess | undefined;
  try {
    step('installing the MistralDeployment CRD');
    await kubectl(plane, ['apply', '--server-side', '-f', join(repoRoot, 'crds')]);
    await kubectl(plane, [
      'wait',
      '--for=condition=Established',
      '--timeout=30s',
      'crd/mistraldeployments.serving.mistral-operator.io',
    ]);
    step('starting the operator (logs: .cluster/logs/operator.log)');
    operator = startOperator(plane);
    step('kubectl apply -f examples/minimal.yaml');
    console.log(
      await kubectl(plane, [
        'apply',
        '-n',
        'default',
        '-f',
        join(repoRoot, 'examples', 'minimal.yaml'),
      ]),
    );
    step('waiting for Ready (conditions as they change)');
    await waitForReady(plane, operator);
    await show(plane);
    if (keep) {
      step('left running; press Ctrl-C to stop everything');
      console.log(`  export KUBECONFIG=${plane.kubeconfig}`);
      console.log(`  ${toolPath('kubectl')} get mdep -A`);
      console.log(`  ${toolPath('kubectl')} describe mdep small4`);
      await waitForCtrlC();
    }
  } finally {
    step('cleaning up');
    await kubectl(plane, [
      'delete',
      '-n',
      'default',
      '-f',
      join(repoRoot, 'examples', 'minimal.yaml'),
      '--ignore-not-found',
    ]).catch(() => '');
    if (operator) await stopOperator(operator);
    if (!planeWasRunning) await stopPlane(stateDir);
    console.log('  done');
  }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
