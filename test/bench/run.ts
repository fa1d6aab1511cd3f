/**
 * `npm run bench [-- FILE... | -- --cold]`: runs the benchmarks under test/bench one after
 * another. Each prints its own figures; none asserts a time.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const selected = args.filter((arg) => arg.endsWith('.bench.ts'));
const flags = args.filter((arg) => !arg.endsWith('.bench.ts'));
const files =
  selected.length > 0
    ? selected
    : readdirSync(here)
        .filter((f) => f.endsWith('.bench.ts'))
        .sort()
        .map((f) => join(here, f));

let failed = 0;
for (const file of files) {
  console.log(`== ${file}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', file, ...flags], {
    stdio: 'inherit',
  });
  if (result.status !== 0) failed += 1;
}
process.exit(failed > 0 ? 1 : 0);
