/**
 * Kubernetes Events about MistralDeployments, so `kubectl describe` tells a person what the
 * operator did and what is wrong.
 *
 * The recorder writes `events.k8s.io/v1` Events: that API requires the reporting controller
 * and instance and carries repeats as a series, and the API server serves the same objects
 * through core v1, which `kubectl describe` and `kubectl get events` read.
 *
 * A hot loop must not flood the API server, so identical events for the same object within
 * a window become one Event with a growing series count, and the count is written at most
 * once per update interval. Recording never throws: a failed Event is logged and dropped.
 */
import { randomBytes } from 'node:crypto';
import {
  PatchStrategy,
  V1MicroTime,
  setHeaderOptions,
  type EventsV1Api,
  type EventsV1Event,
} from '@kubernetes/client-node';
import { systemClock, type Clock } from '../clock.js';
import { errorMessage, type Logger } from '../log.js';
import { isNotFound } from './errors.js';

/** The controller name Events carry; a domain-qualified name, as the API asks. */
export const REPORTING_CONTROLLER = 'mistral-operator.io/controller';

/** `Normal` for actions taken, `Warning` for what a person should look at. */
export type EventType = 'Normal' | 'Warning';

/** The object an Event is about. */
export interface EventSubject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

/** What happened. */
export interface EventDetails {
  type: EventType;
  /** Why, in UpperCamelCase: `ScaledUp`, `InvalidSpec`. */
  reason: string;
  /** What the operator did or failed to do: `Scale`, `Reconcile`. */
  action: string;
  /** A sentence for a person; cut to the API's 1 kB limit. */
  note: string;
}

/** Where Events go; the client-node one is {@link createEventSink}. */
export interface EventSink {
  create(event: EventsV1Event): Promise<void>;
  updateSeries(namespace: string, name: string, count: number, observedAtMs: number): Promise<void>;
}

/** How repeats are folded. */
export interface EventDedupPolicy {
  /** A repeat within this time of the last occurrence joins the series. */
  windowMs: number;
  /** The series count is written at most this often per Event. */
  updateIntervalMs: number;
}

/** Repeats within 10 minutes join a series whose count is written at most every 30 s. */
export const DEFAULT_EVENT_DEDUP: EventDedupPolicy = {
  windowMs: 10 * 60_000,
  updateIntervalMs: 30_000,
};

/** One Event and its repeats as the recorder tracks them. */
export interface SeriesState {
  name: string;
  count: number;
  lastObservedMs: number;
  lastWrittenMs: number;
}

/** What to send for an occurrence of an event. */
export type EventWrite = 'create' | 'update-series' | 'skip';

/** Decides whether an occurrence creates an Event, updates its series, or is only counted. */
export function decideEventWrite(
  state: SeriesState | undefined,
  nowMs: number,
  policy: EventDedupPolicy,
): EventWrite {
  if (!state || nowMs - state.lastObservedMs > policy.windowMs) return 'create';
  if (nowMs - state.lastWrittenMs >= policy.updateIntervalMs) return 'update-series';
  return 'skip';
}

/** Options for an {@link EventRecorder}. */
export interface EventRecorderOptions {
  sink: EventSink;
  /** This process, e.g. the pod name; Events name it as the reporting instance. */
  reportingInstance: string;
  logger: Logger;
  /** @default {@link REPORTING_CONTROLLER} */
  reportingController?: string;
  /** @default {@link DEFAULT_EVENT_DEDUP} */
  dedup?: EventDedupPolicy;
  /** Distinct events remembered for folding; the oldest are forgotten first. @default 4096 */
  maxTracked?: number;
  /** @default systemClock */
  clock?: Clock;
}

/** Records Events about objects, folding repeats. */
export class EventRecorder {
  private readonly options: EventRecorderOptions;
  private readonly clock: Clock;
  private readonly dedup: EventDedupPolicy;
  private readonly tracked = new Map<string, SeriesState>();

  constructor(options: EventRecorderOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.dedup = options.dedup ?? DEFAULT_EVENT_DEDUP;
  }

