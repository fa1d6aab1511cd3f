/**
 * Writes to the API server on behalf of the controller: server-side apply of owned objects
 * and of the custom resource's status, each under one field manager, plus create and delete
 * that treat "already there" and "already gone" as success.
 *
 * Steady state sends nothing: the applier remembers, per object, a hash of what it last
 * applied. When the desired manifest hashes the same and the live object (from the informer
 * cache) still contains every field of it, the request is skipped. A hand edit of a field
 * the operator sets breaks containment and the next reconcile re-applies, reverting it.
 * The resourceVersion is no guide here: the Deployment controller bumps it with every status
 * write. After a restart the memory is empty, so each object is applied once: that is what
 * removes fields a changed spec no longer sets, which containment alone cannot see.
 */
import { createHash } from 'node:crypto';
import {
  PatchStrategy,
  setHeaderOptions,
  type CustomObjectsApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { containsDesired } from './contains.js';
import { KubeError, classifyKubeError, isAlreadyExists, isNotFound } from './errors.js';
import type { RawObjectApi } from './raw-objects.js';

/** The one field manager every write of the operator uses. */
export const FIELD_MANAGER = 'mistral-operator';

/** Identifies one object: kind, where it lives, and its name. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** A custom resource whose status subresource the operator writes. */
export interface StatusTarget extends ObjectRef {
  /** The resource's plural name in URLs, e.g. `mistraldeployments`. */
  plural: string;
  namespace: string;
}

/** The kinds of request that change something on the server; counted by `onWrite`. */
export type WriteVerb = 'apply' | 'apply-status' | 'create' | 'delete';

/** The result of an apply: whether a request went out, and the server's answer if so. */
export type ApplyOutcome =
  { sent: true; object: KubernetesObject } | { sent: false; object?: undefined };

/** The requests an {@link Applier} sends for owned objects. */
export type ObjectWriter = Pick<
  RawObjectApi,
  'applyJson' | 'mergePatchJson' | 'createJson' | 'delete'
>;

/** Clients and hooks for an {@link Applier}. */
export interface ApplierOptions {
  /** Sends manifests as they are; see ./raw-objects.ts for why not the typed client. */
  objects: ObjectWriter;
  customObjects: CustomObjectsApi;
  /** @default {@link FIELD_MANAGER} */
  fieldManager?: string;
  /** Called after every request that may change the server's state, for metrics. */
  onWrite?: (verb: WriteVerb, kind: string) => void;
}

/** Server-side apply, status apply, create and delete for the controller. */
export class Applier {
  private readonly options: ApplierOptions;
  private readonly fieldManager: string;
  /** Hash of the manifest last applied, per object. */
  private readonly applied = new Map<string, string>();

  constructor(options: ApplierOptions) {
    this.options = options;
    this.fieldManager = options.fieldManager ?? FIELD_MANAGER;
  }

  /**
   * Server-side applies `desired` with force, so fields another manager took (a hand edit)
   * come back to the operator. Skips the request when nothing changed since the last apply.
   * When the server refuses the apply of an object that exists as invalid, sends the desired
   * object once more as a merge patch (see {@link Applier.replaceLists}).
   *
   * @param live - the object as the informer cache holds it, undefined if absent
   * @throws KubeError "applying Deployment llm/small4: ..." with the cause kept
   */
  async apply(desired: KubernetesObject, live?: KubernetesObject): Promise<ApplyOutcome> {
    const ref = refOf(desired);
    const manifestHash = hashManifest(desired);
    const lastApplied = this.applied.get(refKey(ref));
    if (lastApplied === manifestHash && live && containsDesired(live, desired)) {
      return { sent: false };
    }
    const object = await this.write('apply', ref, () =>
      this.options.objects.applyJson(desired, this.fieldManager),
    ).catch((err: unknown) => {
      if (!live || classifyKubeError(err).code !== 422) throw err;
      return this.replaceLists(ref, desired);
    });
    this.applied.set(refKey(ref), manifestHash);
    return { sent: true, object };
  }

  /**
   * Apply keeps list items another manager owns beside ours. When a hand edit renamed the key
   * of one of our items (a Service port changed from 8000 to 9000), ours comes back beside
   * the edited one and the server refuses the pair (two ports named `http`). A merge patch
   * replaces each list whole, which drops the edited item; a desired object the server still
   * refuses fails as the apply did.
   */
  private replaceLists(ref: ObjectRef, desired: KubernetesObject): Promise<KubernetesObject> {
    return this.write('apply', ref, () =>
      this.options.objects.mergePatchJson(desired, this.fieldManager),
    );
  }

  /**
   * Applies `status` through the status subresource of `target`.
   *
   * Apply rather than a merge patch: the server removes status fields this manager set
   * before and no longer sends (an endpoint that went away), where a merge patch would need
   * explicit nulls for each of them; and the status subresource ignores everything outside
   * `.status`, so this write can never touch the user's spec.
   *
   * Skipped when the live status (from the informer cache) already equals `status`; this
   * manager owns the whole status, so equality is the right test.
   *
   * @param liveStatus - the custom resource's status in the informer cache
   * @throws KubeError "applying status of MistralDeployment llm/small4: ..."
   */
  async applyStatus(
    target: StatusTarget,
    status: unknown,
    liveStatus?: unknown,
  ): Promise<ApplyOutcome> {
    if (liveStatus !== undefined && hashManifest(liveStatus) === hashManifest(status)) {
      return { sent: false };
    }
    const body = { apiVersion: target.apiVersion, kind: target.kind, status };
    const statusRef = { ...target, kind: `${target.kind}/status` };
    const object = await this.write('apply-status', statusRef, () =>
      this.patchStatus(target, body),
    );
    return { sent: true, object };
  }

  /**
   * Creates `object`; one that already exists counts as success.
   *
   * @returns whether this call created it
   */
  async create(object: KubernetesObject): Promise<'created' | 'exists'> {
    const ref = refOf(object);
    try {
      await this.write('create', ref, () => this.options.objects.createJson(object));
      return 'created';
    } catch (err) {
      if (isAlreadyExists(err)) return 'exists';
      throw err;
    }
  }

  /**
   * Deletes the object `ref` names; one that is already gone counts as success.
   *
   * @returns whether this call deleted it
   */
  async delete(ref: ObjectRef): Promise<'deleted' | 'absent'> {
    this.applied.delete(refKey(ref));
    try {
      await this.write('delete', ref, () => this.options.objects.delete(specOf(ref)));
      return 'deleted';
    } catch (err) {
      if (isNotFound(err)) return 'absent';
      throw err;
    }
  }

  /** Drops what the applier remembers about `ref`, so the next apply is sent. */
  forget(ref: ObjectRef): void {
    this.applied.delete(refKey(ref));
  }

  private async write<T>(verb: WriteVerb, ref: ObjectRef, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      throw new KubeError(`${VERB_PHRASE[verb]} ${describeRef(ref)}`, err);
    } finally {
      this.options.onWrite?.(verb, ref.kind);
    }
  }

  private async patchStatus(target: StatusTarget, body: object): Promise<KubernetesObject> {
    const [group = '', version = ''] = target.apiVersion.split('/');
    const request = {
      group,
      version,
      plural: target.plural,
      namespace: target.namespace,
      name: target.name,
      body: { ...body, metadata: { name: target.name, namespace: target.namespace } },
      fieldManager: this.fieldManager,
      force: true,
    };
    // The generated client would pick JSON Patch as the content type; apply needs its own.
    const contentType = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
    const result: unknown = await this.options.customObjects.patchNamespacedCustomObjectStatus(
      request,
      contentType,
    );
    return result as KubernetesObject;
  }
}

