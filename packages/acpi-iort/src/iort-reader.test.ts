import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { KernelLog } from '@dmasim/dma-mapping';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IORT_IOMMU_TYPE, iortNodeMapId } from './id-mapping.js';
import { IortError, type IortTable } from './iort-model.js';
import { acpiChecksum, NODE_POINTER_OVERFLOW, readIort } from './iort-reader.js';
import { writeIort } from './iort-writer.js';
import { findRootComplex } from './node-lookup.js';

const shared = process.env.DMASIM_SHARED ?? path.resolve(__dirname, '../../..', '../shared');
const dir = path.join(shared, 'corpus/iort');
const hasCorpus = existsSync(dir);
if (!hasCorpus) console.log(`IORT corpus not found at ${dir}: corpus reader tests skipped`);
const files = ['qemu-virt.iort.bin', 'qemu-virt-smmuv3.iort.bin', 'acpica-template.iort.bin'];
const load = (f: string) => new Uint8Array(readFileSync(path.join(dir, f)));

/** Recompute the checksum after a patch, so tests isolate one fault. */
function fixSum(b: Uint8Array): Uint8Array {
  b[9] = 0;
  b[9] = (0x100 - acpiChecksum(b, new DataView(b.buffer).getUint32(4, true))) & 0xff;
  return b;
}
const u32 = (b: Uint8Array, at: number, v: number) => new DataView(b.buffer).setUint32(at, v, true);
const u16 = (b: Uint8Array, at: number, v: number) => new DataView(b.buffer).setUint16(at, v, true);

