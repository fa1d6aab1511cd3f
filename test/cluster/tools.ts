/**
 * The pinned binaries of the local control plane: where they come from, where they are
 * cached, and how a missing one is built.
 *
 * Each tool has a wrapper Go module under `test/cluster/tools/<module>` whose go.mod and
 * go.sum pin the exact version. Binaries land in a cache directory outside the repository,
 * in a folder named after the pinned version, so a version bump rebuilds and an unchanged
 * pin never does.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const toolsRoot = join(dirname(fileURLToPath(import.meta.url)), 'tools');

/** One Go module and the commands built from it. */
interface ToolModule {
  module: string;
  /** The module whose pinned version names the cache folder. */
  versionOf: string;
  commands: Record<string, string>;
  ldflags?: (version: string) => string[];
}

function kubernetesVersionFlags(version: string): string[] {
  const [major, minor] = version.replace(/^v/, '').split('.');
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
    `-X ${pkg}.gitVersion=${version}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
  ]);
}

const toolModules: ToolModule[] = [
  {
    module: 'etcd',
    versionOf: 'go.etcd.io/etcd/server/v3',
    commands: { etcd: './cmd/etcd' },
  },
  {
    module: 'kubernetes',
    versionOf: 'k8s.io/kubernetes',
    commands: {
      'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
      'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
      'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler',
      kubectl: 'k8s.io/kubernetes/cmd/kubectl',
    },
    ldflags: kubernetesVersionFlags,
  },
  {
    module: 'kwok',
    versionOf: 'sigs.k8s.io/kwok',
    commands: { kwok: 'sigs.k8s.io/kwok/cmd/kwok' },
  },
  { module: 'helm', versionOf: 'helm.sh/helm/v4', commands: { helm: 'helm.sh/helm/v4/cmd/helm' } },
];

/** Every binary the plane and the tests use. */
export type ToolName =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubectl'
  | 'kwok'
  | 'helm';

/** Root of the build cache; `MISTRAL_OPERATOR_CACHE` moves it (CI keeps it between runs). */
export function cacheRoot(): string {
  const xdg = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return process.env.MISTRAL_OPERATOR_CACHE ?? join(xdg, 'mistral-operator');
}

function pinnedVersion(tool: ToolModule): string {
  const goMod = readFileSync(join(toolsRoot, tool.module, 'go.mod'), 'utf8');
  const escaped = tool.versionOf.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(goMod);
  if (!match?.[1]) {
    throw new Error(`no pinned version of ${tool.versionOf} in tools/${tool.module}/go.mod`);
  }
  return match[1];
}

function binDir(tool: ToolModule): string {
  return join(cacheRoot(), 'bin', `${tool.module}-${pinnedVersion(tool)}`);
}

function moduleOf(name: ToolName): ToolModule {
  const tool = toolModules.find((candidate) => name in candidate.commands);
  if (!tool) throw new Error(`unknown tool ${name}`);
  return tool;
}

/**
 * Path of a tool's binary. `KUBEBUILDER_ASSETS` (the envtest convention: a folder holding
 * etcd, kube-apiserver and kubectl, perhaps more) wins for whatever it contains.
 */
export function toolPath(name: ToolName): string {
  const assets = process.env.KUBEBUILDER_ASSETS;
  if (assets && existsSync(join(assets, name))) return join(assets, name);
  return join(binDir(moduleOf(name)), name);
}

function missingTools(): ToolModule[] {
  return toolModules.filter((tool) =>
    Object.keys(tool.commands).some((name) => !existsSync(toolPath(name as ToolName))),
  );
}

function countPackages(tool: ToolModule, cwd: string): number {
  const out = execFileSync('go', ['list', '-deps', ...Object.values(tool.commands)], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return out.split('\n').filter(Boolean).length;
}

function goBuild(tool: ToolModule, log: (line: string) => void): Promise<void> {
  const cwd = join(toolsRoot, tool.module);
  const version = pinnedVersion(tool);
  const total = countPackages(tool, cwd);
  const out = binDir(tool);
  mkdirSync(out, { recursive: true });
  const ldflags = ['-s', '-w', ...(tool.ldflags?.(version) ?? [])].join(' ');
  const args = ['build', '-v', '-trimpath', `-ldflags=${ldflags}`, '-o', `${out}/`];
  return runBuild(`${tool.module} ${version}`, cwd, args.concat(Object.values(tool.commands)), {
    total,
    log,
  });
}

function runBuild(
  label: string,
  cwd: string,
  args: string[],
  progress: { total: number; log: (line: string) => void },
): Promise<void> {
  const started = Date.now();
  let compiled = 0;
  const stderrTail: string[] = [];
  const ticker = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    const percent = Math.min(99, Math.round((100 * compiled) / Math.max(progress.total, 1)));
    progress.log(
      `  building ${label}: ${compiled}/${progress.total} packages (~${percent}%), ${seconds}s`,
    );
  }, 15_000);
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { cwd, stdio: ['ignore', 'inherit', 'pipe'] });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        compiled += 1;
        stderrTail.push(line);
        if (stderrTail.length > 40) stderrTail.shift();
      }
    });
    child.on('error', (error) => {
      clearInterval(ticker);
      reject(new Error(`building ${label}: cannot run go: ${error.message}`, { cause: error }));
    });
    child.on('close', (code) => {
      clearInterval(ticker);
      if (code === 0) return resolve();
      reject(new Error(`building ${label} failed (go exited ${code}):\n${stderrTail.join('\n')}`));
    });
  });
}

/** Seconds each module took the last time it was built, kept for the benchmark. */
export function buildTimesFile(): string {
  return join(cacheRoot(), 'build-times.json');
}

function recordBuildTime(tool: ToolModule, seconds: number): void {
  const file = buildTimesFile();
  const times = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as object) : {};
  const entry = { version: pinnedVersion(tool), seconds, at: new Date().toISOString() };
  writeFileSync(file, JSON.stringify({ ...times, [tool.module]: entry }, null, 2));
}

/**
 * Builds every pinned tool that is not in the cache yet, one module at a time, and logs
 * progress. A warm cache makes this a few file checks.
 */
export async function ensureTools(log: (line: string) => void = console.log): Promise<void> {
  const missing = missingTools();
  if (missing.length === 0) return;
  log(`building ${missing.map((tool) => tool.module).join(', ')} into ${cacheRoot()}/bin`);
  log('  (first build only; it takes many minutes on a small machine, later runs reuse it)');
  for (const [index, tool] of missing.entries()) {
    const started = Date.now();
    const step = `[${index + 1}/${missing.length}] ${tool.module}`;
    log(`${step}: ${Object.keys(tool.commands).join(', ')}`);
    await goBuild(tool, log);
    const seconds = Math.round((Date.now() - started) / 1000);
    recordBuildTime(tool, seconds);
    log(`${step} built in ${seconds}s`);
  }
}
