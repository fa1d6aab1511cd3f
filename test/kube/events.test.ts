import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { EventsV1Event } from '@kubernetes/client-node';
import {
  DEFAULT_EVENT_DEDUP,
  EventRecorder,
  decideEventWrite,
  truncateUtf8,
  type EventSink,
  type EventWrite,
  type SeriesState,
} from '../../src/kube/events.js';
import { createLogger, createSilentLogger } from '../../src/log.js';
import { FakeClock } from '../support/fake-clock.js';

const NOW = 5_000_000;
const subject = {
  apiVersion: 'serving.mistral-operator.io/v1alpha1',
  kind: 'MistralDeployment',
  namespace: 'llm',
  name: 'small4',
  uid: 'uid-1',
};
const insufficientGpus = {
  type: 'Warning' as const,
  reason: 'Unschedulable',
  action: 'Reconcile',
  note: '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.',
};

describe('decideEventWrite', () => {
  const state = (lastObservedMs: number, lastWrittenMs: number): SeriesState => ({
    name: 'small4.1',
    count: 3,
    lastObservedMs,
    lastWrittenMs,
  });
  const cases: Array<[string, SeriesState | undefined, EventWrite]> = [
    ['creates an Event for the first occurrence', undefined, 'create'],
    ['only counts a repeat soon after the last write', state(NOW - 1_000, NOW - 1_000), 'skip'],
    [
      'updates the series once the update interval has passed',
      state(NOW - 1_000, NOW - 30_000),
      'update-series',
    ],
    [
      'creates a new Event when the last occurrence left the window',
      state(NOW - 600_001, NOW - 600_001),
      'create',
    ],
    [
      'still joins the series at the window edge',
      state(NOW - 600_000, NOW - 600_000),
      'update-series',
    ],
  ];
  for (const [name, current, expected] of cases) {
    it(name, () => assert.equal(decideEventWrite(current, NOW, DEFAULT_EVENT_DEDUP), expected));
  }
});

/** Keeps what the recorder sends; can be told to fail. */
class MemorySink implements EventSink {
  created: EventsV1Event[] = [];
  series: Array<{ name: string; count: number }> = [];
  failure: Error | undefined;

  async create(event: EventsV1Event): Promise<void> {
    if (this.failure) throw this.failure;
    this.created.push(event);
  }

  async updateSeries(_namespace: string, name: string, count: number): Promise<void> {
    if (this.failure) throw this.failure;
    this.series.push({ name, count });
  }
}

function recorder(sink: EventSink, clock: FakeClock, maxTracked?: number): EventRecorder {
  return new EventRecorder({
    sink,
    clock,
    reportingInstance: 'mistral-operator-7d9f-abcde',
    logger: createSilentLogger(),
    maxTracked,
  });
}

describe('EventRecorder', () => {
  it('writes an events.k8s.io Event naming the object, the controller and this instance', async () => {
    const sink = new MemorySink();
    await recorder(sink, new FakeClock()).record(subject, insufficientGpus);
    const [event] = sink.created;
    assert.equal(event?.apiVersion, 'events.k8s.io/v1');
    assert.equal(event?.metadata?.namespace, 'llm');
    assert.match(event?.metadata?.name ?? '', /^small4\.[0-9a-f]+$/);
    assert.deepEqual(event?.regarding, subject);
    assert.equal(event?.reportingController, 'mistral-operator.io/controller');
    assert.equal(event?.reportingInstance, 'mistral-operator-7d9f-abcde');
    assert.deepEqual(
      [event?.type, event?.reason, event?.action],
      ['Warning', 'Unschedulable', 'Reconcile'],
    );
    assert.match(
      JSON.stringify(event?.eventTime),
      /\.\d{6}Z"$/,
      'MicroTime needs six fractional digits',
    );
  });

  it('folds a hot loop of identical events into one Event and a few series updates', async () => {
    const sink = new MemorySink();
    const clock = new FakeClock();
    const events = recorder(sink, clock);
    for (let i = 0; i < 1_000; i++) {
      await events.record(subject, insufficientGpus);
      clock.advance(100);
    }
    // 1000 occurrences over 100 s: one create, then one series write per 30 s.
    assert.equal(sink.created.length, 1);
    assert.deepEqual(
      sink.series.map((update) => update.count),
      [301, 601, 901],
    );
  });

  it('keeps events that differ in reason, note or object apart', async () => {
    const sink = new MemorySink();
    const events = recorder(sink, new FakeClock());
    await events.record(subject, insufficientGpus);
    await events.record(subject, { ...insufficientGpus, note: 'other' });
    await events.record(subject, { ...insufficientGpus, reason: 'Other' });
    await events.record({ ...subject, uid: 'uid-2', name: 'large' }, insufficientGpus);
    assert.equal(sink.created.length, 4);
  });

  it('starts a new Event after the window passes without a repeat', async () => {
    const sink = new MemorySink();
    const clock = new FakeClock();
    const events = recorder(sink, clock);
    await events.record(subject, insufficientGpus);
    clock.advance(DEFAULT_EVENT_DEDUP.windowMs + 1);
    await events.record(subject, insufficientGpus);
    assert.equal(sink.created.length, 2);
  });

  it('never rejects when the API fails, logs once, and tries again on the next occurrence', async () => {
    const sink = new MemorySink();
    sink.failure = new Error('connect ECONNREFUSED 127.0.0.1:6443');
    const lines: string[] = [];
    const destination = new Writable({
      write: (chunk, _encoding, callback) => {
        lines.push(String(chunk));
        callback();
      },
    });
    const events = new EventRecorder({
      sink,
      clock: new FakeClock(),
      reportingInstance: 'x',
      logger: createLogger('info', destination),
    });
    await events.record(subject, insufficientGpus);
    sink.failure = undefined;
    await events.record(subject, insufficientGpus);
    assert.equal(sink.created.length, 1);
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /"message":"creating event failed"/);
    assert.match(lines[0] ?? '', /ECONNREFUSED/);
  });

  it('forgets the oldest series beyond its limit, so memory stays bounded', async () => {
    const sink = new MemorySink();
    const events = recorder(sink, new FakeClock(), 2);
    for (const note of ['a', 'b', 'c', 'a'])
      await events.record(subject, { ...insufficientGpus, note });
    assert.equal(sink.created.length, 4, '"a" was forgotten when "c" came, so it is new again');
  });
});

describe('truncateUtf8', () => {
  const cases: Array<[string, string, number, string]> = [
    ['keeps text within the limit', 'hello', 5, 'hello'],
    ['cuts ASCII at the byte limit', 'hello world', 5, 'hello'],
    ['never splits a multi-byte character', 'añb', 2, 'a'],
    ['never splits a surrogate pair', 'a😀b', 4, 'a'],
  ];
  for (const [name, text, limit, expected] of cases) {
    it(name, () => assert.equal(truncateUtf8(text, limit), expected));
  }
});
