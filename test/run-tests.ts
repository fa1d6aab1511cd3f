/**
 * `npm test`: every test of the project in one run of node's test runner.
 *
 * When any selected test needs a cluster (those under test/integration and test/e2e), the
 * local control plane is started once, before the runner, and stopped afterwards whatever
 * happens, so no process of the plane outlives the run. Arguments select test files or
 * folders (default: all of test/).
 *
 * Ctrl-C (or SIGTERM) at any point aborts a plane start in progress, passes the signal on
 * to the test runner, stops the plane, and exits 130. Test files that start a private plane
 * make it under this run's own temporary directory (their TMPDIR), so planes of files cut
 * off mid-test are stopped here too.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlane, stopPlane } from './cluster/plane.js';
import { abortOnInterrupt, interruptedExitCode, isAborted } from './cluster/processes.js';

const interrupted = abortOnInterrupt();

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = join(repoRoot, '.cluster-test');

/** How long the test runner gets to exit once told to stop, before SIGKILL. */
const runnerStopGraceMs = 20_000;

function testFiles(path: string): string[] {
  if (statSync(path).isFile()) return path.endsWith('.test.ts') ? [path] : [];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => testFiles(join(path, entry)));
}

const needsCluster = (file: string) => /^test\/(integration|e2e)\//.test(relative(repoRoot, file));

/** Runs node's test runner on `files`; an abort is passed on to it as SIGINT. */
function runNodeTests(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const args = ['--import', 'tsx', '--test', '--test-concurrency=1', ...files];
  return new Promise((resolveExit) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: 'inherit' });
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      child.kill('SIGINT');
      killTimer = setTimeout(() => child.kill('SIGKILL'), runnerStopGraceMs);
    };
    if (interrupted.aborted) stop();
    else interrupted.addEventListener('abort', stop, { once: true });
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      interrupted.removeEventListener('abort', stop);
      resolveExit(code ?? (signal ? 1 : 0));
    });
  });
}

async function runWithPlane(files: string[]): Promise<number> {
  const runTmp = mkdtempSync(join(tmpdir(), 'mistral-test-run-'));
  try {
    const started = Date.now();
    const plane = await startPlane({ stateDir, log: console.log, signal: interrupted });
    console.log(`local control plane ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return await runNodeTests(files, {
      ...process.env,
      TMPDIR: runTmp,
      MISTRAL_TEST_KUBECONFIG: plane.kubeconfig,
      MISTRAL_TEST_STATE_DIR: plane.stateDir,
    });
  } finally {
    await stopPlane(stateDir);
    // Every plane process whose arguments lie under runTmp, then runTmp itself.
    await stopPlane(runTmp);
  }
}

async function main(): Promise<number> {
  const selected = process.argv.slice(2);
  const roots = selected.length > 0 ? selected.map((p) => resolve(p)) : [join(repoRoot, 'test')];
  const files = roots.flatMap(testFiles);
  if (files.length === 0) throw new Error(`no test files under ${roots.join(', ')}`);
  if (!files.some(needsCluster)) return runNodeTests(files, process.env);
  return runWithPlane(files);
}

main().then(
  (code) => process.exit(interrupted.aborted ? interruptedExitCode : code),
  async (error: unknown) => {
    if (await isAborted(interrupted)) {
      console.error('interrupted: the local control plane is stopped');
      process.exit(interruptedExitCode);
    }
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
