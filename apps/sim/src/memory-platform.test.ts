import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DeviceTree, getProperty, parseDts, parseFdt } from '@dmasim/of';
import { describe, expect, it } from 'vitest';
import { inspectCommand } from './commands/inspect.js';
import { corpusDir, exampleDir, hasCorpus } from './corpus.js';
import {
  buildMemoryPlatform,
  countCpus,
  formatMemoryReport,
  MISSING_RAM,
  memoryPlatformInput,
  memoryReport,
  treeMemoryReport,
} from './memory-platform.js';
import { commandArgs } from './test-cli.js';

const EMPTY = { ram: [], reserved: [], zones: [], cma: null, swiotlb: null };

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
    expect(countCpus(tree)).toBe(2);
    const report = treeMemoryReport(tree, 'arm64');
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
    const plat = buildMemoryPlatform(tree, { arch: 'arm64' });
    expect(plat.bootLog).toContain('software IO TLB: SWIOTLB bounce buffer size adjusted to 2MB');
  });

  it('A4G: 4 GiB splits into DMA and Normal, the default 64 MiB pool at 0xf8000000', () => {
    const tree = withRam(blob('qemu__virt.dtb'), 0x4000_0000n, 4n << 30n);
    const report = treeMemoryReport(tree, 'arm64')!;
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
    const report = treeMemoryReport(blob('qemu__virt.dtb'), 'arm64', 'swiotlb=4096')!;
    expect(report.swiotlb?.nslabs).toBe(4096);
    expect(treeMemoryReport(blob('qemu__virt.dtb'), 'arm64', 'swiotlb=noforce')!.swiotlb).toBe(
      null,
    );
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
      const report = treeMemoryReport(blob(f), 'arm64');
      if (report.missing === undefined) expect(report.zones.length).toBe(3);
      else {
        missing++;
        expect(report).toEqual({ ...EMPTY, missing: MISSING_RAM });
      }
    }
    expect(missing).toBeGreaterThan(0);
  });
});

describe('reserved memory from the tree', () => {
  const tree = parseDts(
    `/dts-v1/;
/memreserve/ 0x80000000 0x100000;
/ {
  #address-cells = <2>; #size-cells = <2>;
  cpus { #address-cells = <1>; #size-cells = <0>;
    cpu@0 { device_type = "cpu"; reg = <0>; };
    cpu@1 { device_type = "cpu"; reg = <1>; };
    cpu@2 { device_type = "cpu"; reg = <2>; status = "disabled"; };
  };
  memory@80000000 { device_type = "memory"; reg = <0x0 0x80000000 0x0 0x40000000>; };
  reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;
    pool: restricted@90000000 { compatible = "restricted-dma-pool"; reg = <0x0 0x90000000 0x0 0x400000>; };
    linux,cma { compatible = "shared-dma-pool"; reusable; linux,cma-default; size = <0x0 0x1000000>;
      alloc-ranges = <0x0 0x80000000 0x0 0x20000000>; };
  };
  soc { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges;
    dma-ranges = <0x0 0x0 0x80000000 0x20000000>;
    dev@1000 { reg = <0x1000 0x100>; memory-region = <&pool>; };
  };
};
`,
    { fileName: 'mem.dts' },
  );

  it('restricted pools, a dynamic CMA region, /memreserve/ and the firmware DMA limit', () => {
    const { input } = memoryPlatformInput(tree, { arch: 'arm64' });
    expect(input.cpus).toBe(2);
    expect(input.firmwareDmaLimit).toBe(0x9fff_ffffn);
    expect(input.restrictedPools).toEqual([
      expect.objectContaining({
        path: '/reserved-memory/restricted@90000000',
        base: 0x9000_0000n,
        size: 0x40_0000n,
      }),
    ]);
    // Placed top-down inside alloc-ranges, pageblock aligned.
    expect(input.cmaRegion).toEqual({ start: 0x9f00_0000n, size: 0x100_0000n });
    expect(input.reserved).toEqual([{ start: 0x8000_0000n, size: 0x10_0000n }]);
    const plat = buildMemoryPlatform(tree, { arch: 'arm64' });
    expect(plat.restrictedPools.get('/reserved-memory/restricted@90000000')?.pool?.nslabs).toBe(
      2048,
    );
    expect(plat.cma?.base).toBe(0x9f00_0000n);
    const report = memoryReport(plat.memory, plat.swiotlb);
    expect(report.zones[0]).toEqual({ name: 'DMA', start: '0x80000000', end: '0x9fffffff' });
    expect(report.zones[1]).toEqual({ name: 'DMA32', start: '0xa0000000', end: '0xbfffffff' });
  });

  it('the bundled example: a 30-bit SoC bus gives a 1 GiB ZONE_DMA', () => {
    const example = parseDts(readFileSync(join(exampleDir, 'example-soc.dts'), 'utf8'), {
      fileName: 'example-soc.dts',
    });
    const report = treeMemoryReport(example, 'arm64')!;
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
