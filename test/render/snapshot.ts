/**
 * A file snapshot for node's test runner, which has none on Node 20. Snapshots are YAML, so
 * a reviewer reads a change as a manifest diff. `UPDATE_SNAPSHOTS=1` rewrites them; in CI a
 * missing snapshot fails instead of being written.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

/** Asserts that `value`, as YAML, equals the snapshot `name`. */
export function assertMatchesSnapshot(name: string, value: unknown): void {
  const file = new URL(`./__snapshots__/${name}.yaml.snap`, import.meta.url);
  const actual = stringify(value);
  const mayWrite = process.env.UPDATE_SNAPSHOTS === '1' || (!existsSync(file) && !process.env.CI);
  if (mayWrite) {
    writeFileSync(file, actual);
    return;
  }
  const message = `snapshot ${name} differs; rerun with UPDATE_SNAPSHOTS=1 if the change is meant`;
  assert.equal(actual, readFileSync(file, 'utf8'), message);
}
