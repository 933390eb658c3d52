import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootMachine } from '@dmasim/machine';
import { type DeviceTree, getProperty, parseDts, parseFdt } from '@dmasim/of';
import { describe, expect, it } from 'vitest';
import { inspectCommand } from './commands/inspect.js';
import { corpusDir, exampleDir, hasCorpus } from './corpus.js';
import { formatMemoryReport, type MemoryReport, MISSING_RAM } from './memory-report.js';
import { inspectReport } from './report.js';
import { commandArgs } from './test-cli.js';

const EMPTY = { ram: [], reserved: [], zones: [], cma: null, swiotlb: null };

/** The memory map of a tree booted with `cmdline`. */
function treeMemoryReport(tree: DeviceTree, cmdline = ''): MemoryReport {
  return inspectReport(bootMachine({ kind: 'device-tree', tree }, { arch: 'arm64', cmdline }))
    .memory!;
}

const blob = (name: string): DeviceTree =>
  parseFdt(new Uint8Array(readFileSync(join(corpusDir, 'dtb', name))));

/** The tree with its /memory reg replaced by one bank (2 address cells, 2 size cells). */
function withRam(tree: DeviceTree, start: bigint, size: bigint): DeviceTree {
  const node = tree.root.children.find((c) => c.name.startsWith('memory'))!;
  const reg = getProperty(node, 'reg')!;
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, start);
  view.setBigUint64(8, size);
  reg.value = bytes;
  return tree;
}

describe.skipIf(!hasCorpus)('memory of the QEMU virt blobs (kernel-observations A / A4G)', () => {
  it('A: 2 GiB all in ZONE_DMA, swiotlb shrunk to 2 MiB (1024 slabs)', () => {
    const tree = blob('qemu__virt.dtb');
    const machine = bootMachine({ kind: 'device-tree', tree });
    expect(machine.cpus).toBe(2);
    const report = treeMemoryReport(tree);
    expect(report.missing).toBeUndefined();
    const { swiotlb, ...rest } = report;
    expect(rest).toEqual({
      ram: [{ start: '0x40000000', end: '0xbfffffff' }],
      reserved: [],
      zones: [
        { name: 'DMA', start: '0x40000000', end: '0xbfffffff' },
        { name: 'DMA32', start: null, end: null },
        { name: 'Normal', start: null, end: null },
      ],
      // CONFIG_CMA_SIZE_MBYTES=64 at the top of ZONE_DMA.
      cma: { start: '0xbc000000', size: '0x4000000' },
    });
    expect(swiotlb?.nslabs).toBe(1024);
    expect(swiotlb?.size).toBe('0x200000');
    // Below the 64 MiB CMA area at the top of ZONE_DMA.
    expect(BigInt(swiotlb!.start) + 0x200000n).toBeLessThanOrEqual(0xbc00_0000n);
    expect(formatMemoryReport(report).slice(0, 6)).toEqual([
      'RAM:',
      '  [mem 0x0000000040000000-0x00000000bfffffff]',
      'Zone ranges:',
      '  DMA      [mem 0x0000000040000000-0x00000000bfffffff]',
      '  DMA32    empty',
      '  Normal   empty',
    ]);
    expect(machine.log).toContainEqual({
      level: 'info',
      msg: 'software IO TLB: SWIOTLB bounce buffer size adjusted to 2MB',
    });
  });

  it('A4G: 4 GiB splits into DMA and Normal, the default 64 MiB pool at 0xf8000000', () => {
    const tree = withRam(blob('qemu__virt.dtb'), 0x4000_0000n, 4n << 30n);
    const report = treeMemoryReport(tree)!;
    expect(report).toEqual({
      ram: [{ start: '0x40000000', end: '0x13fffffff' }],
      reserved: [],
      zones: [
        { name: 'DMA', start: '0x40000000', end: '0xffffffff' },
        { name: 'DMA32', start: null, end: null },
        { name: 'Normal', start: '0x100000000', end: '0x13fffffff' },
      ],
      // dma_contiguous_reserve(arm64_dma_phys_limit): the top of ZONE_DMA; swiotlb just below.
      cma: { start: '0xfc000000', size: '0x4000000' },
      swiotlb: { start: '0xf8000000', size: '0x4000000', nslabs: 32768 },
    });
    expect(formatMemoryReport(report)).toEqual([
      'RAM:',
      '  [mem 0x0000000040000000-0x000000013fffffff]',
      'Zone ranges:',
      '  DMA      [mem 0x0000000040000000-0x00000000ffffffff]',
      '  DMA32    empty',
      '  Normal   [mem 0x0000000100000000-0x000000013fffffff]',
      'cma: 64 MiB at 0x00000000fc000000',
      'software IO TLB: mapped [mem 0x00000000f8000000-0x00000000fc000000] (64MB)',
    ]);
  });

  it('swiotlb= on the command line sets the slab count and disables the shrink', () => {
    const report = treeMemoryReport(blob('qemu__virt.dtb'), 'swiotlb=4096')!;
    expect(report.swiotlb?.nslabs).toBe(4096);
    expect(treeMemoryReport(blob('qemu__virt.dtb'), 'swiotlb=noforce')!.swiotlb).toBe(null);
  });

  it('inspect --json carries the memory object with its keys in order', () => {
    const json = inspectCommand(commandArgs('inspect', [join(corpusDir, 'dtb', 'qemu__virt.dtb')]))
      .json as {
      memory: Record<string, unknown>;
    };
    expect(Object.keys(json.memory)).toEqual(['ram', 'reserved', 'zones', 'cma', 'swiotlb']);
    expect(Object.keys(json.memory.swiotlb as object)).toEqual(['start', 'size', 'nslabs']);
    expect(JSON.stringify((json.memory.zones as unknown[])[1])).toBe(
      '{"name":"DMA32","start":null,"end":null}',
    );
    const text = inspectCommand(
      commandArgs('inspect', [join(corpusDir, 'dtb', 'qemu__virt.dtb')]),
    ).text;
    expect(text).toContain('  DMA      [mem 0x0000000040000000-0x00000000bfffffff]');
    expect(text).toMatch(/software IO TLB: mapped \[mem 0x[0-9a-f]{16}-0x[0-9a-f]{16}\] \(2MB\)/);
  });

  it('every corpus blob boots or is reported as having no RAM, never throws', () => {
    let missing = 0;
    for (const f of readdirSync(join(corpusDir, 'dtb')).filter((n) => n.endsWith('.dtb'))) {
      const report = treeMemoryReport(blob(f));
      if (report.missing === undefined) expect(report.zones.length).toBe(3);
      else {
        missing++;
        expect(report).toEqual({ ...EMPTY, missing: MISSING_RAM });
      }
    }
    expect(missing).toBeGreaterThan(0);
  });
});

