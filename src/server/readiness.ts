/**
 * When the operator reports itself ready.
 *
 * A standby is ready. Readiness gates Service endpoints and rollouts, not leadership: an
 * unready standby would drop out of the metrics Service (Prometheus scrapes ready endpoints)
 * and stall a rolling update of the operator's own Deployment, which waits for new pods to
 * become ready while the old leader still holds the lease. The body says which role the
 * process has, so a person can tell them apart.
 *
 * A leader is ready once its informer caches have synced: before that its reconciles would
 * act on an empty view of the cluster.
 */

/** The facts readiness depends on, gathered at request time. */
export interface ReadinessInputs {
  isLeader: boolean;
  /** True when every informer has completed its first list. */
  informersSynced: boolean;
}

/** The answer `/readyz` gives, also its JSON body. */
export interface ReadinessReport {
  ready: boolean;
  role: 'leader' | 'standby';
  reason: string;
}

/** Decides readiness from the current facts. */
export function decideReadiness(inputs: ReadinessInputs): ReadinessReport {
  if (!inputs.isLeader) {
    return { ready: true, role: 'standby', reason: 'waiting for the leader lease' };
  }
  if (!inputs.informersSynced) {
    return { ready: false, role: 'leader', reason: 'informer caches have not synced yet' };
  }
  return { ready: true, role: 'leader', reason: 'leading with synced caches' };
}
