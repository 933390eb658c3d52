import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusDir, exampleDir, hasCorpus } from './corpus.js';
import { corpusDiffMarkdown } from './corpus-diff.js';

const doc = resolve(exampleDir, '../../../docs/corpus-diff.md');

describe.skipIf(!hasCorpus)('docs/corpus-diff.md', () => {
  it('is what dmasim diff gives over the corpus today', () => {
    const text = corpusDiffMarkdown(join(corpusDir, 'dtb'));
    if (process.env.DMASIM_UPDATE === '1') writeFileSync(doc, text);
    expect(existsSync(doc), 'docs/corpus-diff.md is missing: run with DMASIM_UPDATE=1').toBe(true);
    expect(text).toBe(readFileSync(doc, 'utf8'));
    // The committed summary counts every blob.
    expect(text).toContain('| 85 |');
  });
});
