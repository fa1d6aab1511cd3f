/**
 * `npm test`: every test of the project in one run of node's test runner.
 *
 * When any selected test needs a cluster (those under test/integration and test/e2e), the
 * local control plane is started once, before the runner, and stopped afterwards whatever
 * happens, so no process of the plane outlives the run. Arguments select test files or
 * folders (default: all of test/).
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlane, stopPlane } from './cluster/plane.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = join(repoRoot, '.cluster-test');

function testFiles(path: string): string[] {
  if (statSync(path).isFile()) return path.endsWith('.test.ts') ? [path] : [];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => testFiles(join(path, entry)));
}

const needsCluster = (file: string) => /^test\/(integration|e2e)\//.test(relative(repoRoot, file));

function runNodeTests(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const args = ['--import', 'tsx', '--test', '--test-concurrency=1', ...files];
  return new Promise((resolveExit) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: 'inherit' });
    child.on('close', (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const selected = process.argv.slice(2);
  const roots = selected.length > 0 ? selected.map((p) => resolve(p)) : [join(repoRoot, 'test')];
  const files = roots.flatMap(testFiles);
  if (files.length === 0) throw new Error(`no test files under ${roots.join(', ')}`);
  if (!files.some(needsCluster)) return runNodeTests(files, process.env);

  const stopOnSignal = () => void stopPlane(stateDir).finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const started = Date.now();
    const plane = await startPlane({ stateDir, log: console.log });
    console.log(`local control plane ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return await runNodeTests(files, {
      ...process.env,
      MISTRAL_TEST_KUBECONFIG: plane.kubeconfig,
      MISTRAL_TEST_STATE_DIR: plane.stateDir,
    });
  } finally {
    await stopPlane(stateDir);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
