import {
  createDevice,
  GFP_DMA,
  KERNEL_RELEASE_NAMES,
  type KernelRelease,
  kernelRelease,
} from '@dmasim/dma-mapping';
import { describe, expect, it } from 'vitest';
import { dmaDirectOptimalGfpMask } from './direct.js';
import { computeMemoryLayout, formatZoneRanges } from './memory-zones.js';
import { createPlatform } from './platform.js';
import { rpi4PlatformInput } from './reference-platforms.js';
import { parseSwiotlbParam } from './swiotlb.js';

const GiB = 1n << 30n;
const MiB = 1n << 20n;

// Debian arm64 6.12: CONFIG_CMA_SIZE_MBYTES=64, DMA_BOUNCE_UNALIGNED_KMALLOC=y; QEMU -smp 2.
function qemuVirt(ramGiB: bigint, kernel: KernelRelease = kernelRelease()) {
  return createPlatform({
    arch: 'arm64',
    banks: [{ start: 0x4000_0000n, size: ramGiB * GiB }],
    cmaBytes: 64n * MiB,
    cpus: 2,
    kernel,
  });
}

// No dma-ranges on QEMU virt: every release gives the same zones and pool (A was read on 6.12).
describe.each(KERNEL_RELEASE_NAMES)(
  'zones and swiotlb (kernel-observations A / A4G), %s',
  (name) => {
    const kernel = kernelRelease(name);
    it('A: 2 GiB at 0x40000000 is all ZONE_DMA; swiotlb shrinks to 2 MiB', () => {
      const plat = qemuVirt(2n, kernel);
      expect(formatZoneRanges(plat.memory)).toEqual([
        'Zone ranges:',
        '  DMA      [mem 0x0000000040000000-0x00000000bfffffff]',
        '  DMA32    empty',
        '  Normal   empty',
      ]);
      expect(plat.memory.zoneDmaLimit).toBe(0xffff_ffffn);
      expect(plat.bootLog).toContain('software IO TLB: SWIOTLB bounce buffer size adjusted to 2MB');
      expect(plat.swiotlb.pool?.nslabs).toBe(1024);
    });

    it('A4G: ZONE_DMA ends at 4 GiB; the default 64 MiB pool at 0xf8000000', () => {
      const plat = qemuVirt(4n, kernel);
      const z = plat.memory.zones;
      expect([z.DMA.start, z.DMA.end]).toEqual([0x4000_0000n, 0xffff_ffffn]);
      expect([z.Normal.start, z.Normal.end]).toEqual([0x1_0000_0000n, 0x1_3fff_ffffn]);
      expect(plat.swiotlb.pool?.start).toBe(0xf800_0000n);
      expect(plat.swiotlb.pool?.nslabs).toBe(32768);
    });
  },
);

