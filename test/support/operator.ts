/**
 * The operator as tests run it: the real `mistral-operator run` command in a child process,
 * against the test plane, with its health server on a free loopback port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { operatorKubeconfig } from '../cluster/plane.js';
import { eventually } from './eventually.js';
import type { TestPlane } from './plane.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(repoRoot, 'src', 'cli', 'main.ts');
const crdDir = join(repoRoot, 'crds');

/** A running operator process. */
export interface OperatorProcess {
  /** Base URL of its health and metrics server, on 127.0.0.1. */
  url: string;
  child: ChildProcess;
  /** JSON log lines it printed so far, parsed. */
  logs(): Record<string, unknown>[];
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, no goodbye, as a crash or an OOM kill would. */
  kill(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Installs the CRD from `crds/` and waits until the API server serves it. */
export async function installCrd(plane: TestPlane): Promise<void> {
  await plane.kubectl(['apply', '--server-side', '-f', crdDir]);
  await plane.kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=30s',
    'crd/mistraldeployments.serving.mistral-operator.io',
  ]);
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
}

/**
 * Starts `mistral-operator run` with the plane's `mistral-operator` identity (so its writes
 * can be told apart in the audit log) and waits until `/readyz` answers 200.
 */
export async function startOperator(
  plane: TestPlane,
  extraArgs: string[] = [],
): Promise<OperatorProcess> {
  const port = await freePort();
  const args = [
    '--import',
    'tsx',
    cli,
    'run',
    `--kubeconfig=${operatorKubeconfig(plane.stateDir)}`,
  ];
  args.push('--host=127.0.0.1', `--port=${port}`, '--lease-namespace=default', ...extraArgs);
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const logs = () =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`operator exited ${child.exitCode}:\n${output}`);
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (response.status !== 200) throw new Error(`/readyz answered ${response.status}`);
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  return {
    url,
    child,
    logs,
    stop: async () => {
      child.kill('SIGTERM');
      return exited(child);
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
  };
}