describe.skipIf(!hasCorpus)('corpus tables', () => {
  it.each(files)('%s reads with a valid checksum and no warnings', (f) => {
    const r = readIort(load(f));
    expect(r.checksumValid).toBe(true);
    expect(r.log).toEqual([]);
  });

  it('qemu-virt-smmuv3: ITS, SMMUv3 (COHACC) and RC (rev 3, limit 0x40) as the dsl shows', () => {
    const { table } = readIort(load('qemu-virt-smmuv3.iort.bin'));
    expect(table).toMatchObject({
      revision: 3,
      length: 0xec,
      oemId: 'BOCHS ',
      oemTableId: 'BXPC    ',
      nodeCount: 3,
      nodeOffset: 0x30,
    });
    expect(table.nodes.map((n) => [n.type, n.offset, n.length, n.revision])).toEqual([
      ['its-group', 0x30, 0x18, 1],
      ['smmu-v3', 0x48, 0x58, 4],
      ['root-complex', 0xa0, 0x4c, 3],
    ]);
    const smmu = table.nodes[1]!;
    expect(smmu).toMatchObject({
      baseAddress: 0x9050000n,
      flags: 1,
      eventGsiv: 0x6a,
      priGsiv: 0x6b,
      gerrGsiv: 0x6d,
      syncGsiv: 0x6c,
    });
    const rc = table.nodes[2]!;
    expect(rc).toMatchObject({
      memoryAddressLimit: 0x40,
      memoryProperties: { cacheCoherency: 1, memoryFlags: 3 },
      pciSegmentNumber: 0,
    });
    expect(rc.mappings).toEqual([
      { inputBase: 0, idCount: 0x200, outputBase: 0, outputReference: 0x48, flags: 0 },
      { inputBase: 0x200, idCount: 0xfdff, outputBase: 0x200, outputReference: 0x30, flags: 0 },
    ]);
    expect([smmu.identifier, rc.identifier]).toEqual([1, 2]);
    expect(table.extraBytes).toEqual([]);
  });

  it('acpica-template: NC name, SMMUv2 global interrupts, PMCG SINGLE mapping, header padding', () => {
    const { table } = readIort(load('acpica-template.iort.bin'));
    expect(table.nodeOffset).toBe(0x34);
    expect(table.nodes.map((n) => n.type)).toEqual([
      'its-group',
      'named-component',
      'root-complex',
      'smmu',
      'smmu-v3',
      'pmcg',
    ]);
    expect(table.nodes[1]).toMatchObject({
      deviceName: '\\_SB.PCI0.DEV0',
      mappingOffset: 0x6c,
      memoryAddressLimit: 0,
    });
    expect(table.nodes[3]).toMatchObject({
      globalInterruptOffset: 0x3c,
      globalInterrupts: { nsgIrpt: 0 },
      contextInterrupts: [],
    });
    expect(table.nodes[5]!.mappings[0]!.flags).toBe(1);
  });

  it('truncating a corpus table at every length gives an IortError, never anything else', () => {
    for (const f of files) {
      const bin = load(f);
      for (let cut = 0; cut < bin.length; cut++) {
        expect(() => readIort(bin.slice(0, cut)), `${f} cut at ${cut}`).toThrow(IortError);
      }
    }
  });

  it('bad checksum: ACPICA warns and the table is used', () => {
    const bin = load('qemu-virt-smmuv3.iort.bin');
    bin[9] = 0x54;
    const r = readIort(bin);
    expect(r.checksumValid).toBe(false);
    expect(r.log).toEqual([
      {
        level: 'warn',
        msg: 'ACPI BIOS Warning (bug): Incorrect checksum in table [IORT] - 0x54, should be 0x53',
      },
    ]);
    expect(r.table.nodes).toHaveLength(3);
  });

  it('node_count beyond the table: the kernel warning, the nodes before it stay usable', () => {
    const bin = fixSum(load('qemu-virt-smmuv3.iort.bin'));
    u32(bin, 36, 4);
    const r = readIort(fixSum(bin));
    expect(r.log).toEqual([{ level: 'warn', msg: NODE_POINTER_OVERFLOW }]);
    expect(r.table.nodes).toHaveLength(3);
    const log: KernelLog = [];
    expect(findRootComplex(r.table, 0, log)?.offset).toBe(0xa0);
    expect(findRootComplex(r.table, 1, log)).toBeNull();
    expect(log).toEqual([{ level: 'warn', msg: NODE_POINTER_OVERFLOW }]);
  });

  const corruptions: Array<[string, (b: Uint8Array) => void, number]> = [
    ['node length 0', (b) => u16(b, 0x49, 0), 0x49],
    ['node length past the end', (b) => u16(b, 0xa1, 0x100), 0xa0],
    ['mapping offset out of range', (b) => u32(b, 0xac, 0x40), 0xa0 + 0x40],
    ['mapping count overflow', (b) => u32(b, 0xa8, 0xffffffff), 0xa0 + 0x24],
    ['output reference to nowhere', (b) => u32(b, 0xd0, 0x49), 0xd0],
    ['ITS count overflow', (b) => u32(b, 0x40, 0x40000001), 0x44],
    ['table length past the buffer', (b) => u32(b, 4, 0x1000), 4],
    [
      'signature',
      (b) => {
        b[0] = 0x58;
      },
      0,
    ],
    ['node offset inside the header', (b) => u32(b, 40, 8), 40],
  ];
  it.each(corruptions)('%s → IortError with the byte offset', (_, patch, offset) => {
    const bin = load('qemu-virt-smmuv3.iort.bin');
    patch(bin);
    try {
      readIort(fixSum(bin));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(IortError);
      expect((e as IortError).byteOffset).toBe(offset);
      expect((e as IortError).message).toContain(`@0x${offset.toString(16)}`);
    }
  });

  it('fast-check: random byte mutations never throw anything but IortError and always finish', () => {
    const tables = files.map(load);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: tables.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.boolean(),
        (which, edits, resum) => {
          const bin = tables[which]!.slice();
          for (const [pos, val] of edits) bin[pos % bin.length] = val;
          if (resum && bin.length >= 48) {
            const len = new DataView(bin.buffer).getUint32(4, true);
            if (len <= bin.length && len >= 10) fixSum(bin);
          }
          let table: IortTable;
          try {
            table = readIort(bin).table;
          } catch (e) {
            if (e instanceof IortError) return;
            throw e;
          }
          // A table that reads must also survive translation of a few IDs through each RC.
          for (const node of table.nodes) {
            if (node.type !== 'root-complex') continue;
            for (const id of [0, 0x1ff, 0x200, 0xffff]) {
              try {
                iortNodeMapId(table, node, id, IORT_IOMMU_TYPE, []);
              } catch (e) {
                if (!(e instanceof IortError)) throw e;
              }
            }
          }
          // Rewriting either reproduces the nodes or refuses overlapping fields with an IortError.
          let out: Uint8Array;
          try {
            out = writeIort(table);
          } catch (e) {
            if (e instanceof IortError) return;
            throw e;
          }
          expect(readIort(out).table.nodes).toEqual(table.nodes);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
