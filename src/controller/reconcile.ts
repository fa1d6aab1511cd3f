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
  type ResolvedSpec,
} from '../api/index.js';
import { classifyKubeError, isNotFound, type KubeError } from '../kube/errors.js';
import type { Applier } from '../kube/apply.js';
import type { RawObjectApi } from '../kube/raw-objects.js';
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
import {
  blockedStatus,
  computeStatus,
  specBlocker,
  type Blocker,
  type ObservedWorkload,
} from './status.js';
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
  /** Reads an object the caches do not hold (one the operator does not label as its own). */
  objects: Pick<RawObjectApi, 'readJson'>;
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
  if (!validation.valid) return reportBlocked(md, specBlocker(validation.problems), ctx, log);

  const owner: Owner = { name, namespace, uid: md.metadata.uid ?? '' };
  const desired = renderOwnedObjects(owner, validation.resolved, validation.resolved.replicas);
  const blocker = await applyOwnedOrReport(md, desired, ctx, log);
  if (blocker) return reportBlocked(md, blocker, ctx, log);

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
 * {@link applyOwned}, and when it fails for a reason the operator retries (the API server
 * unreachable, an internal error), a status that says so before the error goes to the queue
 * for backoff: an object is never left without status while its reconcile fails.
 */
async function applyOwnedOrReport(
  md: MistralDeployment,
  desired: KubernetesObject[],
  ctx: ReconcileContext,
  log: Logger,
): Promise<Blocker | undefined> {
  try {
    return await applyOwned(md, desired, ctx, log);
  } catch (error) {
    const failed = { reason: 'ApplyFailed', message: errorMessage(error), retrying: true };
    await writeStatus(
      md,
      blockedStatus(generationOf(md), failed, md.status, now(ctx)),
      ctx,
      log,
    ).catch((statusError: unknown) =>
      log.debug('status not written', { error: errorMessage(statusError) }),
    );
    throw error;
  }
}

/**
 * Applies each desired object that differs from its live copy. Returns what blocks serving:
 * an object of the same name the MistralDeployment does not control (never adopted: taking
 * it over would let garbage collection delete it later), or a write the API server refuses
 * as invalid (a spec the schema could not catch). Any other failure throws, for a retry.
 */
async function applyOwned(
  md: MistralDeployment,
  desired: KubernetesObject[],
  ctx: ReconcileContext,
  log: Logger,
): Promise<Blocker | undefined> {
  // Every conflict is found before anything is written, so a blocked object gets no pods.
  const live = await Promise.all(desired.map((object) => liveCopy(object, ctx)));
  const foreign = desired.find((object, i) => live[i] && !controlledBy(live[i], md));
  if (foreign) return ownershipConflict(foreign);
  for (const [i, object] of desired.entries()) {
    try {
      const outcome = await ctx.applier.apply(object, live[i]);
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

/**
 * The live copy of `object`: from the cache, which holds only objects labelled as the
 * operator's, or else read directly, so one that exists under the same name without the
 * label is seen before it would be overwritten.
 */
async function liveCopy(object: KubernetesObject, ctx: ReconcileContext) {
  const { namespace = '', name = '' } = object.metadata ?? {};
  const cached = ctx.owned[object.kind ?? '']?.get(namespace, name);
  if (cached) return cached;
  const header = {
    apiVersion: object.apiVersion ?? '',
    kind: object.kind ?? '',
    metadata: { namespace, name },
  };
  try {
    return await ctx.objects.readJson(header);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new Error(`reading ${object.kind} ${namespace}/${name}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

function controlledBy(object: KubernetesObject, md: MistralDeployment): boolean {
  return (object.metadata?.ownerReferences ?? []).some(
    (ref) => ref.controller === true && ref.uid === md.metadata.uid,
  );
}

/** Retried: the object may be a leftover of a deleted namesake that the garbage collector removes. */
function ownershipConflict(object: KubernetesObject): Blocker {
  const what = `${object.kind} ${object.metadata?.namespace}/${object.metadata?.name}`;
  return {
    reason: 'OwnershipConflict',
    message: `${what} exists and is not controlled by this MistralDeployment; the operator will not take it over: delete or rename it, or rename the MistralDeployment`,
    retrying: true,
  };
}

/**
 * A write the API server refuses for its content. Server-side apply reports a field its
 * schema lacks (a typo inside a free-form field such as affinity) as an internal error
 * about the typed patch, which no retry can fix, so that counts too.
 */
function refusedAsInvalid(error: unknown, object: KubernetesObject): Blocker | undefined {
  const info = (error as KubeError).info ?? classifyKubeError(error);
  const message = errorMessage(error);
  const typedPatch = info.code === 500 && /typed patch|not declared in schema/.test(message);
  if (info.code !== 422 && info.code !== 400 && !typedPatch) return undefined;
  return {
    reason: 'RejectedByApiServer',
    message: `${object.kind} ${object.metadata?.name}: ${message}; fix the MistralDeployment spec`,
    retrying: false,
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
 * Reports what blocks serving: a `Degraded` condition and a Warning event. A blocker only a
 * new spec can fix is not retried (the spec's update requeues the key); one that can clear
 * by itself is looked at again after a while.
 */
async function reportBlocked(
  md: MistralDeployment,
  blocker: Blocker,
  ctx: ReconcileContext,
  log: Logger,
): Promise<ReconcileResult> {
  log.warn('cannot serve', { reason: blocker.reason, detail: blocker.message });
  // The Warning Event comes from the status write: Degraded turning True with this reason.
  await writeStatus(md, blockedStatus(generationOf(md), blocker, md.status, now(ctx)), ctx, log);
  return blocker.retrying
    ? { kind: 'requeueAfter', delayMs: blockedRetryMs }
    : { kind: 'permanent', error: new Error(blocker.message) };
}

/** How soon a blocker that can clear by itself (a leftover object) is looked at again. */
const blockedRetryMs = 30_000;

const generationOf = (md: MistralDeployment) => md.metadata.generation ?? 0;
const now = (ctx: ReconcileContext) => ctx.now().toISOString();

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
