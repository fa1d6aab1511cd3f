/**
 * The local control plane: real etcd, kube-apiserver, kube-controller-manager and
 * kube-scheduler, with KWOK playing the nodes and the pods' lifecycle.
 *
 * Every component listens on 127.0.0.1 only, on ports picked free at start. State (PKI,
 * etcd data, kubeconfigs, logs, pids) lives in one state directory; stopping the plane
 * stops every process recorded there and removes the directory.
 *
 * A plane is used again only when it is whole: all five components recorded and alive, its
 * start-up finished, and the API server answering `/readyz`. Anything less is stopped and
 * replaced by a fresh plane, which starts with an empty etcd.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { generatePki, type ClientName, type Pki } from './pki.js';
import { defaultNodePlan, kwokNodeAnnotation, renderNodes, type NodePlan } from './nodes.js';
import {
  findProcesses,
  isAborted,
  isOurs,
  startProcess,
  stopProcess,
  type ManagedProcess,
} from './processes.js';
import { ensureTools, toolPath } from './tools.js';
import { waitForApiServer, waitFor } from './readiness.js';

/** A running plane, as handed to tests and the demo. */
export interface Plane {
  stateDir: string;
  /** Admin kubeconfig (user in `system:masters`). */
  kubeconfig: string;
  /** `https://127.0.0.1:PORT` of the API server. */
  server: string;
}

/** Kubeconfig of the user `mistral-operator`, for running the operator against a plane. */
export const operatorKubeconfig = (stateDir: string) => join(stateDir, 'operator.kubeconfig');

/** How to start a plane. */
export interface PlaneOptions {
  stateDir: string;
  /** @default defaultNodePlan */
  nodes?: NodePlan;
  /** Progress lines for a person. @default none */
  log?: (line: string) => void;
  /**
   * Aborting it stops the start: it is checked before every process start and every wait,
   * and the start then stops what it started, removes `stateDir` and rejects with
   * `signal.reason`. @default never aborted
   */
  signal?: AbortSignal;
}

/** Pods get addresses from this loopback pool, so stand-in servers can bind them. */
export const podAddressPool = '127.20.0.1/16';

/** The plane's processes, in start order. A plane is whole only with all of them. */
const components = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
] as const;

type Component = (typeof components)[number];

/** What `plane.json` records. */
interface PlaneState {
  server: string;
  processes: ManagedProcess[];
  /** Set once nodes are Ready and pods are admitted; a start that was cut off lacks it. */
  complete?: boolean;
}

/** What {@link inspectPlane} found in a state directory. */
export type PlaneStatus =
  { state: 'absent' } | { state: 'running'; plane: Plane } | { state: 'unhealthy'; reason: string };

const stateFile = (stateDir: string) => join(stateDir, 'plane.json');

/** How long {@link inspectPlane} waits for `/readyz` of a plane that should be up. */
const readyzBudgetMs = 3_000;

/** A TCP port on 127.0.0.1 that was free a moment ago, for a server to listen on. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

function writeKubeconfig(path: string, server: string, pki: Pki, client: ClientName): void {
  const { cert, key } = pki.clients[client];
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server, 'certificate-authority': pki.caCert } }],
    users: [{ name: client, user: { 'client-certificate': cert, 'client-key': key } }],
    contexts: [{ name: 'local', context: { cluster: 'local', user: client } }],
    'current-context': 'local',
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}

function etcdArgs(stateDir: string, clientPort: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    '--name=local',
    `--data-dir=${join(stateDir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=local=${peer}`,
    // Throwaway data: skipping fsync makes the plane several times faster on slow disks.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

/**
 * Every write request (create, update, patch, delete) is recorded with its user in
 * `<stateDir>/audit.log`, so tests can count exactly what a client wrote.
 */
