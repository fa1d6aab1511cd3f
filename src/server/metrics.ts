/**
 * The operator's own Prometheus metrics. One {@link OperatorMetrics} per process; the
 * controller, queue, elector and applier report into it, and `/metrics` serves its registry.
 * A registry per instance (not prom-client's global one) keeps tests independent.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prefix of every metric the operator defines. */
export const METRIC_PREFIX = 'mistral_operator_';

/** Bounds of the reconcile duration histogram, in seconds: from a cache hit to a slow API. */
const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Options for {@link createMetrics}. */
export interface MetricsOptions {
  /** Include prom-client's process and Node.js metrics (CPU, memory, event loop). @default true */
  defaultMetrics?: boolean;
}

/** The metrics the operator reports. */
export interface OperatorMetrics {
  registry: Registry;
  /** Reconciles by result: `done`, `requeueAfter`, `retry`, `permanent`. */
  reconcileTotal: Counter<'result'>;
  /** Wall time of one reconcile, by result. */
  reconcileDuration: Histogram<'result'>;
  /** Keys waiting in the work queue, read at scrape time from {@link setQueueDepthSource}. */
  queueDepth: Gauge;
  /** 1 while this process holds the leader lease, else 0. */
  leader: Gauge;
  /** Requests that may change cluster state, by verb and kind; a steady state adds none. */
  kubeWrites: Counter<'verb' | 'kind'>;
  /** Watches restarted after an error, by resource. */
  informerRestarts: Counter<'resource'>;
  /** Records one finished reconcile. */
  observeReconcile(result: string, durationMs: number): void;
  /** Tells the queue depth gauge where to read the depth. */
  setQueueDepthSource(source: () => number): void;
}

/** Creates the operator's metrics in a fresh registry. */
export function createMetrics(options: MetricsOptions = {}): OperatorMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  let depthSource: () => number = () => 0;
  const reconcileTotal = new Counter({
    name: `${METRIC_PREFIX}reconcile_total`,
    help: 'Reconciles of MistralDeployments, by result.',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const reconcileDuration = new Histogram({
    name: `${METRIC_PREFIX}reconcile_duration_seconds`,
    help: 'Time one reconcile of a MistralDeployment took, by result.',
    labelNames: ['result'] as const,
    buckets: RECONCILE_BUCKETS,
    registers: [registry],
  });
  return {
    registry,
    reconcileTotal,
    reconcileDuration,
    queueDepth: new Gauge({
      name: `${METRIC_PREFIX}work_queue_depth`,
      help: 'Keys waiting in the work queue.',
      registers: [registry],
      collect() {
        this.set(depthSource());
      },
    }),
    leader: new Gauge({
      name: `${METRIC_PREFIX}leader`,
      help: '1 while this process holds the leader lease, else 0.',
      registers: [registry],
    }),
    kubeWrites: new Counter({
      name: `${METRIC_PREFIX}kube_writes_total`,
      help: 'Requests to the API server that may change state, by verb and kind.',
      labelNames: ['verb', 'kind'] as const,
      registers: [registry],
    }),
    informerRestarts: new Counter({
      name: `${METRIC_PREFIX}informer_restarts_total`,
      help: 'Watches restarted after an error, by resource.',
      labelNames: ['resource'] as const,
      registers: [registry],
    }),
    observeReconcile(result, durationMs) {
      reconcileTotal.inc({ result });
      reconcileDuration.observe({ result }, durationMs / 1000);
    },
    setQueueDepthSource(source) {
      depthSource = source;
    },
  };
}
