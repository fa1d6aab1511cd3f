/**
 * Finding the cluster and building the API clients the controller uses. The kubeconfig is
 * looked up in the order `kubectl` users expect; running inside a pod falls back to the
 * service account.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  PolicyV1Api,
} from '@kubernetes/client-node';
import { reuseConnections } from './keep-alive.js';
import { RawObjectApi } from './raw-objects.js';

/** Where the service account token of an in-cluster pod is mounted. */
const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Where a kubeconfig was found. */
export type KubeConfigSource =
  | { kind: 'flag'; path: string }
  | { kind: 'env'; value: string }
  | { kind: 'home'; path: string }
  | { kind: 'in-cluster' };

/** Inputs to {@link resolveKubeConfigSource}; the defaults read the real environment. */
export interface KubeConfigLookup {
  /** The `--kubeconfig` flag, which wins over everything else. */
  flagPath?: string;
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
  fileExists?: (path: string) => boolean;
}

/** The clients a controller needs, all sharing one kubeconfig. */
export interface KubeClients {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  policy: PolicyV1Api;
  coordination: CoordinationV1Api;
  events: EventsV1Api;
  customObjects: CustomObjectsApi;
  /** Any kind, in the API's own JSON; server-side apply and the informers' lists use it. */
  objects: RawObjectApi;
}

/**
 * Decides where the kubeconfig comes from: the flag, then `KUBECONFIG`, then
 * `~/.kube/config`, then the pod's service account. Returns undefined when none applies.
 */
export function resolveKubeConfigSource(
  lookup: KubeConfigLookup = {},
): KubeConfigSource | undefined {
  const env = lookup.env ?? process.env;
  const fileExists = lookup.fileExists ?? existsSync;
  if (lookup.flagPath) return { kind: 'flag', path: lookup.flagPath };
  if (env.KUBECONFIG) return { kind: 'env', value: env.KUBECONFIG };
  const homePath = join(lookup.homeDir ?? homedir(), '.kube', 'config');
  if (fileExists(homePath)) return { kind: 'home', path: homePath };
  if (fileExists(SERVICE_ACCOUNT_TOKEN)) return { kind: 'in-cluster' };
  return undefined;
}

/**
 * Loads the kubeconfig from the first source {@link resolveKubeConfigSource} finds.
 *
 * client-node's own `loadFromDefault` silently falls back to `http://localhost:8080` when it
 * finds nothing; an operator pointed at no cluster should say so instead.
 *
 * @throws Error when no source exists or the file cannot be read
 */
export function loadKubeConfig(lookup: KubeConfigLookup = {}): KubeConfig {
  const source = resolveKubeConfigSource(lookup);
  if (!source) {
    throw new Error(
      'no kubeconfig found: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, ' +
        'or run in a pod with a service account',
    );
  }
  const kubeConfig = new KubeConfig();
  loadFromSource(kubeConfig, source);
  if (!kubeConfig.getCurrentCluster()) {
    throw new Error(`kubeconfig from ${describeSource(source)} has no current cluster`);
  }
  return kubeConfig;
}

/** Builds every client the controller uses from one kubeconfig. */
export function createKubeClients(kubeConfig: KubeConfig): KubeClients {
  reuseConnections(kubeConfig);
  return {
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    policy: kubeConfig.makeApiClient(PolicyV1Api),
    coordination: kubeConfig.makeApiClient(CoordinationV1Api),
    events: kubeConfig.makeApiClient(EventsV1Api),
    customObjects: kubeConfig.makeApiClient(CustomObjectsApi),
    objects: RawObjectApi.fromKubeConfig(kubeConfig),
  };
}

/** A human description of a source, for log lines and errors. */
export function describeSource(source: KubeConfigSource): string {
  switch (source.kind) {
    case 'flag':
      return `--kubeconfig ${source.path}`;
    case 'env':
      return `KUBECONFIG=${source.value}`;
    case 'home':
      return source.path;
    case 'in-cluster':
      return 'the in-cluster service account';
  }
}

function loadFromSource(kubeConfig: KubeConfig, source: KubeConfigSource): void {
  switch (source.kind) {
    case 'flag':
    case 'home':
      kubeConfig.loadFromFile(source.path);
      return;
    case 'env':
      loadFromPathList(kubeConfig, source.value);
      return;
    case 'in-cluster':
      kubeConfig.loadFromCluster();
      return;
  }
}

/**
 * KUBECONFIG may list several files. As with kubectl, the first file to name a cluster,
 * user or context wins, and so does the first current context; client-node's own merge
 * throws on a repeated name instead.
 */
function loadFromPathList(kubeConfig: KubeConfig, pathList: string): void {
  const [first, ...rest] = pathList.split(delimiter).filter((path) => path !== '');
  if (first === undefined) return;
  kubeConfig.loadFromFile(first);
  for (const path of rest) {
    const next = new KubeConfig();
    next.loadFromFile(path);
    mergeFirstWins(kubeConfig, next);
  }
}

function mergeFirstWins(into: KubeConfig, from: KubeConfig): void {
  const has = (items: Array<{ name: string }>, name: string) => items.some((i) => i.name === name);
  for (const cluster of from.getClusters()) {
    if (!has(into.getClusters(), cluster.name)) into.addCluster(cluster);
  }
  for (const user of from.getUsers()) {
    if (!has(into.getUsers(), user.name)) into.addUser(user);
  }
  for (const context of from.getContexts()) {
    if (!has(into.getContexts(), context.name)) into.addContext(context);
  }
  if (!into.getCurrentContext()) into.setCurrentContext(from.getCurrentContext());
}
