import {
  createDevice,
  type Device,
  DMA_BIDIRECTIONAL,
  DMA_FROM_DEVICE,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  type DmaOpsTable,
  dmaAllocCoherent,
  dmaBitMask,
  dmaFreeCoherent,
  dmaGetRequiredMask,
  dmaMapSg,
  dmaMapSingle,
  dmaMaxMappingSize,
  dmaSetMask,
  dmaSetMaskAndCoherent,
  dmaSetMinAlignMask,
  dmaUnmapSg,
  dmaUnmapSingle,
  EIO,
  GFP_KERNEL,
  sgInitTable,
} from '@dmasim/dma-mapping';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDirectOps, dmaCapable, dmaToPhys } from './direct.js';
import { createPlatform, type DirectPlatform } from './platform.js';
import { rpi4PlatformInput } from './reference-platforms.js';
import { parseSwiotlbParam } from './swiotlb.js';
import { poolState } from './swiotlb-pool.js';

const GiB = 1n << 30n;
const MiB = 1n << 20n;

function rpi4(swiotlb?: string): DirectPlatform {
  return createPlatform(rpi4PlatformInput(swiotlb ? parseSwiotlbParam(swiotlb) : undefined));
}

/** 3 GiB, the low 1 GiB reachable, and a 128-slab (256 KiB) swiotlb pool that fills quickly. */
function smallPool(): DirectPlatform {
  return createPlatform({
    arch: 'arm64',
    banks: [
      { start: 0n, size: 0x4000_0000n },
      { start: 0x4000_0000n, size: 2n * GiB },
    ],
    firmwareDmaLimit: 0x3fff_ffffn,
    swiotlb: parseSwiotlbParam('128'),
    cpus: 1,
  });
}

function table(plat: DirectPlatform): DmaOpsTable {
  return { direct: createDirectOps(plat) };
}

/** emmc2-like: an identity window on the low 1 GiB. */
function identityLimited(): Device {
  const dev = createDevice({ name: 'fe340000.mmc', bus: 'platform' });
  dev.dmaRangeMap = [{ cpuStart: 0n, dmaStart: 0n, size: 0x4000_0000n }];
  dev.busDmaLimit = 0x3fff_ffffn;
  return dev;
}

/** The real rpi4 scb window: bus 0xc0000000 → cpu 0x0, 1 GiB. */
function offsetWindow(): Device {
  const dev = createDevice({ name: 'fd580000.ethernet', bus: 'platform' });
  dev.dmaRangeMap = [{ cpuStart: 0n, dmaStart: 0xc000_0000n, size: 0x4000_0000n }];
  dev.busDmaLimit = 0xffff_ffffn;
  return dev;
}

