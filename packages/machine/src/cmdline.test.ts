import type { KernelLog } from '@dmasim/dma-mapping';
import { sysfsGroups, sysfsGroupType } from '@dmasim/iommu-core';
import { describe, expect, it } from 'vitest';
import { blob, exampleTree, hasCorpus, QEMU_VIRT_PLATFORM } from '../test/corpus.js';
import { joinCmdlines, parseKernelCmdline } from './cmdline.js';
import { bootMachine } from './machine.js';

describe('the kernel command line', () => {
  it('reads iommu.*, iommu.forcedac and swiotlb= in one pass', () => {
    const log: KernelLog = [];
    const c = parseKernelCmdline(
      'quiet iommu.passthrough=1 iommu.forcedac=y swiotlb=65536,force',
      log,
    );
    expect(c).toEqual({
      text: 'quiet iommu.passthrough=1 iommu.forcedac=y swiotlb=65536,force',
      iommu: { passthrough: '1', forcedac: 'y' },
      forcedac: true,
      swiotlb: { nslabs: 65536, force: 'force' },
    });
    expect(log).toEqual([]);
  });

  it('a malformed value warns as do_early_param() does; a bad swiotlb= tail is ignored', () => {
    const log: KernelLog = [];
    const c = parseKernelCmdline('iommu.forcedac=maybe swiotlb=4096,,bogus', log);
    expect(c.forcedac).toBe(false);
    expect(log).toEqual([{ level: 'warn', msg: "Malformed early option 'iommu.forcedac'" }]);
    expect(c.swiotlb).toEqual({ nslabs: 4096 });
  });

  it("the platform's line comes first, the user's after it", () => {
    expect(joinCmdlines(' iommu.strict=0 ', undefined, 'iommu.strict=t')).toBe(
      'iommu.strict=0 iommu.strict=t',
    );
  });
});

describe.skipIf(!hasCorpus)('--cmdline on a booted machine (QEMU virt with SMMUv3)', () => {
  const tree = blob('qemu__virt-smmuv3.dtb');
  const types = (cmdline: string, platformCmdline?: string) => {
    const m = bootMachine(
      { kind: 'device-tree', tree },
      {
        cmdline,
        platform: {
          ...QEMU_VIRT_PLATFORM,
          ...(platformCmdline ? { cmdline: platformCmdline } : {}),
        },
      },
    );
    return { m, types: sysfsGroups(m.iommu).map((g) => sysfsGroupType(g).trim()) };
  };

  it('iommu.strict=t gives strict DMA domains, even over a lazy platform line', () => {
    const { m, types: strict } = types('iommu.strict=t', 'iommu.strict=0');
    expect(strict).toEqual(['DMA', 'DMA', 'DMA']);
    expect(m.iommu.policy).toEqual({ defaultType: 'DMA', strict: true });
    expect(m.log).toContainEqual({
      level: 'info',
      msg: 'iommu: DMA domain TLB invalidation policy: strict mode (set via kernel command line)',
    });
    expect(types('iommu.strict=0').types).toEqual(['DMA-FQ', 'DMA-FQ', 'DMA-FQ']);
  });

  it('iommu.strict=maybe: the kernel warns and keeps its default (it does not stop)', () => {
    const { m, types: t } = types('iommu.strict=maybe');
    expect(t).toEqual(['DMA', 'DMA', 'DMA']);
    expect(m.log).toContainEqual({ level: 'warn', msg: "Malformed early option 'iommu.strict'" });
  });
});

describe("the platform's swiotlb= reaches the memory", () => {
  const tree = exampleTree('example-soc.dts');

  it('swiotlb=1024 in the platform file: a 2 MB pool (the default is 64 MB here)', () => {
    const plain = bootMachine({ kind: 'device-tree', tree }).memory!.swiotlb.pool!;
    expect(plain.nslabs).toBe(32768);
    const pool = bootMachine(
      { kind: 'device-tree', tree },
      { platform: { cmdline: 'swiotlb=1024' } },
    ).memory!.swiotlb.pool!;
    expect(pool.nslabs).toBe(1024);
    expect(pool.end - pool.start).toBe(0x20_0000n);
  });
});