describe('ZONE_DMA by bits (6.7-6.10) and by limit (6.12)', () => {
  const ramFromZero = [{ start: 0n, size: 2n * GiB }];
  const layout = (name: '6.10' | '6.12', firmwareDmaLimit: bigint) =>
    computeMemoryLayout({
      arch: 'arm64',
      banks: ramFromZero,
      firmwareDmaLimit,
      kernel: kernelRelease(name),
    });

  it('a tightest dma-ranges ending at 0x3fffffff gives ZONE_DMA up to 0x3fffffff in both', () => {
    for (const name of ['6.10', '6.12'] as const) {
      const z = layout(name, 0x3fff_ffffn).zones;
      expect([z.DMA.start, z.DMA.end]).toEqual([0n, 0x3fff_ffffn]);
      expect([z.DMA32.start, z.DMA32.end]).toEqual([0x4000_0000n, 0x7fff_ffffn]);
    }
    expect(layout('6.10', 0x3fff_ffffn).zoneDmaLimit).toBe(0x3fff_ffffn);
  });

  it('a CPU end of 0x0ffffffe: 6.10 rounds up to DMA_BIT_MASK(28), 6.12 ends a page lower', () => {
    const bits = layout('6.10', 0x0fff_fffen);
    expect(bits.zones.DMA.end).toBe(0x0fff_ffffn);
    expect(bits.zoneDmaLimit).toBe(0x0fff_ffffn);
    const limit = layout('6.12', 0x0fff_fffen);
    // max_zone_phys() = 0x0fffffff (exclusive): the last whole page ends at 0x0fffefff.
    expect(limit.zones.DMA.end).toBe(0x0fff_efffn);
    expect(limit.zoneDmaLimit).toBe(0x0fff_fffen);
    expect(formatZoneRanges(limit)[1]).toBe(
      '  DMA      [mem 0x0000000000000000-0x000000000fffefff]',
    );
  });

  it('the 6.12.y zone_dma_limit fix: same zones, but a 64-bit device no longer gets GFP_DMA', () => {
    const fixed = kernelRelease('6.12');
    // 6.12.0: everything 6.12.y has except Yang Shi's fix.
    const v6120: KernelRelease = {
      name: '6.12',
      description: '6.12.0',
      has: (id) => id !== 'arm64-zone-dma-limit-capped' && fixed.has(id),
    };
    const banks = [{ start: 0x4000_0000n, size: 4n * GiB }];
    const before = createPlatform({ arch: 'arm64', banks, kernel: v6120 });
    const after = createPlatform({ arch: 'arm64', banks, kernel: fixed });
    expect(before.memory.zones.DMA.end).toBe(0xffff_ffffn);
    expect(after.memory.zones.DMA.end).toBe(0xffff_ffffn);
    expect(before.memory.zoneDmaLimit).toBe(0xffff_ffff_ffff_ffffn);
    expect(after.memory.zoneDmaLimit).toBe(0xffff_ffffn);
    const dev = createDevice({ name: 'nvme', bus: 'pci' });
    dev.coherentDmaMask = 0xffff_ffff_ffff_ffffn;
    expect(dmaDirectOptimalGfpMask(before, dev).gfp).toBe(GFP_DMA);
    expect(dmaDirectOptimalGfpMask(after, dev).gfp).toBe(0);
  });
});

describe('zones', () => {
  it('a 30-bit firmware limit (Raspberry Pi 4) makes a 1 GiB ZONE_DMA and a DMA32 zone', () => {
    const layout = computeMemoryLayout(rpi4PlatformInput());
    expect(formatZoneRanges(layout)).toEqual([
      'Zone ranges:',
      '  DMA      [mem 0x0000000000000000-0x000000003fffffff]',
      '  DMA32    [mem 0x0000000040000000-0x00000000ffffffff]',
      '  Normal   [mem 0x0000000100000000-0x00000001ffffffff]',
    ]);
  });

  it('RAM above 4 GiB only: the 6.12 rule lets ZONE_DMA follow the firmware limit', () => {
    const banks = [{ start: 0x80_0000_0000n, size: 8n * GiB }];
    const limitModel = computeMemoryLayout({ arch: 'arm64', banks });
    expect(limitModel.zones.DMA.end).toBe(0x81_ffff_ffffn);
    const bitsModel = computeMemoryLayout({ arch: 'arm64', banks, kernel: kernelRelease('6.10') });
    expect(bitsModel.zones.DMA.end).toBe(0x81_ffff_ffffn);
    expect(bitsModel.zoneDmaLimit).toBe(0xffff_ffffn);
  });

  it('x86: 16 MiB ZONE_DMA, DMA32 to 4 GiB', () => {
    const layout = computeMemoryLayout({
      arch: 'x86',
      banks: [
        { start: 0x1000n, size: 0x9f000n },
        { start: 0x10_0000n, size: 0xbff0_0000n },
        { start: 0x1_0000_0000n, size: 4n * GiB },
      ],
    });
    expect(formatZoneRanges(layout)).toEqual([
      'Zone ranges:',
      '  DMA      [mem 0x0000000000001000-0x0000000000ffffff]',
      '  DMA32    [mem 0x0000000001000000-0x00000000ffffffff]',
      '  Normal   [mem 0x0000000100000000-0x00000001ffffffff]',
    ]);
  });
});