describe('streaming mappings on a Raspberry Pi 4-like machine', () => {
  it('a buffer above 1 GiB bounces into the pool below 1 GiB', () => {
    const plat = rpi4();
    const t = table(plat);
    const dev = identityLimited();
    const pool = plat.swiotlb.pool;
    expect(pool).not.toBeNull();
    if (!pool) return;
    expect(pool.end <= 0x4000_0000n).toBe(true);
    const dma = dmaMapSingle(t, dev, 0x5000_0000n, 4096n, DMA_TO_DEVICE);
    expect(dma >= pool.start && dma < pool.end).toBe(true);
    expect(dmaCapable(dev, dma, 4096n)).toBe(true);
    expect(plat.stats.bounces).toBe(1);
    expect(plat.stats.bounceBytes).toBe(4096);
    expect(plat.swiotlb.totalUsed).toBe(2);
    dmaUnmapSingle(t, dev, dma, 4096n, DMA_TO_DEVICE);
    expect(plat.swiotlb.totalUsed).toBe(0);
    // TO_DEVICE does not copy back.
    expect(plat.stats.bounceCopies).toBe(1);
  });

  it('a buffer below 1 GiB maps directly, with cache maintenance for the non-coherent device', () => {
    const plat = rpi4();
    const t = table(plat);
    const dev = identityLimited();
    const dma = dmaMapSingle(t, dev, 0x1000_0000n, 4096n, DMA_FROM_DEVICE);
    expect(dma).toBe(0x1000_0000n);
    dmaUnmapSingle(t, dev, dma, 4096n, DMA_FROM_DEVICE);
    expect(plat.stats.bounces).toBe(0);
    expect(plat.stats.cacheMaintenanceForDevice).toBe(1);
    expect(plat.stats.cacheMaintenanceForCpu).toBe(1);
  });

  it('through an offset window: DMA addresses are bus addresses, and translate back to the slot', () => {
    const plat = rpi4();
    const t = table(plat);
    const dev = offsetWindow();
    const direct = dmaMapSingle(t, dev, 0x2000_0000n, 8192n, DMA_BIDIRECTIONAL);
    expect(direct).toBe(0xe000_0000n);
    const bounced = dmaMapSingle(t, dev, 0x1_8000_0000n, 8192n, DMA_BIDIRECTIONAL);
    const phys = dmaToPhys(dev, bounced);
    const pool = plat.swiotlb.pool;
    expect(pool && phys >= pool.start && phys < pool.end).toBe(true);
    expect(bounced - phys).toBe(0xc000_0000n);
    dmaUnmapSingle(t, dev, bounced, 8192n, DMA_BIDIRECTIONAL);
    // BIDIRECTIONAL copies in and back out.
    expect(plat.stats.bounceCopies).toBe(2);
    expect(plat.stats.bounceBytes).toBe(16384);
  });

  it('maps that keep failing on a full pool log ten warnings, as dev_warn_ratelimited() prints', () => {
    const plat = smallPool();
    const t = table(plat);
    const dev = identityLimited();
    for (let i = 0; i < 4; i++) {
      dmaMapSingle(t, dev, 0x8000_0000n + BigInt(i) * 0x10_0000n, 65536n, DMA_TO_DEVICE);
    }
    for (let i = 0; i < 1000; i++) {
      expect(dmaMapSingle(t, dev, 0x9000_0000n, 65536n, DMA_TO_DEVICE)).toBe(DMA_MAPPING_ERROR);
    }
    expect(plat.stats.mapFailures).toBe(1000);
    expect(dev.log.filter((e) => e.msg.startsWith('swiotlb buffer is full'))).toHaveLength(10);
  });

  it('an exhausted pool fails with the kernel message and leaks no slot', () => {
    const plat = smallPool();
    const t = table(plat);
    const dev = identityLimited();
    const before = poolState(plat.swiotlb.pool as NonNullable<typeof plat.swiotlb.pool>);
    const mapped: bigint[] = [];
    for (let i = 0; i < 4; i++) {
      mapped.push(
        dmaMapSingle(t, dev, 0x8000_0000n + BigInt(i) * 0x10_0000n, 65536n, DMA_TO_DEVICE),
      );
    }
    expect(mapped.every((d) => d !== DMA_MAPPING_ERROR)).toBe(true);
    const failed = dmaMapSingle(t, dev, 0x9000_0000n, 65536n, DMA_TO_DEVICE);
    expect(failed).toBe(DMA_MAPPING_ERROR);
    expect(dev.log).toContainEqual({
      level: 'warn',
      msg: 'swiotlb buffer is full (sz: 65536 bytes), total 128 (slots), used 128 (slots)',
    });
    expect(plat.stats.mapFailures).toBe(1);
    for (const d of mapped) dmaUnmapSingle(t, dev, d, 65536n, DMA_TO_DEVICE);
    expect(poolState(plat.swiotlb.pool as NonNullable<typeof plat.swiotlb.pool>)).toEqual({
      ...before,
      areaIndex: [0],
    });
    expect(plat.swiotlb.totalUsed).toBe(0);
    expect(plat.stats.swiotlbHighWater).toBe(128);
  });

  it('a failing scatterlist entry unmaps the ones before it and returns 0', () => {
    const plat = smallPool();
    const t = table(plat);
    const dev = identityLimited();
    const sg = sgInitTable(
      [0x8000_0000n, 0x8100_0000n, 0x8200_0000n].map((phys) => ({ phys, length: 0x2_0000n })),
    );
    expect(dmaMapSg(t, dev, sg, 3, DMA_TO_DEVICE)).toBe(0);
    expect(plat.swiotlb.totalUsed).toBe(0);
    const ok = sg.slice(0, 2);
    expect(dmaMapSg(t, dev, ok, 2, DMA_TO_DEVICE)).toBe(2);
    dmaUnmapSg(t, dev, ok, 2, DMA_TO_DEVICE);
    expect(plat.swiotlb.totalUsed).toBe(0);
  });

  it('without a pool the overflow is reported once per device and the map fails', () => {
    const plat = rpi4('noforce');
    const t = table(plat);
    const dev = identityLimited();
    expect(dmaMapSingle(t, dev, 0x5000_0000n, 4096n, DMA_TO_DEVICE)).toBe(DMA_MAPPING_ERROR);
    expect(dmaMapSingle(t, dev, 0x6000_0000n, 4096n, DMA_TO_DEVICE)).toBe(DMA_MAPPING_ERROR);
    expect(dev.log).toEqual([
      {
        level: 'warn',
        // 0x50000000 is outside the device's only window: phys_to_dma() gave DMA_MAPPING_ERROR.
        msg: 'DMA addr 0xffffffffffffffff+4096 overflow (mask ffffffff, bus limit 3fffffff).',
      },
    ]);
  });
});

