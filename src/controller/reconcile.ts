/**
 * One reconcile of one MistralDeployment: fetch it, validate its spec, render the objects it
 * owns, apply those that differ from what is live, observe the workload, and write status
 * only if it changed.
 *
 * Level-triggered: everything is read from the informer caches on every run, so the same
 * world yields the same writes (none, at steady state) however often it runs.
 */
import { randomUUID } from 'node:crypto';
import type { KubernetesObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import {
  API_VERSION,
  KIND,
  OWNER_ANNOTATION,
  PLURAL,
  validateSpec,
  type MistralDeployment,
  type MistralDeploymentStatus,
  type Problem,
  type ResolvedSpec,
} from '../api/index.js';
import { classifyKubeError, type KubeError } from '../kube/errors.js';
import type { Applier } from '../kube/apply.js';
import type { EventRecorder, EventSubject } from '../kube/events.js';
import { createReconcileLogger, errorMessage, type Logger } from '../log.js';
import {
  cacheClaimName,
  formatSelector,
  renderEndpoint,
  renderOwnedObjects,
  workloadName,
} from '../render/index.js';
import type { Owner } from '../render/metadata.js';
import { computeStatus, invalidSpecStatus, type ObservedWorkload } from './status.js';
import type { ReconcileResult } from './workers.js';

/** A read-only view of one informer's cache. */
export interface CacheView<T extends KubernetesObject> {
  get(namespace: string, name: string): T | undefined;
  list(namespace?: string): T[];
}

/** What a reconcile reads from and writes to. */
export interface ReconcileContext {
  mistralDeployments: CacheView<MistralDeployment>;
  /** Owned objects by kind (`Deployment`, `Service`, ...), as the informers cache them. */
  owned: Record<string, CacheView<KubernetesObject>>;
  pods: CacheView<V1Pod>;
  applier: Applier;
  events: EventRecorder;
  logger: Logger;
  now: () => Date;
}

function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

function subjectOf(md: MistralDeployment): EventSubject {
  const { namespace = '', name, uid } = md.metadata;
  return { apiVersion: API_VERSION, kind: KIND, namespace, name, uid };
}

/** Reconciles the MistralDeployment `namespace/name`. */
export async function reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
  const { namespace, name } = splitKey(key);
  const md = ctx.mistralDeployments.get(namespace, name);
  if (!md || md.metadata.deletionTimestamp) {
    // Owned objects carry owner references: the garbage collector removes them.
    forgetOwned(ctx.applier, namespace, name);
    return { kind: 'done' };
  }
  const generation = md.metadata.generation ?? 0;
  const log = createReconcileLogger(ctx.logger, {
    namespace,
    name,
    generation,
    reconcileId: randomUUID(),
  });

  const validation = validateSpec(md.spec ?? {});
  if (!validation.valid) return reportUnservable(md, validation.problems, ctx, log);

  const owner: Owner = { name, namespace, uid: md.metadata.uid ?? '' };
  const desired = renderOwnedObjects(owner, validation.resolved, validation.resolved.replicas);
  const rejected = await applyOwned(md, desired, ctx, log);
  if (rejected) return reportUnservable(md, [rejected], ctx, log);

  const status = observeStatus(md, owner, validation.resolved, ctx);
  await writeStatus(md, status, ctx, log);
  return { kind: 'done' };
}

/** Lets the applier drop what it remembers of a deleted MistralDeployment's objects. */
function forgetOwned(applier: Applier, namespace: string, name: string): void {
  const workload = workloadName(name);
  applier.forget({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: workload });
  applier.forget({ apiVersion: 'v1', kind: 'Service', namespace, name: workload });
  applier.forget({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    namespace,
    name: workload,
  });
  applier.forget({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    namespace,
    name: cacheClaimName(name),
  });
}

/**
 * Applies each desired object that differs from its live copy. A write the API server
 * refuses as invalid comes back as a problem (a spec the schema could not catch, such as a
 * malformed label value); any other failure throws, for a retry with backoff.
 */
async function applyOwned(
  md: MistralDeployment,
  desired: KubernetesObject[],
  ctx: ReconcileContext,
  log: Logger,
): Promise<Problem | undefined> {
  for (const object of desired) {
    const live = ctx.owned[object.kind ?? '']?.get(
      md.metadata.namespace ?? '',
      object.metadata?.name ?? '',
    );
    try {
      const outcome = await ctx.applier.apply(object, live);
      if (outcome.sent)
        log.info('applied owned object', { kind: object.kind, object: object.metadata?.name });
    } catch (error) {
      const refused = refusedAsInvalid(error, object);
      if (refused) return refused;
      throw error;
    }
  }
  log.debug('owned objects up to date', { objects: desired.length });
  return undefined;
}

