// --kernel through the CLI: the behaviours that differ between the modelled releases.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KERNEL_CHANGES } from '@dmasim/dma-mapping';
import { describe, expect, it } from 'vitest';
import { corpusDir, hasCorpus } from '../corpus.js';
import { cli } from '../test-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dmasim-kernels-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const json = (argv: string[]) => {
  const r = cli([...argv, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const { schema, ...out } = JSON.parse(r.stdout);
  expect(schema).toMatch(/^dmasim\.[a-z-]+\/1$/);
  return out;
};

// The shape of the kernel unittest's empty-dma-ranges PCI case (of_unittest_pci_empty_dma_ranges):
// a local bus under a 3-cell bus under a PCI bridge, where neither the bridge nor the 3-cell bus
// has dma-ranges, so DMA translation steps through them 1:1.
const emptyDmaRanges = file(
  'empty-dma-ranges.dts',
  `/dts-v1/;
/ {
	#address-cells = <2>;
	#size-cells = <2>;
	pcie@d1070000 {
		device_type = "pci";
		#address-cells = <3>;
		#size-cells = <2>;
		reg = <0x0 0xd1070000 0x0 0x20000>;
		ranges = <0x82000000 0x0 0xe8000000 0x0 0xe8000000 0x0 0x7f00000>;
		dma-ranges = <0x43000000 0x10 0x0 0x0 0x0 0x0 0x10000000>;
		pci@0,0 {
			device_type = "pci";
			#address-cells = <3>;
			#size-cells = <2>;
			reg = <0x0 0x0 0x0 0x0 0x0>;
			ranges = <0x82000000 0x0 0xe8000000 0x82000000 0x0 0xe8000000 0x0 0x4400000>;
			dev@0,0 {
				#address-cells = <3>;
				#size-cells = <2>;
				reg = <0x10000 0x0 0x0 0x0 0x0>;
				ranges = <0x0 0x0 0x0 0x82010000 0x0 0xe8000000 0x0 0x2000000>;
				local-bus@0 {
					#address-cells = <1>;
					#size-cells = <1>;
					reg = <0x0 0x0 0x0 0x0 0x0>;
					ranges = <0xa0000000 0x0 0x0 0x0 0x2000000>;
					dma-ranges = <0xc0000000 0x43000000 0x10 0x0 0x10000000>;
				};
			};
		};
	};
};
`,
);
const LOCAL_BUS = '/pcie@d1070000/pci@0,0/dev@0,0/local-bus@0';

describe('of ranges --dma on the empty-dma-ranges PCI case', () => {
  it('6.12 (1:1 flags fix backported to 6.12.y) translates to cpu 0x0', () => {
    expect(json(['of', 'ranges', emptyDmaRanges, LOCAL_BUS, '--dma', '--kernel', '6.12'])).toEqual({
      count: 1,
      ranges: [{ flags: '0x200', busAddr: '0xc0000000', cpuAddr: '0x0', size: '0x10000000' }],
    });
    // The default is 6.12.
    expect(json(['of', 'ranges', emptyDmaRanges, LOCAL_BUS, '--dma']).ranges[0].cpuAddr).toBe(
      '0x0',
    );
  });

  it.each(['6.7', '6.8', '6.10'])('%s drops the flags on the 1:1 step: OF_BAD_ADDR', (kernel) => {
    const out = json(['of', 'ranges', emptyDmaRanges, LOCAL_BUS, '--dma', '--kernel', kernel]);
    expect(out.ranges).toEqual([
      { flags: '0x200', busAddr: '0xc0000000', cpuAddr: null, size: '0x10000000' },
    ]);
    const text = cli(['of', 'ranges', emptyDmaRanges, LOCAL_BUS, '--dma', '--kernel', kernel]);
    expect(text.stdout).toContain('cpu OF_BAD_ADDR');
  });

  it('of dma-range: 6.10 reports the failed translation, 6.12 builds the map', () => {
    const old = json(['of', 'dma-range', emptyDmaRanges, LOCAL_BUS, '--kernel', '6.10']);
    expect(old.ret).toBe(-22);
    expect(old.log.map((l: { msg: string }) => l.msg)).toContain(
      `translation of DMA address(c0000000) to CPU address failed node(${LOCAL_BUS})`,
    );
    expect(json(['of', 'dma-range', emptyDmaRanges, LOCAL_BUS, '--kernel', '6.12'])).toMatchObject({
      ret: 0,
      map: [{ cpuStart: '0x0', dmaStart: '0xc0000000', size: '0x10000000' }],
    });
  });
});

// RAM from 0 and one DMA master whose dma-ranges end `cpuEnd` bounds ZONE_DMA.
function boardWithDmaEnd(name: string, dmaRangesSize: number): string {
  return file(
    name,
    `/dts-v1/;
/ {
	#address-cells = <1>;
	#size-cells = <1>;
	compatible = "dmasim,test-board";
	memory@0 { device_type = "memory"; reg = <0x0 0x80000000>; };
	soc {
		compatible = "simple-bus";
		#address-cells = <1>;
		#size-cells = <1>;
		ranges;
		dma-ranges = <0x0 0x0 ${`0x${dmaRangesSize.toString(16)}`}>;
		serial@7e201000 { compatible = "arm,pl011", "arm,primecell"; reg = <0x7e201000 0x200>; };
	};
};
`,
  );
}

const dmaZone = (board: string, kernel: string) =>
  json(['inspect', board, '--kernel', kernel]).memory.zones.find(
    (z: { name: string }) => z.name === 'DMA',
  );

describe('ZONE_DMA: zone_dma_bits (6.7-6.10) vs zone_dma_limit (6.12)', () => {
  it('tightest dma-ranges ending at 0x3fffffff: ZONE_DMA up to 0x3fffffff under both', () => {
    const board = boardWithDmaEnd('limit-30bit.dts', 0x4000_0000);
    for (const kernel of ['6.7', '6.8', '6.10', '6.12']) {
      expect(dmaZone(board, kernel)).toEqual({ name: 'DMA', start: '0x0', end: '0x3fffffff' });
    }
  });

  it('a CPU end of 0x0ffffffe: 0x0fffffff by bits under 6.10, 0x0fffefff under 6.12', () => {
    const board = boardWithDmaEnd('limit-odd.dts', 0x0fff_ffff);
    expect(json(['of', 'max-cpu-address', board])).toEqual({ max: '0xffffffe' });
    expect(dmaZone(board, '6.10')).toEqual({ name: 'DMA', start: '0x0', end: '0xfffffff' });
    expect(dmaZone(board, '6.12')).toEqual({ name: 'DMA', start: '0x0', end: '0xfffefff' });
    const text = cli(['inspect', board, '--kernel', '6.12']).stdout;
    expect(text).toContain('  DMA      [mem 0x0000000000000000-0x000000000fffefff]');
  });
});

describe.skipIf(!hasCorpus)('"Adding to IOMMU failed" on QEMU virt with SMMUv3 (case B)', () => {
  const blob = resolve(corpusDir, 'dtb', 'qemu__virt-smmuv3.dtb');
  const pl011Log = (kernel: string) =>
    json(['inspect', blob, '--kernel', kernel, '--verbose'])
      .devices.find((d: { path: string }) => d.path === '/pl011@9000000')
      .log.map((l: { msg: string }) => l.msg);

  it('6.12 logs it with -19 for a platform device without iommus, then "not behind"', () => {
    const log = pl011Log('6.12');
    expect(log).toContain('Adding to IOMMU failed: -19');
    expect(log).toContain('device is not behind an iommu');
  });

  it('6.10 returns -ENODEV silently', () => {
    const log = pl011Log('6.10');
    expect(log.some((m: string) => m.startsWith('Adding to IOMMU failed'))).toBe(false);
    expect(log).toContain('device is not behind an iommu');
  });
});

describe('dmasim kernels', () => {
  it('--json prints the registry and the releases with the changes each has', () => {
    const out = json(['kernels']);
    expect(out.default).toBe('6.12');
    expect(out.changes.map((c: { id: string }) => c.id)).toEqual(KERNEL_CHANGES.map((c) => c.id));
    const r610 = out.releases.find((r: { name: string }) => r.name === '6.10');
    const r612 = out.releases.find((r: { name: string }) => r.name === '6.12');
    expect(r610.has).not.toContain('of-address-preserve-flags-1to1');
    expect(r612.has).toContain('of-address-preserve-flags-1to1');
    expect(r612.has).toContain('zone-dma-limit');
  });

  it('prints a table by default and rejects an unknown --kernel', () => {
    const r = cli(['kernels']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('of: address: Preserve the flags portion on 1:1 dma-ranges mapping');
    const bad = cli(['inspect', emptyDmaRanges, '--kernel', '6.9']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--kernel must be one of 6.7, 6.8, 6.10, 6.12');
  });
});