describe('a 64-bit device on a platform without limits', () => {
  it('never bounces', () => {
    const plat = createPlatform({
      arch: 'x86',
      banks: [
        { start: 0x10_0000n, size: 0xbff0_0000n },
        { start: 0x1_0000_0000n, size: 60n * GiB },
      ],
    });
    const t = table(plat);
    const dev = createDevice({ name: '0000:01:00.0', bus: 'pci' });
    dev.dmaCoherent = true;
    expect(dmaSetMaskAndCoherent(t, dev, dmaBitMask(64))).toBe(0);
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0x10_0000n, max: 0x10_0000_0000n - 0x10_0000n }),
        fc.bigInt({ min: 1n, max: 0x10_0000n }),
        (phys, size) => {
          const dma = dmaMapSingle(t, dev, phys, size, DMA_BIDIRECTIONAL);
          expect(dma).toBe(phys);
          dmaUnmapSingle(t, dev, dma, size, DMA_BIDIRECTIONAL);
        },
      ),
    );
    expect(plat.stats.bounces).toBe(0);
    expect(plat.stats.cacheMaintenanceForDevice).toBe(0);
    expect(dmaMaxMappingSize(t, dev)).toBe(0xffff_ffff_ffff_ffffn);
  });
});

describe('min_align_mask', () => {
  it('keeps the low address bits through a multi-slot bounce (nvme: 4 KiB - 1)', () => {
    const plat = rpi4();
    const t = table(plat);
    const dev = identityLimited();
    dmaSetMinAlignMask(dev, 0xfffn);
    const phys = 0x5000_0a00n;
    const dma = dmaMapSingle(t, dev, phys, 20000n, DMA_TO_DEVICE);
    expect(dma & 0xfffn).toBe(0xa00n);
    // Bit 11 comes from the slot choice, 0x200 is an offset into it: 0x200 + 20000 → 11 slots.
    expect(plat.swiotlb.totalUsed).toBe(11);
    dmaUnmapSingle(t, dev, dma, 20000n, DMA_TO_DEVICE);
    expect(plat.swiotlb.totalUsed).toBe(0);
    expect(dmaMaxMappingSize(t, dev)).toBe(256n * 1024n - 4096n);
  });
});

