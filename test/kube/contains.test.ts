import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containsDesired } from '../../src/kube/contains.js';

describe('containsDesired', () => {
  const cases: Array<[string, unknown, unknown, boolean]> = [
    ['an identical object contains itself', { a: 1, b: 'x' }, { a: 1, b: 'x' }, true],
    ['fields the server added do not matter', { a: 1, b: 'x', status: {} }, { a: 1 }, true],
    ['a changed value breaks containment', { a: 2 }, { a: 1 }, false],
    ['a missing field breaks containment', { b: 1 }, { a: 1 }, false],
    ['a number is not the string of it', { replicas: '1' }, { replicas: 1 }, false],
    [
      'list items match regardless of position',
      { env: [{ n: 'B' }, { n: 'A' }] },
      { env: [{ n: 'A' }, { n: 'B' }] },
      true,
    ],
    [
      'an item another manager added beside ours is fine',
      { env: [{ n: 'A' }, { n: 'X' }] },
      { env: [{ n: 'A' }] },
      true,
    ],
    [
      'a missing list item breaks containment',
      { env: [{ n: 'A' }] },
      { env: [{ n: 'A' }, { n: 'B' }] },
      false,
    ],
    [
      'a nested edit inside a list item breaks containment',
      { c: [{ n: 'v', args: ['a', 'c'] }] },
      { c: [{ n: 'v', args: ['a', 'b'] }] },
      false,
    ],
    [
      'an argument appended to a command line breaks containment',
      { args: ['serve', '--port', '8000', '--enforce-eager'] },
      { args: ['serve', '--port', '8000'] },
      false,
    ],
    [
      'arguments in another order break containment',
      { args: ['--a', '2', '--b', '1'] },
      { args: ['--a', '1', '--b', '2'] },
      false,
    ],
    ['an equal list of scalars is contained', { drop: ['ALL'] }, { drop: ['ALL'] }, true],
    ['an object is not contained in a list', [{ a: 1 }], { a: 1 }, false],
    ['undefined desired fields are ignored', { a: 1 }, { a: 1, b: undefined }, true],
  ];
  for (const [name, live, desired, expected] of cases) {
    it(name, () => assert.equal(containsDesired(live, desired), expected, name));
  }
});
