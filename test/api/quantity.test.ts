import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQuantity } from '../../src/api/quantity.js';

describe('parseQuantity', () => {
  const cases = [
    { name: 'a plain integer counts base units', input: '8', expected: 8 },
    { name: 'a number counts base units', input: 8, expected: 8 },
    { name: 'millicores are thousandths', input: '500m', expected: 0.5 },
    { name: 'Gi is a power of two', input: '16Gi', expected: 16 * 2 ** 30 },
    { name: 'G is a power of ten', input: '16G', expected: 16e9 },
    { name: 'a decimal fraction keeps its suffix', input: '1.5Gi', expected: 1.5 * 2 ** 30 },
    { name: 'an exponent scales by ten', input: '1e3', expected: 1000 },
    { name: 'an unknown suffix is malformed', input: '16GB', expected: undefined },
    { name: 'text is malformed', input: 'lots', expected: undefined },
  ];
  for (const { name, input, expected } of cases) {
    it(name, () => assert.equal(parseQuantity(input), expected));
  }
});
