/**
 * `npm run generate`: writes the files derived from the schema. test/api/crd.test.ts
 * fails when a committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, renderCrdYaml } from './crd.js';

const repositoryRoot = new URL('../../', import.meta.url);
const target = fileURLToPath(new URL(CRD_FILE, repositoryRoot));
writeFileSync(target, renderCrdYaml());
process.stdout.write(`wrote ${CRD_FILE}\n`);
