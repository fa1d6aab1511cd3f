/**
 * Reading and writing the Lease that leader election competes for, as a small record the
 * election logic can reason about (and tests can keep in memory).
 */
import { V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { KubeError, isNotFound } from './errors.js';

/** The parts of a Lease the election reads and writes. */
export interface LeaseRecord {
  /** Empty when nobody holds the lease (after a release). */
  holderIdentity: string;
  leaseDurationSeconds: number | undefined;
  acquireTimeMs: number | undefined;
  renewTimeMs: number | undefined;
  leaseTransitions: number;
  resourceVersion?: string;
}

/** Reads and writes one Lease; writes throw a 409 error when they lose a race. */
export interface LeaseStore {
  /** The lease, or undefined when it does not exist. */
  read(): Promise<LeaseRecord | undefined>;
  create(record: LeaseRecord): Promise<LeaseRecord>;
  /** Replaces the lease at `record.resourceVersion`. */
  replace(record: LeaseRecord): Promise<LeaseRecord>;
}

/** A {@link LeaseStore} for the Lease `namespace/name` through the coordination API. */
export function createLeaseStore(
  api: CoordinationV1Api,
  namespace: string,
  name: string,
): LeaseStore {
  const where = `Lease ${namespace}/${name}`;
  return {
    async read() {
      try {
        return toRecord(await api.readNamespacedLease({ name, namespace }));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw new KubeError(`reading ${where}`, err);
      }
    },
    async create(record) {
      const body = toLease(record, namespace, name);
      return toRecord(
        await wrap(`creating ${where}`, api.createNamespacedLease({ namespace, body })),
      );
    },
    async replace(record) {
      const body = toLease(record, namespace, name);
      const request = api.replaceNamespacedLease({ name, namespace, body });
      return toRecord(await wrap(`updating ${where}`, request));
    },
  };
}

async function wrap<T>(action: string, request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (err) {
    throw new KubeError(action, err);
  }
}

function toRecord(lease: V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds,
    acquireTimeMs: parseTime(spec.acquireTime),
    renewTimeMs: parseTime(spec.renewTime),
    leaseTransitions: spec.leaseTransitions ?? 0,
    resourceVersion: lease.metadata?.resourceVersion,
  };
}

function toLease(record: LeaseRecord, namespace: string, name: string): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, resourceVersion: record.resourceVersion },
    spec: {
      holderIdentity: record.holderIdentity,
      leaseDurationSeconds: record.leaseDurationSeconds,
      // The API server parses MicroTime with six fractional digits; a plain Date sends three.
      acquireTime: toMicroTime(record.acquireTimeMs),
      renewTime: toMicroTime(record.renewTimeMs),
      leaseTransitions: record.leaseTransitions,
    },
  };
}

function toMicroTime(ms: number | undefined): V1MicroTime | undefined {
  return ms === undefined ? undefined : new V1MicroTime(ms);
}

/** client-node hands MicroTime fields back as strings despite their declared type. */
function parseTime(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
