/**
 * The operator process: health and metrics server, leader election, and the controller of
 * the current leadership term; graceful shutdown on SIGTERM and SIGINT.
 *
 * Only the leader runs informers and writes. A standby keeps its server up (ready, reporting
 * `role: standby`) and takes over when the leader stops renewing the Lease or releases it.
 */
import { Applier } from './kube/apply.js';
import { createKubeClients, loadKubeConfig, type KubeClients } from './kube/client.js';
import { EventRecorder, createEventSink } from './kube/events.js';
import { LeaderElector, createIdentity } from './kube/leader-election.js';
import { createLeaseStore } from './kube/lease-store.js';
import type { WatchedNamespaces } from './kube/informer.js';
import type { Logger } from './log.js';
import { Controller } from './controller/controller.js';
import { startHealthServer, type RunningServer } from './server/http-server.js';
import { createMetrics, type OperatorMetrics } from './server/metrics.js';

/** How to run the operator; the `run` command fills it from flags. */
export interface OperatorOptions {
  kubeconfig?: string;
  namespaces: WatchedNamespaces;
  host: string;
  port: number;
  leaderElection: { enabled: boolean; namespace: string; name: string };
  workers: number;
  resyncPeriodMs: number;
  logger: Logger;
}

/** A started operator. */
export interface RunningOperator {
  server: RunningServer;
  identity: string;
  /** Resolves when the operator has stopped, by {@link RunningOperator.stop} or lost leadership. */
  done: Promise<void>;
  /** Stops leading (releasing the Lease), drains the queue and closes the server. */
  stop(): Promise<void>;
}

function controllerFor(
  clients: KubeClients,
  options: OperatorOptions,
  metrics: OperatorMetrics,
  identity: string,
) {
  const applier = new Applier({
    objects: clients.objects,
    customObjects: clients.customObjects,
    onWrite: (verb, kind) => metrics.kubeWrites.inc({ verb, kind }),
  });
  const events = new EventRecorder({
    sink: createEventSink(clients.events),
    reportingInstance: identity,
    logger: options.logger,
  });
  return new Controller({
    kubeConfig: clients.kubeConfig,
    objects: clients.objects,
    applier,
    events,
    metrics,
    logger: options.logger,
    namespaces: options.namespaces,
    workers: options.workers,
    resyncPeriodMs: options.resyncPeriodMs,
  });
}

/**
 * Starts the operator and resolves once its server listens. Each leadership term gets a new
 * controller (fresh caches and queue), so nothing of a lost term leaks into the next.
 */
export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const clients = createKubeClients(loadKubeConfig({ flagPath: options.kubeconfig }));
  const metrics = createMetrics();
  const identity = createIdentity();
  let controller: Controller | undefined;
  let leading = !options.leaderElection.enabled;
  const server = await startHealthServer({
    host: options.host,
    port: options.port,
    metrics,
    logger: options.logger,
    readiness: () => ({ isLeader: leading, informersSynced: controller?.hasSynced() ?? false }),
  });
  const lead = async (signal: AbortSignal) => {
    leading = true;
    metrics.leader.set(1);
    controller = controllerFor(clients, options, metrics, identity);
    await controller.run(signal);
  };
  const stopped = () => {
    leading = false;
    metrics.leader.set(0);
  };
  options.logger.info('operator started', {
    identity,
    url: server.url,
    namespaces: options.namespaces,
  });
  return options.leaderElection.enabled
    ? withLeaderElection(clients, options, identity, server, { lead, stopped })
    : withoutLeaderElection(identity, server, lead);
}

function withoutLeaderElection(
  identity: string,
  server: RunningServer,
  lead: (signal: AbortSignal) => Promise<void>,
): RunningOperator {
  const term = new AbortController();
  const done = lead(term.signal).finally(() => server.close());
  const stop = async () => {
    term.abort();
    await done;
  };
  return { server, identity, done, stop };
}

function withLeaderElection(
  clients: KubeClients,
  options: OperatorOptions,
  identity: string,
  server: RunningServer,
  hooks: { lead: (signal: AbortSignal) => Promise<void>; stopped: () => void },
): RunningOperator {
  const { namespace, name } = options.leaderElection;
  const elector = new LeaderElector({
    store: createLeaseStore(clients.coordination, namespace, name),
    identity,
    onStartedLeading: hooks.lead,
    onStoppedLeading: hooks.stopped,
    logger: options.logger,
  });
  const done = elector.run().finally(() => server.close());
  const stop = async () => {
    await elector.stop({ release: true });
    await done;
  };
  return { server, identity, done, stop };
}
