/**
 * Watching one kind of object and turning its changes into reconcile keys.
 *
 * client-node's informer lists, then watches, and resumes after a watch the server closes;
 * but on any error (API server unreachable, 5xx, 403) it emits `error` and stops for good.
 * An operator must outlive an API server restart, so this wrapper restarts the informer
 * after each error, with a per-watch backoff, resuming from the last resourceVersion it saw
 * (a 410 Gone makes client-node list again).
 */
import {
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import { GROUP, KIND, MANAGED_BY, OWNER_ANNOTATION } from '../api/group-version.js';
import { systemClock, type Clock, type Timer } from '../clock.js';
import { errorMessage, type Logger } from '../log.js';
import type { RawObjectApi } from './raw-objects.js';

/** Selects the objects the operator manages; its renderers set this label on all of them. */
export const MANAGED_BY_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY}`;

/** A kind to watch. */
export interface WatchedKind {
  apiVersion: string;
  kind: string;
  /** Lower-case plural as in URLs: `deployments`. */
  plural: string;
}

/** Every namespace, or the listed ones. */
export type WatchedNamespaces = 'all' | readonly string[];

/** A client-node informer with its cache; a fake in tests. */
export type CachingInformer<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

/** Builds the informer for one API path. */
export type InformerFactory<T extends KubernetesObject> = (
  path: string,
  list: () => Promise<KubernetesListObject<T>>,
  labelSelector: string | undefined,
) => CachingInformer<T>;

/** How long to wait before restarting a failed watch. */
export interface RestartBackoff {
  baseMs: number;
  capMs: number;
  /** A watch that ran this long before failing restarts from `baseMs` again. */
  resetAfterMs: number;
}

/**
 * 1 s doubling to 30 s: a restarted API server is back within seconds, and half a minute of
 * staleness is the most a long outage should add once it ends.
 */
export const DEFAULT_RESTART_BACKOFF: RestartBackoff = {
  baseMs: 1_000,
  capMs: 30_000,
  resetAfterMs: 60_000,
};

/** What to watch and where changes go. */
export interface WatchOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /**
   * Lists through discovery, so any kind works, custom ones included; in the API's JSON, the
   * same shape watch events have.
   */
  objects: Pick<RawObjectApi, 'listJson'>;
  resource: WatchedKind;
  namespaces: WatchedNamespaces;
  labelSelector?: string;
  /** The reconcile keys (`namespace/name`) a change of `object` concerns. */
  toKeys: (object: T) => string[];
  /** Receives each key; typically the work queue's `add`. */
  onKey: (key: string) => void;
  logger: Logger;
  /** Called when a failed watch is restarted, for metrics. */
  onRestart?: () => void;
  /** @default {@link DEFAULT_RESTART_BACKOFF} */
  backoff?: RestartBackoff;
  /** @default systemClock */
  clock?: Clock;
  /** @default client-node's makeInformer */
  makeInformer?: InformerFactory<T>;
}

/** One namespace's (or the cluster's) informer and its restart state. */
interface ScopedWatch<T extends KubernetesObject> {
  scope: string;
  informer: CachingInformer<T>;
  synced: boolean;
  failures: number;
  startedAtMs: number;
  failedSinceStart: boolean;
  restart: Timer | undefined;
}

/** A restarting informer over one kind in the watched namespaces, with a cache. */
export class ResilientInformer<T extends KubernetesObject> {
  private readonly options: WatchOptions<T>;
  private readonly clock: Clock;
  private readonly backoff: RestartBackoff;
  private readonly watches: Map<string, ScopedWatch<T>>;
  private stopped = false;

  constructor(options: WatchOptions<T>) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.backoff = options.backoff ?? DEFAULT_RESTART_BACKOFF;
    this.watches = new Map(
      scopesOf(options.namespaces).map((scope) => [scope, this.create(scope)]),
    );
  }

  /** Starts every watch; resolves after each one's first attempt, synced or not. */
  async start(): Promise<void> {
    this.stopped = false;
    await Promise.all([...this.watches.values()].map((watch) => this.startWatch(watch)));
  }

  /** Stops every watch and cancels pending restarts. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const watch of this.watches.values()) {
      watch.restart?.cancel();
      watch.restart = undefined;
      await watch.informer.stop();
    }
  }

  /** True while every watch has listed and has not failed since: its cache is current. */
  hasSynced(): boolean {
    return [...this.watches.values()].every((watch) => watch.synced);
  }

  /** The cached object `namespace/name`, if any. */
  get(namespace: string, name: string): T | undefined {
    return this.watchFor(namespace)?.informer.get(name, namespace);
  }

  /** Cached objects in `namespace`, or in every watched namespace. */
  list(namespace?: string): T[] {
    if (namespace !== undefined) {
      return [...(this.watchFor(namespace)?.informer.list(namespace) ?? [])];
    }
    return [...this.watches.values()].flatMap((watch) => [...watch.informer.list()]);
  }

  private create(scope: string): ScopedWatch<T> {
    const { resource, labelSelector } = this.options;
    const factory = this.options.makeInformer ?? this.defaultFactory();
    const namespace = scope === '' ? undefined : scope;
    const informer = factory(
      watchPath(resource, namespace),
      () => this.listObjects(namespace),
      labelSelector,
    );
    const watch: ScopedWatch<T> = {
      scope,
      informer,
      synced: false,
      failures: 0,
      startedAtMs: 0,
      failedSinceStart: false,
      restart: undefined,
    };
    this.subscribe(watch);
    return watch;
  }

  private subscribe(watch: ScopedWatch<T>): void {
    const forward = (object: T): void => {
      for (const key of this.options.toKeys(object)) this.options.onKey(key);
    };
    watch.informer.on('add', forward);
    watch.informer.on('update', forward);
    watch.informer.on('delete', forward);
    watch.informer.on('error', (err: unknown) => this.handleError(watch, err));
  }

  private async startWatch(watch: ScopedWatch<T>): Promise<void> {
    watch.restart = undefined;
    watch.failedSinceStart = false;
    watch.startedAtMs = this.clock.now();
    try {
      await watch.informer.start();
    } catch (err) {
      this.handleError(watch, err);
    }
    // client-node reports list and watch failures through 'error' before start() resolves.
    if (!watch.failedSinceStart) watch.synced = true;
  }

  private handleError(watch: ScopedWatch<T>, err: unknown): void {
    watch.failedSinceStart = true;
    // A failing watch's cache falls behind: not synced until a restart lists again, so
    // /readyz stops reporting ready while the API server is out of reach.
    watch.synced = false;
    if (this.stopped || watch.restart) return;
    const ranLong = this.clock.now() - watch.startedAtMs >= this.backoff.resetAfterMs;
    watch.failures = ranLong ? 1 : watch.failures + 1;
    const delayMs = restartDelay(watch.failures, this.backoff);
    this.options.logger.warn('watch failed; restarting', {
      resource: this.options.resource.plural,
      namespace: watch.scope || 'all',
      delayMs,
      error: errorMessage(err),
    });
    watch.restart = this.clock.setTimer(() => this.restartWatch(watch), delayMs);
  }

  private restartWatch(watch: ScopedWatch<T>): void {
    if (this.stopped) return;
    this.options.onRestart?.();
    void this.startWatch(watch);
  }

  private watchFor(namespace: string): ScopedWatch<T> | undefined {
    return this.watches.get(namespace) ?? this.watches.get('');
  }

  private listObjects(namespace: string | undefined): Promise<KubernetesListObject<T>> {
    const { objects, resource, labelSelector } = this.options;
    return objects.listJson<T>(resource.apiVersion, resource.kind, namespace, labelSelector);
  }

  private defaultFactory(): InformerFactory<T> {
    const { kubeConfig } = this.options;
    return (path, list, labelSelector) => makeInformer(kubeConfig, path, list, labelSelector);
  }
}

/** The delay before restart number `failures` (1 for the first). */
export function restartDelay(failures: number, backoff: RestartBackoff): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(backoff.baseMs * 2 ** exponent, backoff.capMs);
}

/** The list-and-watch path of `resource`, cluster-wide or in one namespace. */
export function watchPath(resource: WatchedKind, namespace?: string): string {
  const root = resource.apiVersion.includes('/')
    ? `/apis/${resource.apiVersion}`
    : `/api/${resource.apiVersion}`;
  const scope = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${scope}/${resource.plural}`;
}

/** The reconcile key of a MistralDeployment itself. */
export function keysOfSelf(object: KubernetesObject): string[] {
  const { namespace, name } = object.metadata ?? {};
  return namespace && name ? [`${namespace}/${name}`] : [];
}

/**
 * The reconcile keys of an owned object: the MistralDeployments among its controller and
 * owner references, else the one its owner annotation names (pods, whose owner is a
 * ReplicaSet).
 */
export function keysOfOwner(object: KubernetesObject): string[] {
  const namespace = object.metadata?.namespace;
  if (!namespace) return [];
  const owners = (object.metadata?.ownerReferences ?? [])
    .filter((owner) => owner.kind === KIND && owner.apiVersion.split('/')[0] === GROUP)
    .map((owner) => `${namespace}/${owner.name}`);
  if (owners.length > 0) return [...new Set(owners)];
  const owner = object.metadata?.annotations?.[OWNER_ANNOTATION];
  return owner ? [`${namespace}/${owner}`] : [];
}

function scopesOf(namespaces: WatchedNamespaces): string[] {
  if (namespaces === 'all') return [''];
  if (namespaces.length === 0) throw new Error('watched namespaces: give "all" or at least one');
  return [...new Set(namespaces)];
}