function refusedAsInvalid(error: unknown, object: KubernetesObject): Problem | undefined {
  const info = (error as KubeError).info ?? classifyKubeError(error);
  if (info.code !== 422 && info.code !== 400) return undefined;
  return {
    field: `${object.kind} ${object.metadata?.name}`,
    reason: 'RejectedByApiServer',
    message: `${errorMessage(error)}; fix the MistralDeployment spec`,
  };
}

function podsOf(md: MistralDeployment, ctx: ReconcileContext): V1Pod[] {
  return ctx.pods
    .list(md.metadata.namespace)
    .filter((pod) => pod.metadata?.annotations?.[OWNER_ANNOTATION] === md.metadata.name)
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

function observeStatus(
  md: MistralDeployment,
  owner: Owner,
  resolved: ResolvedSpec,
  ctx: ReconcileContext,
): MistralDeploymentStatus {
  const deployment = ctx.owned.Deployment?.get(owner.namespace, workloadName(owner.name));
  const observed: ObservedWorkload = {
    deployment: deployment as V1Deployment | undefined,
    pods: podsOf(md, ctx),
  };
  return computeStatus({
    generation: md.metadata.generation ?? 0,
    desiredReplicas: resolved.replicas,
    endpoint: renderEndpoint(owner, resolved),
    selector: formatSelector(owner.name),
    observed,
    previous: md.status,
    now: ctx.now().toISOString(),
  });
}

/**
 * Reports a spec the operator cannot serve: a `Degraded` condition and a Warning event, and
 * no retry, since only a new spec can help (its update requeues the key).
 */
async function reportUnservable(
  md: MistralDeployment,
  problems: Problem[],
  ctx: ReconcileContext,
  log: Logger,
): Promise<ReconcileResult> {
  const status = invalidSpecStatus(
    md.metadata.generation ?? 0,
    problems,
    md.status,
    ctx.now().toISOString(),
  );
  const degraded = status.conditions?.find((c) => c.type === 'Degraded');
  log.warn('spec cannot be served', { reason: degraded?.reason, problems });
  await ctx.events.record(subjectOf(md), {
    type: 'Warning',
    reason: degraded?.reason ?? 'InvalidSpec',
    action: 'Validate',
    note: degraded?.message ?? 'the spec cannot be served',
  });
  await writeStatus(md, status, ctx, log);
  return { kind: 'permanent', error: new Error(degraded?.message) };
}

/** Writes `status` if it differs from the live one, with an event on each condition change. */
async function writeStatus(
  md: MistralDeployment,
  status: MistralDeploymentStatus,
  ctx: ReconcileContext,
  log: Logger,
): Promise<void> {
  const target = {
    apiVersion: API_VERSION,
    kind: KIND,
    plural: PLURAL,
    namespace: md.metadata.namespace ?? '',
    name: md.metadata.name,
  };
  const outcome = await ctx.applier.applyStatus(target, status, md.status ?? {});
  if (!outcome.sent) {
    log.debug('status unchanged');
    return;
  }
  log.info('status written', {
    ready: conditionStatus(status, 'Ready')?.status,
    replicas: status.readyReplicasText,
  });
  await recordTransitions(md, status, ctx);
}

function conditionStatus(status: MistralDeploymentStatus | undefined, type: string) {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * One event per change of `Ready` or `Degraded`, so `kubectl describe` tells the story:
 * Warning when something needs a person (Degraded turned True), Normal otherwise.
 */
async function recordTransitions(
  md: MistralDeployment,
  status: MistralDeploymentStatus,
  ctx: ReconcileContext,
): Promise<void> {
  for (const type of ['Ready', 'Degraded']) {
    const before = conditionStatus(md.status, type);
    const after = conditionStatus(status, type);
    const changed = after && (before?.status !== after.status || before.reason !== after.reason);
    if (!changed || (type === 'Degraded' && !before && after.status !== 'True')) continue;
    const warning = type === 'Degraded' && after.status === 'True';
    await ctx.events.record(subjectOf(md), {
      type: warning ? 'Warning' : 'Normal',
      reason: after.reason,
      action: 'Reconcile',
      note: `${type}=${after.status}: ${after.message}`,
    });
  }
}
