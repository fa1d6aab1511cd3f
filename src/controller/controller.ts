/**
 * The MistralDeployment controller: informers over the custom resource, the objects it owns
 * and their pods, all feeding one keyed work queue drained by a few workers.
 *
 * Events for one object collapse into one pending key; one key is never reconciled twice at
 * once; failures come back with capped exponential backoff (see ./work-queue.ts). A periodic
 * resync requeues every MistralDeployment, so a missed watch event is repaired within one
 * resync period.
 */
import type { KubeConfig, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { API_VERSION, KIND, PLURAL, type MistralDeployment } from '../api/index.js';
import type { Applier } from '../kube/apply.js';
import type { EventRecorder } from '../kube/events.js';
import {
  MANAGED_BY_SELECTOR,
  ResilientInformer,
  keysOfOwner,
  keysOfSelf,
  type WatchedKind,
  type WatchedNamespaces,
} from '../kube/informer.js';
import type { RawObjectApi } from '../kube/raw-objects.js';
import { errorMessage, type Logger } from '../log.js';
import type { OperatorMetrics } from '../server/metrics.js';
import { reconcile, type CacheView, type ReconcileContext } from './reconcile.js';
import { WorkQueue } from './work-queue.js';
import { runWorkers, type ReconcileResult } from './workers.js';

/** Kinds the operator owns, watched so a hand edit or deletion is repaired at once. */
const ownedKinds: WatchedKind[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  { apiVersion: 'v1', kind: 'Service', plural: 'services' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims' },
];
const podKind: WatchedKind = { apiVersion: 'v1', kind: 'Pod', plural: 'pods' };
const mistralKind: WatchedKind = { apiVersion: API_VERSION, kind: KIND, plural: PLURAL };

/** What the controller needs from the rest of the operator. */
export interface ControllerOptions {
  kubeConfig: KubeConfig;
  objects: RawObjectApi;
  applier: Applier;
  events: EventRecorder;
  metrics: OperatorMetrics;
  logger: Logger;
  namespaces: WatchedNamespaces;
  /** Keys reconciled at once. @default 4 */
  workers?: number;
  /** Every MistralDeployment is requeued this often. @default 10 minutes */
  resyncPeriodMs?: number;
}

/** The running controller of one leadership term. */
export class Controller {
  private readonly options: ControllerOptions;
  private readonly queue = new WorkQueue();
  private readonly mistral: ResilientInformer<MistralDeployment>;
  private readonly owned: Map<string, ResilientInformer<KubernetesObject>>;
  private readonly pods: ResilientInformer<V1Pod>;

  constructor(options: ControllerOptions) {
    this.options = options;
    this.mistral = this.informer<MistralDeployment>(mistralKind, keysOfSelf);
    this.owned = new Map(
      ownedKinds.map((kind) => [kind.kind, this.informer(kind, keysOfOwner, MANAGED_BY_SELECTOR)]),
    );
    this.pods = this.informer<V1Pod>(podKind, keysOfOwner, MANAGED_BY_SELECTOR);
    options.metrics.setQueueDepthSource(() => this.queue.length);
  }

  /** True once every informer has listed its kind. */
  hasSynced(): boolean {
    return [this.mistral, this.pods, ...this.owned.values()].every((i) => i.hasSynced());
  }

  /** Every MistralDeployment key in the cache, to requeue them all. */
  resync(): void {
    for (const md of this.mistral.list()) keysOfSelf(md).forEach((key) => this.queue.add(key));
  }

  /** Runs until `signal` aborts, then stops the informers and lets in-flight keys finish. */
  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.mistral, this.pods, ...this.owned.values()];
    await Promise.all(informers.map((informer) => informer.start()));
    const resync = setInterval(() => this.resync(), this.options.resyncPeriodMs ?? 10 * 60_000);
    const stop = () => this.queue.shutDown();
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) stop();
    try {
      await runWorkers({
        queue: this.queue,
        workers: this.options.workers ?? 4,
        reconcile: (key) => reconcile(key, this.context()),
        onResult: (key, result, ms) => this.observe(key, result, ms),
      });
    } finally {
      clearInterval(resync);
      await Promise.all(informers.map((informer) => informer.stop()));
    }
  }

  private context(): ReconcileContext {
    const owned = Object.fromEntries(this.owned.entries()) as Record<
      string,
      CacheView<KubernetesObject>
    >;
    const { applier, events, logger } = this.options;
    return {
      mistralDeployments: this.mistral,
      owned,
      pods: this.pods,
      objects: this.options.objects,
      applier,
      events,
      logger,
      now: () => new Date(),
    };
  }

  /** Metrics for every result; one log line for each failure (the reconcile does not log it). */
  private observe(key: string, result: ReconcileResult, durationMs: number): void {
    this.options.metrics.observeReconcile(result.kind, durationMs);
    if (result.kind === 'retry') {
      this.options.logger.error('reconcile failed; retrying with backoff', {
        key,
        error: errorMessage(result.error),
      });
    }
  }

  private informer<T extends KubernetesObject>(
    resource: WatchedKind,
    toKeys: (object: T) => string[],
    labelSelector?: string,
  ): ResilientInformer<T> {
    const { kubeConfig, objects, namespaces, logger, metrics } = this.options;
    return new ResilientInformer<T>({
      kubeConfig,
      objects,
      resource,
      namespaces,
      labelSelector,
      toKeys,
      onKey: (key) => this.queue.add(key),
      logger,
      onRestart: () => metrics.informerRestarts.inc({ resource: resource.plural }),
    });
  }
}
