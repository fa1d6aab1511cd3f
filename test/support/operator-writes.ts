/**
 * Counting what the operator wrote: the API server's audit log records every write request
 * with its user, and the operator started by ./operator.ts is the user `mistral-operator`;
 * its `/metrics` says what it believes it sent and how often it reconciled.
 *
 * Limitation: the audit log rotates at 200 MB (test/cluster/plane.ts); a mark taken before a
 * rotation reads the new file from that offset. No test run comes near that size.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { auditLogPath } from '../cluster/plane.js';
import { eventually } from './eventually.js';

/** The user name the operator's client certificate carries. */
export const OPERATOR_USER = 'mistral-operator';

/** One write request from the audit log. */
export interface AuditedWrite {
  /** When the API server finished the request, in epoch milliseconds. */
  atMs: number;
  verb: string;
  user: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  code?: number;
}

interface AuditEvent {
  verb: string;
  stageTimestamp: string;
  user: { username: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
}

/** A position in the audit log; writes after it are read with {@link writesSince}. */
export type AuditMark = number;

/** Marks the current end of the audit log of the plane in `stateDir`. */
export function markAuditLog(stateDir: string): AuditMark {
  const path = auditLogPath(stateDir);
  return existsSync(path) ? statSync(path).size : 0;
}

/** Every complete audit line written after `mark`, parsed. */
export function writesSince(stateDir: string, mark: AuditMark): AuditedWrite[] {
  const path = auditLogPath(stateDir);
  const size = existsSync(path) ? statSync(path).size : 0;
  const from = size < mark ? 0 : mark;
  if (size <= from) return [];
  const buffer = Buffer.alloc(size - from);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, from);
  } finally {
    closeSync(fd);
  }
  const text = buffer.toString('utf8');
  // The API server may be halfway through a line: only whole lines count.
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => toWrite(JSON.parse(line) as AuditEvent));
}

function toWrite(event: AuditEvent): AuditedWrite {
  const ref = event.objectRef ?? {};
  return {
    atMs: Date.parse(event.stageTimestamp),
    verb: event.verb,
    user: event.user.username,
    resource: ref.resource ?? '',
    subresource: ref.subresource,
    namespace: ref.namespace,
    name: ref.name,
    code: event.responseStatus?.code,
  };
}

/** Writes by the operator to objects in `namespace` after `mark` (Lease renewals live elsewhere). */
export function operatorWritesSince(
  stateDir: string,
  mark: AuditMark,
  namespace: string,
): AuditedWrite[] {
  return writesSince(stateDir, mark).filter(
    (write) => write.user === OPERATOR_USER && write.namespace === namespace,
  );
}

/** "patch deployments/small4", "patch mistraldeployments/small4/status", for messages. */
export function describeWrite(write: AuditedWrite): string {
  const sub = write.subresource ? `/${write.subresource}` : '';
  return `${write.verb} ${write.resource}/${write.name ?? ''}${sub} (${write.code ?? '?'})`;
}

/** Counts writes by "verb resource[/subresource]", for printing. */
export function tallyWrites(writes: readonly AuditedWrite[]): Record<string, number> {
  const tally: Record<string, number> = {};
  for (const write of writes) {
    const key = `${write.verb} ${write.resource}${write.subresource ? `/${write.subresource}` : ''}`;
    tally[key] = (tally[key] ?? 0) + 1;
  }
  return tally;
}

/**
 * Waits until the operator has sent no write into `namespace` for `quietMs`, and returns the
 * audit mark at that moment: the start of a steady state.
 */
export async function waitForQuiet(
  stateDir: string,
  namespace: string,
  { quietMs, timeoutMs }: { quietMs: number; timeoutMs: number },
): Promise<AuditMark> {
  const started = markAuditLog(stateDir);
  const begunAt = Date.now();
  return eventually(
    () => {
      const mark = markAuditLog(stateDir);
      const writes = operatorWritesSince(stateDir, started, namespace);
      const lastAt = Math.max(begunAt, ...writes.map((write) => write.atMs));
      const quietFor = Date.now() - lastAt;
      if (quietFor < quietMs) throw new Error(`last write ${quietFor} ms ago`);
      return mark;
    },
    { timeoutMs, intervalMs: 250, what: `no operator write in ${namespace} for ${quietMs} ms` },
  );
}

/** The sum of every series of the metric `name` on the operator's `/metrics`, 0 if absent. */
export async function readMetric(operatorUrl: string, name: string): Promise<number> {
  const response = await fetch(`${operatorUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return sumMetric(await response.text(), name);
}

/** The sum of every series of `name` in Prometheus text, 0 if absent. */
export function sumMetric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!rest.startsWith('{') && !rest.startsWith(' ')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

/** The operator's own metric names the tests read. */
export const METRICS = {
  writes: 'mistral_operator_kube_writes_total',
  reconciles: 'mistral_operator_reconcile_total',
  queueDepth: 'mistral_operator_work_queue_depth',
  leader: 'mistral_operator_leader',
} as const;
