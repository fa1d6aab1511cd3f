/**
 * Health probes of the vLLM container, all on vLLM's `/health`. A model load takes tens of
 * minutes, so the startup probe carries the patience and the other two start only after it
 * succeeds; a restart costs a whole new load, so liveness tolerates a busy server for minutes.
 */
import type { V1Probe } from '@kubernetes/client-node';

const HEALTH_PATH = '/health';
const STARTUP_PERIOD_SECONDS = 10;

/** The startup, readiness and liveness probes of a container that may load for `timeout` s. */
export function renderProbes(startupTimeoutSeconds: number): {
  startupProbe: V1Probe;
  readinessProbe: V1Probe;
  livenessProbe: V1Probe;
} {
  return {
    startupProbe: {
      ...healthCheck(),
      periodSeconds: STARTUP_PERIOD_SECONDS,
      timeoutSeconds: 5,
      failureThreshold: Math.ceil(startupTimeoutSeconds / STARTUP_PERIOD_SECONDS),
    },
    readinessProbe: { ...healthCheck(), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    livenessProbe: { ...healthCheck(), periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 5 },
  };
}

function healthCheck(): V1Probe {
  return { httpGet: { path: HEALTH_PATH, port: 'http' } };
}
