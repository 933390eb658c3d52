// Where the shared corpus lives for tests and benchmarks: ../shared beside the clone.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const sharedDir = process.env.DMASIM_SHARED ?? resolve(repoRoot, '../shared');
export const corpusDir = resolve(sharedDir, 'corpus');
export const hasCorpus = existsSync(resolve(corpusDir, 'dtb'));
export const exampleDir = resolve(repoRoot, 'apps/sim/examples');

if (!hasCorpus) {
  console.log(`corpus tests skipped: no corpus at ${corpusDir} (set DMASIM_SHARED to ../shared)`);
}