  /**
   * Records one occurrence. Never rejects, so callers may leave the promise floating; await
   * it only to know the write finished.
   *
   * @returns what was sent for this occurrence
   */
  async record(subject: EventSubject, details: EventDetails): Promise<EventWrite> {
    const key = dedupKey(subject, details);
    const now = this.clock.now();
    const state = this.tracked.get(key);
    const write = decideEventWrite(state, now, this.dedup);
    if (write === 'create' || !state) {
      await this.create(key, subject, details, now);
      return 'create';
    }
    this.touch(key, { ...state, count: state.count + 1, lastObservedMs: now });
    if (write === 'update-series') await this.updateSeries(key, subject, now);
    return write;
  }

  private async create(key: string, subject: EventSubject, details: EventDetails, now: number) {
    const name = eventName(subject.name, now);
    this.touch(key, { name, count: 1, lastObservedMs: now, lastWrittenMs: now });
    try {
      await this.options.sink.create(this.buildEvent(name, subject, details, now));
    } catch (err) {
      this.tracked.delete(key);
      this.logFailure('creating', subject, details, err);
    }
  }

  private async updateSeries(key: string, subject: EventSubject, now: number): Promise<void> {
    const state = this.tracked.get(key);
    if (!state) return;
    state.lastWrittenMs = now;
    try {
      await this.options.sink.updateSeries(subject.namespace, state.name, state.count, now);
    } catch (err) {
      // Gone (expired by the API server's event TTL): the next occurrence starts a new one.
      this.tracked.delete(key);
      if (!isNotFound(err)) this.logFailure('updating', subject, undefined, err);
    }
  }

  /** Stores `state` as the most recent entry, forgetting the oldest beyond the limit. */
  private touch(key: string, state: SeriesState): void {
    this.tracked.delete(key);
    this.tracked.set(key, state);
    const limit = this.options.maxTracked ?? 4096;
    for (const oldest of this.tracked.keys()) {
      if (this.tracked.size <= limit) break;
      this.tracked.delete(oldest);
    }
  }

  private buildEvent(
    name: string,
    subject: EventSubject,
    details: EventDetails,
    now: number,
  ): EventsV1Event {
    return {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name, namespace: subject.namespace },
      eventTime: new V1MicroTime(now),
      type: details.type,
      reason: truncateUtf8(details.reason, 128),
      action: truncateUtf8(details.action, 128),
      note: truncateUtf8(details.note, 1024),
      regarding: { ...subject },
      reportingController: this.options.reportingController ?? REPORTING_CONTROLLER,
      reportingInstance: truncateUtf8(this.options.reportingInstance, 128),
    };
  }

  private logFailure(
    doing: string,
    subject: EventSubject,
    details: EventDetails | undefined,
    err: unknown,
  ): void {
    this.options.logger.warn(`${doing} event failed`, {
      namespace: subject.namespace,
      name: subject.name,
      reason: details?.reason,
      error: errorMessage(err),
    });
  }
}

/** An {@link EventSink} writing through the events.k8s.io/v1 API. */
export function createEventSink(api: EventsV1Api): EventSink {
  // The generated client would send JSON Patch; the series update is a merge patch.
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  return {
    async create(event) {
      await api.createNamespacedEvent({ namespace: event.metadata?.namespace ?? '', body: event });
    },
    async updateSeries(namespace, name, count, observedAtMs) {
      const body = { series: { count, lastObservedTime: new V1MicroTime(observedAtMs) } };
      await api.patchNamespacedEvent({ name, namespace, body }, mergePatch);
    },
  };
}

function dedupKey(subject: EventSubject, details: EventDetails): string {
  const who = subject.uid ?? `${subject.kind}/${subject.namespace}/${subject.name}`;
  return JSON.stringify([who, details.type, details.reason, details.action, details.note]);
}

/** Object name, then a time-and-random suffix, like the Events other controllers write. */
function eventName(objectName: string, nowMs: number): string {
  return `${objectName.slice(0, 200)}.${nowMs.toString(16)}${randomBytes(4).toString('hex')}`;
}

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let cut = '';
  let bytes = 0;
  for (const char of text) {
    bytes += Buffer.byteLength(char);
    if (bytes > maxBytes) break;
    cut += char;
  }
  return cut;
}
