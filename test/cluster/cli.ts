/**
 * `npm run cluster:up` / `npm run cluster:down` / `npm run cluster:build`: the local control
 * plane for people. State lives in `.cluster/` at the repository root, with the admin
 * kubeconfig at `.cluster/kubeconfig`.
 *
 * Flags of `up`: --gpu-nodes N, --gpus-per-node N, --gpu-product NAME, --cpu-nodes N,
 * --gpu-node-label key=value (repeatable). They shape a new plane only: a running one is
 * kept as it is. Ctrl-C during `up` stops whatever the start had started.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultNodePlan, type NodePlan } from './nodes.js';
import { inspectPlane, startPlane, stopPlane, type Plane } from './plane.js';
import { abortOnInterrupt, interruptedExitCode, isAborted } from './processes.js';
import { ensureTools, toolPath } from './tools.js';

const interrupted = abortOnInterrupt();
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stateDir = join(repoRoot, '.cluster');

function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`--${flag} wants a whole number, got ${value}`);
  return parsed;
}

function labelsFrom(pairs: string[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const [key, value] = pair.split('=', 2);
    if (!key || value === undefined)
      throw new Error(`--gpu-node-label wants key=value, got ${pair}`);
    labels[key] = value;
  }
  return labels;
}

function nodePlanFrom(args: string[]): NodePlan {
  const { values } = parseArgs({
    args,
    options: {
      'gpu-nodes': { type: 'string' },
      'gpus-per-node': { type: 'string' },
      'gpu-product': { type: 'string' },
      'cpu-nodes': { type: 'string' },
      'gpu-node-label': { type: 'string', multiple: true },
    },
  });
  return {
    gpuNodes: positiveInt('gpu-nodes', values['gpu-nodes'], defaultNodePlan.gpuNodes),
    gpusPerNode: positiveInt('gpus-per-node', values['gpus-per-node'], defaultNodePlan.gpusPerNode),
    gpuProduct: values['gpu-product'] ?? defaultNodePlan.gpuProduct,
    cpuNodes: positiveInt('cpu-nodes', values['cpu-nodes'], defaultNodePlan.cpuNodes),
    gpuNodeLabels: labelsFrom(values['gpu-node-label']),
  };
}

function printHowToUse(plane: Plane): void {
  console.log(`  export KUBECONFIG=${plane.kubeconfig}`);
  console.log(`  ${toolPath('kubectl')} get nodes`);
}

async function up(args: string[]): Promise<void> {
  const nodes = nodePlanFrom(args);
  const found = await inspectPlane(stateDir);
  if (found.state === 'running') {
    const ignored = args.length > 0;
    console.log(
      `local control plane already running at ${found.plane.server}` +
        (ignored
          ? '; node flags ignored — run npm run cluster:down first to change the nodes'
          : ''),
    );
    return printHowToUse(found.plane);
  }
  const started = Date.now();
  const plane = await startPlane({ stateDir, nodes, log: console.log, signal: interrupted });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`local control plane up in ${seconds}s at ${plane.server}`);
  printHowToUse(plane);
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'up') return up(rest);
  if (command === 'down') {
    await stopPlane(stateDir);
    return console.log('local control plane stopped');
  }
  if (command === 'build') return ensureTools(console.log);
  console.error('usage: cli.ts up [flags] | down | build');
  process.exitCode = 2;
}

main().then(
  () => {
    if (interrupted.aborted) process.exitCode = interruptedExitCode;
  },
  async (error: unknown) => {
    if (await isAborted(interrupted)) {
      console.error('interrupted: every process the start had started is stopped');
      process.exitCode = interruptedExitCode;
      return;
    }
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