const VERB_PHRASE: Record<WriteVerb, string> = {
  apply: 'applying',
  'apply-status': 'applying',
  create: 'creating',
  delete: 'deleting',
};

/** "Deployment llm/small4", or "status of MistralDeployment llm/small4". */
export function describeRef(ref: ObjectRef): string {
  const where = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
  const statusKind = ref.kind.endsWith('/status') ? ref.kind.slice(0, -'/status'.length) : '';
  return statusKind ? `status of ${statusKind} ${where}` : `${ref.kind} ${where}`;
}

/**
 * A hash of a manifest that ignores key order, so two renders of the same spec always hash
 * the same.
 */
export function hashManifest(manifest: unknown): string {
  return createHash('sha256').update(stableStringify(manifest)).digest('hex');
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const fields = entries.map(([key, item]) => `${JSON.stringify(key)}:${stableStringify(item)}`);
  return `{${fields.join(',')}}`;
}

function refOf(object: KubernetesObject): ObjectRef {
  const { apiVersion, kind, metadata } = object;
  if (!apiVersion || !kind || !metadata?.name) {
    throw new Error('an object to write needs apiVersion, kind and metadata.name');
  }
  return { apiVersion, kind, namespace: metadata.namespace, name: metadata.name };
}

function refKey(ref: ObjectRef): string {
  return `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
}

function specOf(ref: ObjectRef): KubernetesObject {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, namespace: ref.namespace },
  };
}
