// Issue 10: PCI functions and RAM as the board really boots (Raspberry Pi 4 and the whole corpus).
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bootMachine } from '@dmasim/machine';
import { parseDts, parseFdt } from '@dmasim/of';
import { describe, expect, it } from 'vitest';
import { corpusDir, exampleDir, hasCorpus } from './corpus.js';
import { MISSING_RAM, MISSING_RAM_REPORT } from './memory-report.js';
import { PlatformFileError, parsePlatformFile, parseRamRange } from './platform-file.js';
import type { InspectReport } from './report.js';
import { inspectTree as inspectDeviceTree } from './test-boot.js';
import { cli } from './test-cli.js';

const rpi4 = join(corpusDir, 'dtb', 'broadcom__bcm2711-rpi-4-b.dtb');
const rpiPlatform = (gib: number) => resolve(exampleDir, `rpi4-${gib}g.platform.yaml`);
const json = (argv: string[]) => {
  const r = cli(argv);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as InspectReport;
};

describe.skipIf(!hasCorpus)('PCI functions from the bridge hierarchy over the corpus', () => {
  it('no two devices of any blob share a path', () => {
    const dtbs = readdirSync(join(corpusDir, 'dtb')).filter((f) => f.endsWith('.dtb'));
    expect(dtbs.length).toBeGreaterThan(80);
    for (const f of dtbs) {
      const tree = parseFdt(new Uint8Array(readFileSync(join(corpusDir, 'dtb', f))));
      const paths = inspectDeviceTree(tree).devices.map((d) => d.path);
      const twice = paths.filter((p, i) => paths.indexOf(p) !== i);
      expect({ f, twice }).toEqual({ f, twice: [] });
    }
  });

  it('the Raspberry Pi 4 USB controller is 01:00.0 behind the root port, with its node', () => {
    const pci = json(['inspect', rpi4, '--json']).devices.filter((d) => d.bus === 'pci');
    expect(pci.map((d) => [d.path, d.rid, d.node])).toEqual([
      ['pci:0000:00:00.0', '0x0', '/scb/pcie@7d500000/pci@0,0'],
      ['pci:0000:01:00.0', '0x100', '/scb/pcie@7d500000/pci@0,0/usb@0,0'],
    ]);
    // No IOMMU on the BCM2711: no group; the host's dma-ranges give a 3 GiB window.
    expect(pci[1]!.iommu).toBeNull();
    expect(pci[1]!.busDmaLimit).toBe('0xbfffffff');
  });

  it('--pci naming the USB controller adds no second device', () => {
    const pci = json([
      'inspect',
      rpi4,
      '--json',
      '--pci',
      '/scb/pcie@7d500000:01:00.0',
    ]).devices.filter((d) => d.bus === 'pci');
    expect(pci.map((d) => [d.path, d.node])).toEqual([
      ['pci:0000:00:00.0', '/scb/pcie@7d500000/pci@0,0'],
      ['pci:0000:01:00.0', '/scb/pcie@7d500000/pci@0,0/usb@0,0'],
    ]);
  });

  it('MediaTek trees write bus 1 into reg: the same function, found by devfn', () => {
    const r = json([
      'inspect',
      join(corpusDir, 'dtb', 'mediatek__mt8192-asurada-spherion-r0.dtb'),
      '--json',
    ]);
    const wifi = r.devices.find((d) => d.node?.endsWith('/wifi@0,0'));
    expect(wifi?.path).toBe('pci:0000:01:00.0');
  });
});

describe.skipIf(!hasCorpus)('Raspberry Pi 4 RAM as its firmware fills it in', () => {
  it('8 GiB: the zones a real arm64 kernel prints, and the eMMC keeps its 30-bit bus', () => {
    const r = cli(['inspect', rpi4, '--platform', rpiPlatform(8)]);
    expect(r.stdout).toContain('  DMA      [mem 0x0000000000000000-0x000000003fffffff]\n');
    expect(r.stdout).toContain('  DMA32    [mem 0x0000000040000000-0x00000000ffffffff]\n');
    expect(r.stdout).toContain('  Normal   [mem 0x0000000100000000-0x00000001ffffffff]\n');
    const report = json(['inspect', rpi4, '--platform', rpiPlatform(8), '--json']);
    const emmc = report.devices.find((d) => d.path === '/emmc2bus/mmc@7e340000')!;
    expect(emmc.rangeMap).toEqual([
      { cpuStart: '0x0', dmaStart: '0xc0000000', size: '0x40000000' },
    ]);
    expect(emmc.busDmaLimit).toBe('0xffffffff');
    expect(report.memory).toEqual({
      ram: [
        { start: '0x0', end: '0x3b3fffff' },
        { start: '0x40000000', end: '0xfbffffff' },
        { start: '0x100000000', end: '0x1ffffffff' },
      ],
      // /memreserve/ and the blob's CMA node (64 MiB, alloc-ranges below 1 GiB) on top.
      reserved: [
        { name: '/memreserve/', start: '0x0', end: '0xfff' },
        { name: '/reserved-memory/linux,cma', start: '0x37400000', end: '0x3b3fffff' },
      ],
      zones: [
        { name: 'DMA', start: '0x0', end: '0x3fffffff' },
        { name: 'DMA32', start: '0x40000000', end: '0xffffffff' },
        { name: 'Normal', start: '0x100000000', end: '0x1ffffffff' },
      ],
      cma: { start: '0x37400000', size: '0x4000000' },
      // The bounce buffer lands in the 30-bit ZONE_DMA, below the CMA area.
      swiotlb: { start: '0x33400000', size: '0x4000000', nslabs: 32768 },
    });
  });

  it('--memory says the same as the platform file, sizes with suffixes', () => {
    const viaFlag = json([
      'inspect',
      rpi4,
      '--json',
      '--memory',
      '0x0:948M',
      '--memory',
      '0x40000000:0xbc000000',
      '--memory',
      '4G:4G',
    ]);
    expect(viaFlag.memory).toEqual(
      json(['inspect', rpi4, '--platform', rpiPlatform(8), '--json']).memory,
    );
  });

  it('1, 2 and 4 GiB: the DMA zone ends with RAM or at 1 GiB, DMA32 at the gap below 4 GiB', () => {
    const zones = (gib: number) =>
      json(['inspect', rpi4, '--platform', rpiPlatform(gib), '--json']).memory!.zones.map((z) => [
        z.name,
        z.start,
        z.end,
      ]);
    expect(zones(1)).toEqual([
      ['DMA', '0x0', '0x3b3fffff'],
      ['DMA32', null, null],
      ['Normal', null, null],
    ]);
    expect(zones(2)).toEqual([
      ['DMA', '0x0', '0x3fffffff'],
      ['DMA32', '0x40000000', '0x7fffffff'],
      ['Normal', null, null],
    ]);
    expect(zones(4)).toEqual([
      ['DMA', '0x0', '0x3fffffff'],
      ['DMA32', '0x40000000', '0xfbffffff'],
      ['Normal', null, null],
    ]);
  });

  it('without RAM the output names what is missing and how to give it', () => {
    const r = cli(['inspect', rpi4]);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`RAM: ${MISSING_RAM}`);
    expect(MISSING_RAM).toContain('--memory START:SIZE');
    const { memory } = json(['inspect', rpi4, '--json']);
    expect(memory).toEqual(MISSING_RAM_REPORT);
    // Nothing but the reason: every other field is empty.
    const described = Object.values(memory!).filter((v) => v !== null && `${v}` !== '');
    expect(described).toEqual([MISSING_RAM]);
  });
});