const auditPolicy = {
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [
    { level: 'Metadata', verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'] },
    { level: 'None' },
  ],
};

/** Path of the audit log of writes of the plane in `stateDir`. */
export const auditLogPath = (stateDir: string) => join(stateDir, 'audit.log');

function apiServerArgs(stateDir: string, pki: Pki, etcdPort: number, port: number): string[] {
  const policyFile = join(stateDir, 'audit-policy.yaml');
  writeFileSync(policyFile, stringify(auditPolicy));
  return [
    `--audit-policy-file=${policyFile}`,
    `--audit-log-path=${auditLogPath(stateDir)}`,
    '--audit-log-format=json',
    '--audit-log-maxsize=200',
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--client-ca-file=${pki.caCert}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    // The default reconciler publishes the advertise address (loopback here) as the
    // `kubernetes` Service's endpoint, which endpoint validation refuses; nothing needs it.
    '--endpoint-reconciler-type=none',
    '--allow-privileged=true',
    '--profiling=false',
  ];
}

function controllerManagerArgs(pki: Pki, kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    '--secure-port=0',
    '--leader-elect=false',
    // Each controller acts as its own service account, as in a real cluster, so RBAC
    // applies to the garbage collector, the ReplicaSet controller and the rest.
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--root-ca-file=${pki.caCert}`,
    `--cluster-signing-cert-file=${pki.caCert}`,
    `--cluster-signing-key-file=${pki.caKey}`,
    '--controllers=*',
  ];
}

function schedulerArgs(kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    '--secure-port=0',
    '--leader-elect=false',
  ];
}

function kwokArgs(kubeconfig: string, stagesFile: string, serverPort: number): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--config=${stagesFile}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${kwokNodeAnnotation.key}=${kwokNodeAnnotation.value}`,
    `--cidr=${podAddressPool}`,
    '--node-ip=127.0.0.1',
    '--node-lease-duration-seconds=40',
    `--server-address=127.0.0.1:${serverPort}`,
  ];
}

const stagesTemplate = join(dirname(fileURLToPath(import.meta.url)), 'kwok-stages.yaml');

/**
 * Runs kubectl without blocking: a blocked event loop cannot take Ctrl-C, and tsx, which
 * launches the npm scripts, SIGKILLs a child that does not acknowledge a signal at once.
 */
function kubectl(
  kubeconfig: string,
  args: string[],
  options: { input?: string; signal?: AbortSignal } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      toolPath('kubectl'),
      [`--kubeconfig=${kubeconfig}`, ...args],
      { encoding: 'utf8', timeout: 30_000, signal: options.signal },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`kubectl ${args[0]}: ${stderr.trim() || error.message}`))
          : resolve(stdout),
    );
    child.stdin?.end(options.input);
  });
}

async function createNodes(plane: Plane, plan: NodePlan, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const list = { apiVersion: 'v1', kind: 'List', items: renderNodes(plan) };
  await kubectl(plane.kubeconfig, ['apply', '-f', '-'], { input: JSON.stringify(list), signal });
  await waitFor('nodes to become Ready', 60_000, async () => {
    signal?.throwIfAborted();
    const out = await kubectl(
      plane.kubeconfig,
      [
        'get',
        'nodes',
        '-o',
        'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
      ],
      { signal },
    );
    const statuses = out.split('\n').filter(Boolean);
    return statuses.length === list.items.length && statuses.every((s) => s === 'True');
  });
}

async function waitForDefaultServiceAccount(plane: Plane, signal?: AbortSignal): Promise<void> {
  // Pods are refused until the service-account controller has made `default`.
  const args = ['get', 'serviceaccount', 'default', '-n', 'default'];
  await waitFor('the default service account', 60_000, async () => {
    signal?.throwIfAborted();
    return kubectl(plane.kubeconfig, args, { signal }).then(
      () => true,
      () => false,
    );
  });
}

/** `plane.json` of `stateDir`, or undefined when there is none; throws when unreadable. */
function readState(stateDir: string): PlaneState | undefined {
  if (!existsSync(stateFile(stateDir))) return undefined;
  try {
    const state = JSON.parse(readFileSync(stateFile(stateDir), 'utf8')) as PlaneState;
    if (typeof state.server !== 'string' || !Array.isArray(state.processes))
      throw new Error('no server or processes');
    return state;
  } catch (error) {
    throw new Error(`${stateFile(stateDir)} is unreadable: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Writes `plane.json` whole or not at all, so an interrupted write leaves the old one. */
function saveState(stateDir: string, state: PlaneState): void {
  const next = `${stateFile(stateDir)}.next`;
  writeFileSync(next, JSON.stringify(state, null, 2));
  renameSync(next, stateFile(stateDir));
}

const planeAt = (stateDir: string, server: string): Plane => ({
  stateDir,
  kubeconfig: join(stateDir, 'kubeconfig'),
  server,
});

/** Why the recorded processes do not make a whole plane, or undefined when they do. */
function recordProblem(stateDir: string, state: PlaneState): string | undefined {
  const pids = new Map(state.processes.map((p) => [p.name, p.pid]));
  const missing = components.filter((name) => !pids.has(name));
  if (missing.length > 0) return `${missing.join(', ')} never started`;
  const dead = components.filter((name) => !isOurs(pids.get(name) ?? 0, stateDir));
  if (dead.length > 0) return `${dead.join(', ')} not running`;
  if (!state.complete) return 'its start-up never finished';
  return undefined;
}

/** One GET of `/readyz` as the admin user: undefined on 200, else what went wrong. */
function readyzOnce(
  stateDir: string,
  server: string,
  timeoutMs: number,
): Promise<string | undefined> {
  // The file names generatePki gives the CA and the admin's client certificate.
  const pki = join(stateDir, 'pki');
  return new Promise((resolve) => {
    let credentials;
    try {
      credentials = {
        ca: readFileSync(join(pki, 'ca.crt')),
        cert: readFileSync(join(pki, 'admin.crt')),
        key: readFileSync(join(pki, 'admin.key')),
      };
    } catch (error) {
      return resolve(`no admin credentials: ${(error as Error).message}`);
    }
    const req = request(`${server}/readyz`, { ...credentials, timeout: timeoutMs });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? undefined : `answered ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)));
    req.on('error', (error) => resolve(error.message));
    req.end();
  });
}

