import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveLabelValue, deriveName } from '../../src/render/names.js';

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const longName = (length: number, head = 'a') => (head + 'b'.repeat(length)).slice(0, length);

describe('deriveName and deriveLabelValue', () => {
  const names = [
    { name: 'a short name stays as it is', owner: 'small4' },
    { name: 'a name of exactly 63 characters', owner: longName(63) },
    { name: 'a name of 64 characters', owner: longName(64) },
    { name: 'a name of 253 characters, the most Kubernetes allows', owner: longName(253) },
    { name: 'a name with dots', owner: 'mistral.small.v4' },
    { name: 'a name starting with a digit', owner: '4bit' },
    { name: 'a digit-only name', owner: '123' },
    {
      name: 'a long name with a dot where it gets cut',
      owner: `${'a'.repeat(50)}.${'b'.repeat(60)}`,
    },
    {
      name: 'a long name with dashes where it gets cut',
      owner: `${'a'.repeat(44)}${'-'.repeat(30)}x`,
    },
    { name: 'a single-letter name', owner: 'x' },
  ];
  for (const { name, owner } of names) {
    it(`derives valid names from ${name}`, () => {
      for (const suffix of ['', 'model-cache']) {
        const derived = deriveName(owner, suffix);
        assert.ok(derived.length <= 63, `${derived} is longer than 63`);
        assert.match(derived, DNS_1035_LABEL);
        assert.equal(deriveName(owner, suffix), derived, 'not stable');
      }
      const label = deriveLabelValue(owner);
      assert.ok(label.length <= 63);
      assert.match(label, LABEL_VALUE);
    });
  }

  it('keeps a name that is already a valid Service name', () => {
    assert.equal(deriveName('small4'), 'small4');
    assert.equal(deriveName('small4', 'model-cache'), 'small4-model-cache');
    assert.equal(deriveLabelValue('mistral.small.v4'), 'mistral.small.v4');
  });

  it('keeps long names that share their first 63 characters apart', () => {
    const [a, b] = [`${longName(70)}-a`, `${longName(70)}-b`];

    assert.notEqual(deriveName(a), deriveName(b));
    assert.notEqual(deriveLabelValue(a), deriveLabelValue(b));
  });

  it('keeps names apart that differ only by a dot and a dash', () => {
    assert.notEqual(deriveName('mistral.small'), deriveName('mistral-small'));
  });
});