describe('RAM in the platform file and on the command line', () => {
  it('parses START:SIZE banks and {start, size} mappings', () => {
    expect(parseRamRange('0x40000000:2G')).toEqual({ start: 0x4000_0000n, size: 0x8000_0000n });
    const file = parsePlatformFile('memory:\n  - "0:1G"\n  - { start: 0x100000000, size: "4G" }\n');
    expect(file.memory).toEqual([
      { start: 0n, size: 0x4000_0000n },
      { start: 0x1_0000_0000n, size: 0x1_0000_0000n },
    ]);
  });

  it('names the bad bank', () => {
    expect(() => parsePlatformFile('memory:\n  - { start: 0 }\n', 'p.yaml')).toThrow(
      new PlatformFileError('is missing', 'p.yaml:2: memory[0].size'),
    );
    expect(() => parsePlatformFile('memory: [ "1G" ]', 'p.yaml')).toThrow(
      'p.yaml:1: memory[0]: expected a RAM bank: "START:SIZE" or { start, size }',
    );
    expect(() => parsePlatformFile('memory: [ "0:0" ]', 'p.yaml')).toThrow(
      'p.yaml:1: memory[0]: RAM "0:0" has no size',
    );
    expect(() => parsePlatformFile('memory: [ "zz:1G" ]', 'p.yaml')).toThrow(
      'p.yaml:1: memory[0]: RAM "zz:1G": not a number: "zz"',
    );
    const r = cli(['inspect', resolve(exampleDir, 'example-soc.dts'), '--memory', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--memory wants START:SIZE/);
  });
});

describe('a DT function behind a root port takes its real RID to the IOMMU', () => {
  const tree = parseDts(`/dts-v1/;
/ {
  #address-cells = <2>; #size-cells = <2>;
  memory@80000000 { device_type = "memory"; reg = <0x0 0x80000000 0x0 0x40000000>; };
  smmu: iommu@fd000000 { compatible = "arm,smmu-v3"; reg = <0x0 0xfd000000 0x0 0x20000>; #iommu-cells = <1>; };
  pcie@600000000 {
    compatible = "pci-host-ecam-generic"; device_type = "pci";
    #address-cells = <3>; #size-cells = <2>;
    reg = <0x6 0x0 0x0 0x10000000>;
    bus-range = <0x0 0xff>;
    ranges = <0x02000000 0x0 0x80000000 0x6 0x80000000 0x0 0x40000000>;
    iommu-map = <0x0 &smmu 0x10000 0x10000>;
    pci@0,0 { device_type = "pci"; #address-cells = <3>; #size-cells = <2>; ranges;
      reg = <0x0 0x0 0x0 0x0 0x0>;
      usb@0,0 { reg = <0x0 0x0 0x0 0x0 0x0>; };
    };
    ethernet@1,0 { reg = <0x800 0x0 0x0 0x0 0x0>; };
  };
};`);

  it('stream ID from RID 0x100; the group of the root port, since DT never enables ACS at scan', () => {
    const platform = bootMachine({ kind: 'device-tree', tree });
    const byPath = new Map(platform.devices.map((d) => [d.path, d]));
    const usb = byPath.get('pci:0000:01:00.0')!;
    expect(usb.device.fwNode).toBe('/pcie@600000000/pci@0,0/usb@0,0');
    expect(usb.device.fwspec?.ids).toEqual([0x10100]);
    expect(usb.group?.id).toBe(byPath.get('pci:0000:00:00.0')!.group?.id);
    expect(byPath.get('pci:0000:00:01.0')!.group?.id).not.toBe(usb.group?.id);
  });
});