/** Asks `/readyz` until it answers 200 or {@link readyzBudgetMs} has passed. */
async function readyzProblem(stateDir: string, server: string): Promise<string | undefined> {
  const deadline = Date.now() + readyzBudgetMs;
  for (;;) {
    const left = deadline - Date.now();
    const problem = await readyzOnce(stateDir, server, Math.max(left, 250));
    if (!problem) return undefined;
    if (Date.now() + 250 >= deadline) return `kube-apiserver /readyz: ${problem}`;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * What is recorded in `stateDir`: nothing, a running plane, or an unhealthy one with the
 * reason. Running means all five components recorded and alive, start-up finished, and
 * `/readyz` answered within a few seconds; a live pid alone says little, as an API server
 * can take a minute to shut down while refusing every connection.
 */
export async function inspectPlane(stateDir: string): Promise<PlaneStatus> {
  let state: PlaneState | undefined;
  try {
    state = readState(stateDir);
  } catch (error) {
    return { state: 'unhealthy', reason: (error as Error).message };
  }
  if (!state) return { state: 'absent' };
  const problem = recordProblem(stateDir, state) ?? (await readyzProblem(stateDir, state.server));
  if (problem) return { state: 'unhealthy', reason: problem };
  return { state: 'running', plane: planeAt(stateDir, state.server) };
}

/** `path` relative to the working directory when inside it, as a person typed it. */
function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** One start in progress: each process is recorded as soon as it exists. */
interface Launch {
  stateDir: string;
  state: PlaneState;
  pki: Pki;
  plane: Plane;
  signal: AbortSignal | undefined;
}

function launchComponent(launch: Launch, name: Component, args: string[]): void {
  launch.signal?.throwIfAborted();
  const { stateDir, state } = launch;
  state.processes.push(startProcess(stateDir, name, toolPath(name), args));
  saveState(stateDir, state);
}

async function prepareLaunch(stateDir: string, signal?: AbortSignal) {
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  mkdirSync(join(stateDir, 'pki'), { recursive: true });
  const pki = generatePki(join(stateDir, 'pki'));
  const [etcd, etcdPeer, api, kwok] = await Promise.all([
    freeLoopbackPort(),
    freeLoopbackPort(),
    freeLoopbackPort(),
    freeLoopbackPort(),
  ]);
  const server = `https://127.0.0.1:${api}`;
  const state: PlaneState = { server, processes: [] };
  saveState(stateDir, state);
  const launch: Launch = { stateDir, state, pki, plane: planeAt(stateDir, server), signal };
  return { launch, ports: { etcd, etcdPeer, api, kwok } };
}

type Ports = Awaited<ReturnType<typeof prepareLaunch>>['ports'];

async function launchApiServer(launch: Launch, ports: Ports): Promise<void> {
  const { stateDir, state, pki, plane, signal } = launch;
  launchComponent(launch, 'etcd', etcdArgs(stateDir, ports.etcd, ports.etcdPeer));
  launchComponent(launch, 'kube-apiserver', apiServerArgs(stateDir, pki, ports.etcd, ports.api));
  for (const client of ['admin', 'controllerManager', 'scheduler', 'kwok', 'operator'] as const) {
    writeKubeconfig(join(stateDir, `${client}.kubeconfig`), plane.server, pki, client);
  }
  writeKubeconfig(plane.kubeconfig, plane.server, pki, 'admin');
  await waitForApiServer(plane.server, pki, 90_000, () => {
    signal?.throwIfAborted();
    return failedComponent(stateDir, state);
  });
}

function launchControllers(launch: Launch, ports: Ports): void {
  const { stateDir, pki } = launch;
  const kubeconfig = (client: ClientName) => join(stateDir, `${client}.kubeconfig`);
  const stages = join(stateDir, 'kwok-stages.yaml');
  launchComponent(
    launch,
    'kube-controller-manager',
    controllerManagerArgs(pki, kubeconfig('controllerManager')),
  );
  launchComponent(launch, 'kube-scheduler', schedulerArgs(kubeconfig('scheduler')));
  writeFileSync(stages, readFileSync(stagesTemplate));
  launchComponent(launch, 'kwok', kwokArgs(kubeconfig('kwok'), stages, ports.kwok));
}

/**
 * Starts a plane in `stateDir`, building missing binaries first. Idempotent: a plane that
 * is running there (see {@link inspectPlane}) is returned as is; an unhealthy one is stopped,
 * said so in `log`, and replaced. On failure or abort, whatever this call started is stopped.
 */
export async function startPlane(options: PlaneOptions): Promise<Plane> {
  const { stateDir, signal } = options;
  const log = options.log ?? (() => undefined);
  signal?.throwIfAborted();
  const found = await inspectPlane(stateDir);
  if (found.state === 'running') return found.plane;
  if (found.state === 'unhealthy') {
    log(
      `the plane in ${shownPath(stateDir)} was not healthy (${found.reason}); ` +
        'starting a new one — objects of the old plane are gone',
    );
  }
  await stopPlane(stateDir);
  signal?.throwIfAborted();
  await ensureTools(log);

  try {
    signal?.throwIfAborted();
    const { launch, ports } = await prepareLaunch(stateDir, signal);
    log('starting etcd and kube-apiserver');
    await launchApiServer(launch, ports);
    log('starting kube-controller-manager, kube-scheduler and kwok');
    launchControllers(launch, ports);
    log('creating simulated nodes');
    await createNodes(launch.plane, options.nodes ?? defaultNodePlan, signal);
    await waitForDefaultServiceAccount(launch.plane, signal);
    saveState(stateDir, { ...launch.state, complete: true });
    return launch.plane;
  } catch (error) {
    await stopPlane(stateDir, { keepLogs: true });
    if (signal && (await isAborted(signal))) {
      await stopPlane(stateDir);
      throw signal.reason;
    }
    const logs = join(stateDir, 'logs');
    throw new Error(
      `starting the local control plane: ${(error as Error).message} (logs in ${logs})`,
      { cause: error },
    );
  }
}

function failedComponent(stateDir: string, state: PlaneState): string | undefined {
  const dead = state.processes.find((p) => !isOurs(p.pid, stateDir));
  if (!dead) return undefined;
  const logFile = join(stateDir, 'logs', `${dead.name}.log`);
  const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).join('\n');
  return `${dead.name} exited:\n${tail}`;
}

/** Processes of `stateDir` newest first: by start order, whatever order they were found in. */
const newestFirst = (a: ManagedProcess, b: ManagedProcess) =>
  components.indexOf(b.name as Component) - components.indexOf(a.name as Component);

/**
 * Stops every process of the plane in `stateDir`, newest first, and removes the directory.
 * Besides those recorded in `plane.json` it stops any component process whose arguments
 * name `stateDir` (a lost or rewritten record, a start killed right after a spawn).
 * Idempotent: a missing or already stopped plane is fine.
 */
export async function stopPlane(
  stateDir: string,
  options: { keepLogs?: boolean } = {},
): Promise<void> {
  let recorded: ManagedProcess[] = [];
  try {
    recorded = readState(stateDir)?.processes ?? [];
  } catch {
    // An unreadable record: the search below still finds the processes.
  }
  const found = findProcesses(
    stateDir,
    components.map((name) => toolPath(name)),
  );
  const pids = new Set(recorded.map((p) => p.pid));
  const all = [...recorded, ...found.filter((p) => !pids.has(p.pid))];
  for (const proc of all.sort(newestFirst)) await stopProcess(proc, stateDir);
  if (!options.keepLogs) rmSync(stateDir, { recursive: true, force: true });
  else rmSync(stateFile(stateDir), { force: true });
}