describe('default swiotlb pool', () => {
  it('A: all RAM in ZONE_DMA shrinks the pool to 2 MiB (1024 slabs)', () => {
    const plat = qemuVirt(2n);
    expect(plat.bootLog).toContain('software IO TLB: SWIOTLB bounce buffer size adjusted to 2MB');
    expect(plat.bootLog).toContain('software IO TLB: area num 2.');
    expect(plat.swiotlb.pool?.nslabs).toBe(1024);
    expect(plat.swiotlb.pool?.nareas).toBe(2);
  });

  it('A4G: the default 64 MiB (32768 slabs) at 0xf8000000, below the CMA area', () => {
    const plat = qemuVirt(4n);
    expect(plat.cma?.base).toBe(0xfc00_0000n);
    expect(plat.swiotlb.pool?.nslabs).toBe(32768);
    expect(plat.swiotlb.pool?.start).toBe(0xf800_0000n);
    expect(plat.bootLog).toContain(
      'software IO TLB: mapped [mem 0x00000000f8000000-0x00000000fc000000] (64MB)',
    );
  });

  it('UEFI-like RAM just above 2 GiB rounds the shrunk pool up to 4 MiB', () => {
    const plat = createPlatform({
      arch: 'arm64',
      banks: [
        { start: 0x4000_0000n, size: 2n * GiB },
        { start: 0x1_0000_0000n - 0x10_0000n, size: 0n },
        { start: 0xc000_0000n, size: 0x40_0000n },
      ],
      cpus: 2,
    });
    expect(plat.swiotlb.pool?.nslabs).toBe(2048);
    expect(plat.bootLog).toContain('software IO TLB: SWIOTLB bounce buffer size roundup to 4MB');
  });

  it('swiotlb=N overrides the size and disables the arm64 shrink', () => {
    const param = parseSwiotlbParam('1000,force');
    expect(param).toEqual({ nslabs: 1024, force: 'force' });
    const plat = createPlatform({
      arch: 'arm64',
      banks: [{ start: 0x4000_0000n, size: 2n * GiB }],
      swiotlb: param,
      cpus: 4,
    });
    expect(plat.swiotlb.pool?.nslabs).toBe(1024);
    expect(plat.swiotlb.forceBounce).toBe(true);
    expect(plat.bootLog.some((l) => l.includes('adjusted to'))).toBe(false);
  });

  it('x86 with RAM below 4 GiB gets no pool; noforce removes it everywhere', () => {
    const x86 = createPlatform({ arch: 'x86', banks: [{ start: 0x10_0000n, size: 2n * GiB }] });
    expect(x86.swiotlb.pool).toBeNull();
    const none = createPlatform({
      arch: 'arm64',
      banks: [{ start: 0x4000_0000n, size: 4n * GiB }],
      swiotlb: parseSwiotlbParam('noforce'),
    });
    expect(none.swiotlb.pool).toBeNull();
  });

  it('x86 with RAM above 4 GiB: 64 MiB ending one byte short of 4 GiB (memblock quirk)', () => {
    const plat = createPlatform({
      arch: 'x86',
      banks: [
        { start: 0x10_0000n, size: 0xfff0_0000n },
        { start: 0x1_0000_0000n, size: 4n * GiB },
      ],
    });
    expect(plat.swiotlb.pool?.start).toBe(0xfbff_f000n);
    expect(plat.swiotlb.pool?.nslabs).toBe(32768);
  });

  it('rejects a malformed swiotlb= value with its offset', () => {
    expect(() => parseSwiotlbParam('64,forse')).toThrowError(/offset 3/);
  });
});
