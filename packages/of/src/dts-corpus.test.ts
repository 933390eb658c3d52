import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDts } from './dts-parser.js';
import { parseFdt } from './fdt.js';
import { writeFdt } from './fdt-writer.js';
import { type DeviceTree, walkNodes } from './tree.js';

const repoRoot = path.resolve(fileURLToPath(import.meta.url), '../../../..');
const shared = process.env.DMASIM_SHARED ?? path.resolve(repoRoot, '../shared');
const dtsDir = path.join(shared, 'corpus/dts');
const dtbDir = path.join(shared, 'corpus/dtb');
const hasCorpus = fs.existsSync(dtsDir) && fs.existsSync(dtbDir);
if (!hasCorpus) console.log(`DTS corpus tests skipped: ${dtsDir} or ${dtbDir} does not exist`);
const sources = hasCorpus
  ? fs
      .readdirSync(dtsDir)
      .filter((f) => f.endsWith('.dts'))
      .sort()
  : [];

/** The blobs the kernel build made with fdtoverlay: same tree, libfdt's strings order. */
const OVERLAY_MADE = new Set([
  'amlogic__meson-g12b-a311d-khadas-vim3-ts050',
  'ti__k3-j7200-evm',
  'xilinx__zynqmp-sm-k26-revA-sck-kv-g-revA',
  'xilinx__zynqmp-sm-k26-revA-sck-kv-g-revB',
]);

function describeTree(tree: DeviceTree): string[] {
  const lines: string[] = [];
  for (const node of walkNodes(tree.root)) {
    lines.push(`N ${node.path}`);
    for (const prop of node.properties) {
      lines.push(`P ${prop.name}=${Buffer.from(prop.value).toString('hex')}`);
    }
  }
  for (const entry of tree.memReserve) lines.push(`R ${entry.address}/${entry.size}`);
  return lines;
}

describe.skipIf(!hasCorpus)('corpus sources', () => {
  it('has a source for every blob', () => {
    expect(sources.length).toBeGreaterThanOrEqual(85);
  });

  /**
   * dtc 1.6.1 prints "a\0" then "0" as "a\00", which dtc itself (octal escapes take up to
   * three digits) reads back as one NUL: three corpus sources are hit. Spelling that NUL as
   * "\000" makes the source say what the blob holds.
   */
  const unambiguous = (text: string) => text.replace(/(?<!\\)((?:\\\\)*)\\0(?=[0-7])/g, '$1\\000');

  it('reads "\\00" as dtc does: one NUL', () => {
    const text = fs.readFileSync(
      path.join(dtsDir, 'allwinner__sun50i-a64-pinephone-1.2.dts'),
      'utf8',
    );
    const tree = parseDts(text);
    const values = [...walkNodes(tree.root)]
      .flatMap((n) => n.properties)
      .filter((p) => p.name === 'mount-matrix')
      .map((p) => Buffer.from(p.value).toString('hex'));
    // "0", "-1", NUL, 0x01, NUL, NUL, NUL, NUL, 0x01, then the string's own NUL
    expect(values).toContain('30002d310001000000000100');
    const fixed = parseDts(unambiguous(text));
    const fixedValues = [...walkNodes(fixed.root)]
      .flatMap((n) => n.properties)
      .filter((p) => p.name === 'mount-matrix')
      .map((p) => Buffer.from(p.value).toString('hex'));
    expect(fixedValues).toContain('30002d31003000310030003000300030003100');
  });

  it.each(sources)('%s gives the same tree as its blob', (file) => {
    const base = file.replace(/\.dts$/, '');
    const text = unambiguous(fs.readFileSync(path.join(dtsDir, file), 'utf8'));
    const blob = new Uint8Array(fs.readFileSync(path.join(dtbDir, `${base}.dtb`)));
    const fromSource = parseDts(text, { fileName: file });
    const fromBlob = parseFdt(blob);
    expect(describeTree(fromSource)).toEqual(describeTree(fromBlob));
    // dtc would write this source back as the blob, except where fdtoverlay made the blob.
    const written = Buffer.from(writeFdt(fromSource));
    expect(written.equals(Buffer.from(blob))).toBe(!OVERLAY_MADE.has(base));
  });
});
