/**
 * Figures of the local control plane: how long a warm `cluster:up` takes to a ready API
 * server and to Ready nodes, how much memory the idle plane holds, and what the cold build
 * cost (as recorded when the cache was filled, or measured afresh with `--cold`).
 *
 *   npm run bench -- test/bench/local-plane.bench.ts [--cold]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlane, stopPlane } from '../cluster/plane.js';
import { buildTimesFile } from '../cluster/tools.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'cluster', 'cli.ts');

interface ProcessMemory {
  name: string;
  rssMiB: number;
  peakMiB: number;
}

function memoryOf(name: string, pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { name, rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

async function warmStart(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'mistral-bench-'));
  try {
    const started = Date.now();
    let apiReadyAt = 0;
    await startPlane({
      stateDir,
      log: (line) => {
        if (line.startsWith('starting kube-controller-manager')) apiReadyAt = Date.now();
      },
    });
    const nodesReadyAt = Date.now();
    console.log(
      `warm cluster:up to ready API server: ${((apiReadyAt - started) / 1000).toFixed(1)} s`,
    );
    console.log(
      `warm cluster:up to Ready nodes:      ${((nodesReadyAt - started) / 1000).toFixed(1)} s`,
    );
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const state = JSON.parse(readFileSync(join(stateDir, 'plane.json'), 'utf8')) as {
      processes: { name: string; pid: number }[];
    };
    const memory = state.processes.map((p) => memoryOf(p.name, p.pid));
    for (const m of memory) {
      console.log(
        `  ${m.name.padEnd(24)} rss ${m.rssMiB.toFixed(0).padStart(5)} MiB, peak ${m.peakMiB.toFixed(0).padStart(5)} MiB`,
      );
    }
    const sum = (pick: (m: ProcessMemory) => number) => memory.reduce((t, m) => t + pick(m), 0);
    console.log(
      `idle plane memory after 10 s: rss ${sum((m) => m.rssMiB).toFixed(0)} MiB, sum of per-process peaks ${sum((m) => m.peakMiB).toFixed(0)} MiB`,
    );
  } finally {
    await stopPlane(stateDir);
  }
}

function recordedBuild(): void {
  const file = buildTimesFile();
  if (!existsSync(file)) {
    console.log(
      'cold build: no build recorded in this cache (binaries came from elsewhere); run with --cold',
    );
    return;
  }
  const times = JSON.parse(readFileSync(file, 'utf8')) as Record<
    string,
    { version: string; seconds: number; at: string }
  >;
  let total = 0;
  for (const [module, t] of Object.entries(times)) {
    console.log(`  build ${module} ${t.version}: ${t.seconds} s (at ${t.at})`);
    total += t.seconds;
  }
  console.log(
    `cold build as recorded (modules may have been built with a partly warm Go cache): ${total} s`,
  );
}

function coldBuild(): void {
  const cache = mkdtempSync(join(tmpdir(), 'mistral-cold-build-'));
  try {
    const started = Date.now();
    const env = { ...process.env, MISTRAL_OPERATOR_CACHE: cache, GOCACHE: join(cache, 'go-build') };
    const result = spawnSync(process.execPath, ['--import', 'tsx', cli, 'build'], {
      env,
      stdio: 'inherit',
    });
    if (result.status !== 0) throw new Error(`cold build failed with exit ${result.status}`);
    console.log(
      `cold build (empty Go build cache, modules already downloaded): ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

if (process.argv.includes('--cold')) coldBuild();
else recordedBuild();
await warmStart();
