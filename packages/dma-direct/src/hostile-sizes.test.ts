// Sizes from firmware or the command line that drive an allocation (issue 13): checked against
// what the kernel accepts, or the model's documented limit, before anything is allocated.
import { describe, expect, it } from 'vitest';
import { createPlatform } from './platform.js';
import { createRestrictedPool, parseSwiotlbParam } from './swiotlb.js';
import { createSwiotlbPool, MAX_MODELLED_SLABS, SwiotlbSizeError } from './swiotlb-pool.js';

const GiB = 1n << 30n;
const TiB = 1n << 40n;

describe('restricted pools', () => {
  const region = (size: bigint) => ({ path: '/reserved-memory/p', name: 'p', base: GiB, size });

  it('a 1 TiB pool is refused as rmem_swiotlb_device_init() refuses it, with nothing allocated', () => {
    const log: string[] = [];
    expect(createRestrictedPool(region(TiB), log)).toBeNull();
    expect(log).toEqual([
      'software IO TLB: Reserved memory: created restricted DMA pool at 0x0000000040000000, size 1048576 MiB',
    ]);
  });

  it('the largest pool whose slot array kcalloc() can hold is set up', () => {
    // 4 MiB / 24 bytes = 174,762 slots of 2 KiB.
    expect(createRestrictedPool(region(174_762n * 2048n), [])?.pool?.nslabs).toBe(174_762);
    expect(createRestrictedPool(region(174_763n * 2048n), [])).toBeNull();
  });

  it('a platform with a 1 TiB pool boots without the pool', () => {
    const plat = createPlatform({
      arch: 'arm64',
      banks: [{ start: 0n, size: 2n * TiB }],
      firmwareDmaLimit: 0xffff_ffffn,
      restrictedPools: [region(TiB)],
    });
    expect(plat.restrictedPools.size).toBe(0);
  });
});

describe('the default pool', () => {
  it('a pool past the model limit is a typed error before any array is allocated', () => {
    expect(() => createSwiotlbPool(0n, 4.5e15, 1)).toThrow(SwiotlbSizeError);
    expect(() => createSwiotlbPool(0n, MAX_MODELLED_SLABS + 1, 1)).toThrow(
      /8388609 slots \(16384 MiB\) is more than the 8388608 slots/,
    );
    expect(() => createSwiotlbPool(0n, 1024, 2 ** 40)).toThrow(SwiotlbSizeError);
  });

  it('swiotlb=<huge> on a small machine halves down to what memblock can place', () => {
    const plat = createPlatform({
      arch: 'arm64',
      banks: [{ start: 0n, size: 4n * GiB }],
      firmwareDmaLimit: 0xffff_ffffn,
      swiotlb: parseSwiotlbParam('0x10000000000000,force'),
      cpus: 4,
    });
    const pool = plat.swiotlb.pool!;
    // 2^52 slabs halve (as an unsigned long, not a 32-bit int) until memblock places them.
    expect(pool.nslabs).toBe(1_048_576);
    expect(pool.nareas).toBe(4);
    expect(plat.bootLog.some((l) => l.includes('SWIOTLB bounce buffer size adjusted'))).toBe(true);
  });
});
