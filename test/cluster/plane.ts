/**
 * The local control plane: real etcd, kube-apiserver, kube-controller-manager and
 * kube-scheduler, with KWOK playing the nodes and the pods' lifecycle.
 *
 * Every component listens on 127.0.0.1 only, on ports picked free at start. State (PKI,
 * etcd data, kubeconfigs, logs, pids) lives in one state directory; stopping the plane
 * stops every process recorded there and removes the directory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { generatePki, type ClientName, type Pki } from './pki.js';
import { defaultNodePlan, kwokNodeAnnotation, renderNodes, type NodePlan } from './nodes.js';
import { isOurs, startProcess, stopProcess, type ManagedProcess } from './processes.js';
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
  nodes?: NodePlan;
  log?: (line: string) => void;
}

/** Pods get addresses from this loopback pool, so stand-in servers can bind them. */
export const podAddressPool = '127.20.0.1/16';

interface PlaneState {
  server: string;
  processes: ManagedProcess[];
}

const stateFile = (stateDir: string) => join(stateDir, 'plane.json');

function freePort(): Promise<number> {
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

function kubectl(kubeconfig: string, args: string[], input?: string): string {
  return execFileSync(toolPath('kubectl'), [`--kubeconfig=${kubeconfig}`, ...args], {
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

async function createNodes(plane: Plane, plan: NodePlan): Promise<void> {
  const list = { apiVersion: 'v1', kind: 'List', items: renderNodes(plan) };
  kubectl(plane.kubeconfig, ['apply', '-f', '-'], JSON.stringify(list));
  await waitFor('nodes to become Ready', 60_000, () => {
    const out = kubectl(plane.kubeconfig, [
      'get',
      'nodes',
      '-o',
      'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
    ]);
    const statuses = out.split('\n').filter(Boolean);
    return statuses.length === list.items.length && statuses.every((s) => s === 'True');
  });
}

async function waitForDefaultServiceAccount(plane: Plane): Promise<void> {
  // Pods are refused until the service-account controller has made `default`.
  await waitFor('the default service account', 60_000, () => {
    try {
      kubectl(plane.kubeconfig, ['get', 'serviceaccount', 'default', '-n', 'default']);
      return true;
    } catch {
      return false;
    }
  });
}

function readState(stateDir: string): PlaneState | undefined {
  if (!existsSync(stateFile(stateDir))) return undefined;
  return JSON.parse(readFileSync(stateFile(stateDir), 'utf8')) as PlaneState;
}

function saveState(stateDir: string, state: PlaneState): void {
  writeFileSync(stateFile(stateDir), JSON.stringify(state, null, 2));
}

/** The plane recorded in `stateDir` if every one of its processes is still running. */
export function runningPlane(stateDir: string): Plane | undefined {
  const state = readState(stateDir);
  if (!state || !state.processes.every((p) => isOurs(p.pid, stateDir))) return undefined;
  return { stateDir, kubeconfig: join(stateDir, 'kubeconfig'), server: state.server };
}

/**
 * Starts a plane in `stateDir`, building missing binaries first. Idempotent: a plane that
 * is already fully running there is returned as is; a half-running one is replaced.
 */
export async function startPlane(options: PlaneOptions): Promise<Plane> {
  const { stateDir } = options;
  const log = options.log ?? (() => undefined);
  const running = runningPlane(stateDir);
  if (running) return running;
  await stopPlane(stateDir);
  await ensureTools(log);

  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  mkdirSync(join(stateDir, 'pki'), { recursive: true });
  const pki = generatePki(join(stateDir, 'pki'));
  const [etcdPort, peerPort, apiPort, kwokPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const server = `https://127.0.0.1:${apiPort}`;
  const plane: Plane = { stateDir, kubeconfig: join(stateDir, 'kubeconfig'), server };
  const state: PlaneState = { server, processes: [] };
  const start = (name: string, args: string[]) => {
    state.processes.push(startProcess(stateDir, name, toolPath(name as 'etcd'), args));
    saveState(stateDir, state);
  };

  try {
    log('starting etcd and kube-apiserver');
    start('etcd', etcdArgs(stateDir, etcdPort, peerPort));
    start('kube-apiserver', apiServerArgs(stateDir, pki, etcdPort, apiPort));
    for (const client of ['admin', 'controllerManager', 'scheduler', 'kwok', 'operator'] as const) {
      writeKubeconfig(join(stateDir, `${client}.kubeconfig`), server, pki, client);
    }
    writeKubeconfig(plane.kubeconfig, server, pki, 'admin');
    await waitForApiServer(server, pki, 90_000, () => failedComponent(stateDir, state));

    log('starting kube-controller-manager, kube-scheduler and kwok');
    start(
      'kube-controller-manager',
      controllerManagerArgs(pki, join(stateDir, 'controllerManager.kubeconfig')),
    );
    start('kube-scheduler', schedulerArgs(join(stateDir, 'scheduler.kubeconfig')));
    writeFileSync(join(stateDir, 'kwok-stages.yaml'), readFileSync(stagesTemplate));
    start(
      'kwok',
      kwokArgs(join(stateDir, 'kwok.kubeconfig'), join(stateDir, 'kwok-stages.yaml'), kwokPort),
    );

    log('creating simulated nodes');
    await createNodes(plane, options.nodes ?? defaultNodePlan);
    await waitForDefaultServiceAccount(plane);
    return plane;
  } catch (error) {
    const logs = join(stateDir, 'logs');
    await stopPlane(stateDir, { keepLogs: true });
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

/**
 * Stops every process recorded in `stateDir`, newest first, and removes the directory.
 * Idempotent: a missing or already stopped plane is fine.
 */
export async function stopPlane(
  stateDir: string,
  options: { keepLogs?: boolean } = {},
): Promise<void> {
  const state = readState(stateDir);
  for (const proc of [...(state?.processes ?? [])].reverse()) {
    await stopProcess(proc, stateDir);
  }
  if (!options.keepLogs) rmSync(stateDir, { recursive: true, force: true });
  else rmSync(stateFile(stateDir), { force: true });
}
