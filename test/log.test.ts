import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, createReconcileLogger, isLogLevel } from '../src/log.js';

function captured(): { destination: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const destination = new Writable({
    write: (chunk, _encoding, callback) => {
      chunks.push(String(chunk));
      callback();
    },
  });
  const lines = () => chunks.map((chunk) => JSON.parse(chunk) as Record<string, unknown>);
  return { destination, lines };
}

describe('createLogger', () => {
  it('writes one JSON object per line with level, message and timestamp', () => {
    const { destination, lines } = captured();
    createLogger('info', destination).info('applied', { kind: 'Deployment' });
    const [line] = lines();
    assert.equal(line?.level, 'info');
    assert.equal(line?.message, 'applied');
    assert.equal(line?.kind, 'Deployment');
    assert.match(String(line?.timestamp), /^\d{4}-\d\d-\d\dT/);
  });

  it('drops lines below its level', () => {
    const { destination, lines } = captured();
    const logger = createLogger('info', destination);
    logger.debug('nothing to do');
    logger.warn('slow');
    assert.deepEqual(
      lines().map((line) => line.level),
      ['warn'],
    );
  });

  it('puts the reconciled object on every line of a reconcile logger', () => {
    const { destination, lines } = captured();
    const fields = { namespace: 'llm', name: 'small4', generation: 3, reconcileId: 'r-1' };
    const logger = createReconcileLogger(createLogger('debug', destination), fields);
    logger.info('applied Deployment');
    logger.debug('status unchanged');
    assert.equal(lines().length, 2);
    for (const line of lines()) {
      for (const [key, value] of Object.entries(fields)) assert.equal(line[key], value, key);
    }
  });
});

describe('isLogLevel', () => {
  const cases: Array<[string, boolean]> = [
    ['debug', true],
    ['error', true],
    ['verbose', false],
    ['INFO', false],
  ];
  for (const [value, expected] of cases) {
    it(`${expected ? 'accepts' : 'rejects'} "${value}"`, () =>
      assert.equal(isLogLevel(value), expected));
  }
});