describe('coherent allocations', () => {
  function sixteenGiB(cmaBytes = 0n) {
    return createPlatform({
      arch: 'arm64',
      banks: [
        { start: 0n, size: 0x4000_0000n },
        { start: 0x4000_0000n, size: 15n * GiB },
      ],
      firmwareDmaLimit: 0x3fff_ffffn,
      cmaBytes,
    });
  }

  it('the zone follows the device limit: DMA, DMA32, Normal', () => {
    const plat = sixteenGiB();
    const t = table(plat);
    const zoneFor = (bits: number) => {
      const dev = createDevice({ name: `dev${bits}`, bus: 'platform' });
      dev.dmaCoherent = true;
      expect(dmaSetMaskAndCoherent(t, dev, dmaBitMask(bits))).toBe(0);
      const before = { ...plat.stats.allocsPerZone };
      const buf = dmaAllocCoherent(t, dev, 4096n, GFP_KERNEL);
      expect(buf).not.toBeNull();
      const after = plat.stats.allocsPerZone;
      return (['DMA', 'DMA32', 'Normal'] as const).find((z) => after[z] !== before[z]);
    };
    expect(zoneFor(30)).toBe('DMA');
    expect(zoneFor(32)).toBe('DMA32');
    expect(zoneFor(64)).toBe('Normal');
  });

  it('a 33-bit device whose Normal page is out of reach retries in DMA32', () => {
    const plat = sixteenGiB();
    const t = table(plat);
    const dev = createDevice({ name: 'dev33', bus: 'platform' });
    dev.dmaCoherent = true;
    dmaSetMaskAndCoherent(t, dev, dmaBitMask(33));
    const buf = dmaAllocCoherent(t, dev, 8192n, GFP_KERNEL);
    expect(buf).not.toBeNull();
    expect(plat.stats.allocsPerZone).toEqual({ DMA: 0, DMA32: 1, Normal: 0 });
    if (buf) {
      expect(buf.dmaHandle + 8191n <= dmaBitMask(33)).toBe(true);
      dmaFreeCoherent(t, dev, buf);
    }
  });

  it('large allocations come from CMA; non-coherent devices get a remapped buffer', () => {
    const plat = sixteenGiB(64n * MiB);
    const t = table(plat);
    const dev = createDevice({ name: 'gpu', bus: 'platform' });
    dmaSetMaskAndCoherent(t, dev, dmaBitMask(32));
    const big = dmaAllocCoherent(t, dev, 16n * MiB, GFP_KERNEL);
    expect(big).not.toBeNull();
    expect(plat.stats.allocsFromCma).toBe(1);
    expect(plat.stats.remappedAllocs).toBe(1);
    if (big) dmaFreeCoherent(t, dev, big);
    // Beyond MAX_PAGE_ORDER and CMA's size: NULL.
    expect(dmaAllocCoherent(t, dev, 128n * MiB, GFP_KERNEL)).toBeNull();
    expect(plat.stats.allocFailures).toBe(1);
  });
});

describe('dma_set_mask / required mask', () => {
  it('refuses masks below the smallest DMA zone with -EIO', () => {
    const plat = rpi4();
    const t = table(plat);
    const dev = identityLimited();
    expect(dmaSetMask(t, dev, dmaBitMask(29))).toBe(-EIO);
    expect(dmaSetMask(t, dev, dmaBitMask(30))).toBe(0);
    // The last RAM page is outside the device's window: phys_to_dma() is all ones.
    expect(dmaGetRequiredMask(t, dev)).toBe(0xffff_ffff_ffff_ffffn);
    const plain = createDevice({ name: 'pcie', bus: 'platform' });
    expect(dmaGetRequiredMask(t, plain)).toBe(dmaBitMask(33));
  });

  it('QEMU virt (A): all RAM is ZONE_DMA below 3 GiB, so 31 bits is too small', () => {
    const plat = createPlatform({
      arch: 'arm64',
      banks: [{ start: 0x4000_0000n, size: 2n * GiB }],
    });
    const t = table(plat);
    const dev = createDevice({ name: 'virtio0', bus: 'platform' });
    expect(dmaSetMask(t, dev, dmaBitMask(31))).toBe(-EIO);
    expect(dmaSetMask(t, dev, dmaBitMask(32))).toBe(0);
    expect(dmaGetRequiredMask(t, dev)).toBe(dmaBitMask(32));
  });
});
