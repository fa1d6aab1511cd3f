/**
 * The local control plane as tests see it: one plane per test run, started by
 * `test/run-tests.ts` and handed over in `MISTRAL_TEST_KUBECONFIG`. A test file run on its
 * own (`node --import tsx --test FILE`) starts a private plane instead and stops it after
 * the file's last test.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { promisify } from 'node:util';
import { startPlane, stopPlane } from '../cluster/plane.js';
import { toolPath } from '../cluster/tools.js';
import { eventually } from './eventually.js';

const run = promisify(execFile);

/** What a test needs to reach the plane. */
export interface TestPlane {
  kubeconfig: string;
  /** The plane's state directory (logs, and the audit log of writes). */
  stateDir: string;
  /** Runs the real kubectl against the plane and returns its stdout; throws with stderr. */
  kubectl(args: string[], input?: string): Promise<string>;
  /** Runs `kubectl ... -o json` and parses the result. */
  kubectlJson<T = unknown>(args: string[]): Promise<T>;
}

let shared: Promise<TestPlane> | undefined;
let privateStateDir: string | undefined;

// Registered at import, so at the root of the test file: runs once its last test is done.
after(() => (privateStateDir ? stopPlane(privateStateDir) : undefined));

async function planeForThisRun(): Promise<{ kubeconfig: string; stateDir: string }> {
  const fromRunner = process.env.MISTRAL_TEST_KUBECONFIG;
  const runnerState = process.env.MISTRAL_TEST_STATE_DIR;
  if (fromRunner && runnerState) return { kubeconfig: fromRunner, stateDir: runnerState };
  const stateDir = mkdtempSync(join(tmpdir(), 'mistral-plane-'));
  privateStateDir = stateDir;
  const plane = await startPlane({ stateDir, log: (line) => console.error(line) });
  return { kubeconfig: plane.kubeconfig, stateDir };
}

async function kubectlWith(kubeconfig: string, args: string[], input?: string): Promise<string> {
  const child = run(toolPath('kubectl'), [`--kubeconfig=${kubeconfig}`, ...args], {
    maxBuffer: 32 * 1024 * 1024,
    timeout: 60_000,
  });
  if (input !== undefined) child.child.stdin?.end(input);
  try {
    return (await child).stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`kubectl ${args.join(' ')}: ${stderr || (error as Error).message}`, {
      cause: error,
    });
  }
}

/** The plane of this test run, started on first use. */
export function testPlane(): Promise<TestPlane> {
  shared ??= planeForThisRun().then(({ kubeconfig, stateDir }) => ({
    kubeconfig,
    stateDir,
    kubectl: (args, input) => kubectlWith(kubeconfig, args, input),
    kubectlJson: async <T>(args: string[]) =>
      JSON.parse(await kubectlWith(kubeconfig, [...args, '-o', 'json'])) as T,
  }));
  return shared;
}

/**
 * Creates a uniquely named namespace, ready for pods. The caller deletes it in its own
 * `after` hook with {@link deleteNamespace}.
 */
export async function testNamespace(plane: TestPlane, prefix: string): Promise<string> {
  const name = `${prefix}-${process.pid}-${Date.now().toString(36)}`;
  await plane.kubectl(['create', 'namespace', name]);
  // Pods are refused until the service-account controller has made `default` here.
  await eventually(() => plane.kubectl(['get', 'serviceaccount', 'default', '-n', name]), {
    timeoutMs: 30_000,
  });
  return name;
}

/**
 * Deletes a namespace made by {@link testNamespace} and waits until its pods are gone, so the
 * GPUs they held are free again before the next test file counts them.
 */
export async function deleteNamespace(plane: TestPlane, name: string): Promise<void> {
  await plane.kubectl(['delete', 'namespace', name, '--wait=false', '--ignore-not-found']);
  await eventually(
    async () => {
      const pods = await plane.kubectlJson<{ items: unknown[] }>(['get', 'pods', '-n', name]);
      if (pods.items.length > 0) throw new Error(`${pods.items.length} pod(s) left`);
    },
    { timeoutMs: 90_000, intervalMs: 250, what: `the pods of namespace ${name} gone` },
  );
}
