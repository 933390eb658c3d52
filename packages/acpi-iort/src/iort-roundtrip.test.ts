import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readIort } from './iort-reader.js';
import { writeIort } from './iort-writer.js';

const shared = process.env.DMASIM_SHARED ?? path.resolve(__dirname, '../../..', '../shared');
const dir = path.join(shared, 'corpus/iort');
const hasCorpus = existsSync(dir);
if (!hasCorpus) console.log(`IORT corpus not found at ${dir}: corpus tests skipped`);
const files = ['qemu-virt.iort.bin', 'qemu-virt-smmuv3.iort.bin', 'acpica-template.iort.bin'];

describe.skipIf(!hasCorpus)('corpus round trip', () => {
  for (const f of files) {
    it(f, () => {
      const bin = new Uint8Array(readFileSync(path.join(dir, f)));
      const r = readIort(bin);
      const out = writeIort(r.table);
      expect(Buffer.from(out).toString('hex')).toBe(Buffer.from(bin).toString('hex'));
      expect(readIort(out).table).toEqual(r.table);
    });
  }
});