describe('the bundled example', () => {
  it('the bundled example: a 30-bit SoC bus gives a 1 GiB ZONE_DMA', () => {
    const example = parseDts(readFileSync(join(exampleDir, 'example-soc.dts'), 'utf8'), {
      fileName: 'example-soc.dts',
    });
    const report = treeMemoryReport(example)!;
    expect(report.ram).toEqual([
      { start: '0x0', end: '0x7fffffff' },
      { start: '0x100000000', end: '0x17fffffff' },
    ]);
    expect(report.swiotlb?.nslabs).toBe(32768);
    expect(BigInt(report.swiotlb!.start) + BigInt(report.swiotlb!.size)).toBeLessThanOrEqual(
      BigInt(report.zones[0]!.end!) + 1n,
    );
  });
});

describe('zero-size ranges (found by pnpm fuzz)', () => {
  it('a /memreserve/ of size 0 at address 0 is not listed, as memblock_add_range() ignores it', () => {
    const tree = parseDts(
      '/dts-v1/;\n/memreserve/ 0x0 0x0;\n/memreserve/ 0x40001000 0x1000;\n/ { #address-cells = <2>; #size-cells = <2>;\n memory@40000000 { device_type = "memory"; reg = <0x0 0x40000000 0x0 0x40000000>; };\n};\n',
    );
    const report = treeMemoryReport(tree);
    expect(report.reserved.map((r) => [r.start, r.end])).toEqual([['0x40001000', '0x40001fff']]);
    expect(JSON.stringify(report)).not.toContain('0x-');
  });
});
