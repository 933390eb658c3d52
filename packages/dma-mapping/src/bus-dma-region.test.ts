import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BusDmaRegion,
  DMA_MAPPING_ERROR,
  dmaRangeMapMax,
  dmaRangeMapMin,
  PHYS_ADDR_ERROR,
  translateDmaToPhys,
  translatePhysToDma,
} from './bus-dma-region.js';
import { U64_MAX } from './u64.js';

const r = (dmaStart: bigint, size: bigint, cpuStart = 0n): BusDmaRegion => ({
  cpuStart,
  dmaStart,
  size,
});

describe('dma_range_map_min/max (edge case 43)', () => {
  it.each([
    [[], U64_MAX, 0n],
    [[r(0x1000n, 0x1000n)], 0x1000n, 0x1fffn],
    [[r(0n, 1n)], 0n, 0n],
    [[r(0xffff_ffff_ffff_0000n, 0x10000n)], 0xffff_ffff_ffff_0000n, U64_MAX],
    [[r(0n, 0x10n), r(0n, 0n), r(0x5000n, 0x10n)], 0n, 0xfn],
  ] as [BusDmaRegion[], bigint, bigint][])('%#', (map, min, max) => {
    expect(dmaRangeMapMin(map)).toBe(min);
    expect(dmaRangeMapMax(map)).toBe(max);
  });
});

describe('phys <-> dma translation', () => {
  // Raspberry Pi 4 style: bus 0xc0000000 sees CPU 0x0 for 1 GiB.
  const rpi = [r(0xc000_0000n, 0x4000_0000n, 0n)];

  it('translates inside the window and fails outside', () => {
    expect(translatePhysToDma(rpi, 0x1000n)).toBe(0xc000_1000n);
    expect(translateDmaToPhys(rpi, 0xc000_1000n)).toBe(0x1000n);
    expect(translatePhysToDma(rpi, 0x4000_0000n)).toBe(DMA_MAPPING_ERROR);
    expect(translateDmaToPhys(rpi, 0x1000n)).toBe(PHYS_ADDR_ERROR);
  });

  it('an empty-first map translates nothing (edge case 8)', () => {
    const map = [r(0n, 0n), r(0x1000n, 0x1000n, 0x1000n)];
    expect(translatePhysToDma(map, 0x1000n)).toBe(DMA_MAPPING_ERROR);
  });

  it('round-trips every address inside a single region', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 1n << 48n }),
        fc.bigInt({ min: 0n, max: 1n << 48n }),
        fc.bigInt({ min: 1n, max: 1n << 40n }),
        fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }),
        (cpu, dma, size, off) => {
          const o = off % size;
          const map = [r(dma, size, cpu)];
          expect(translatePhysToDma(map, cpu + o)).toBe(dma + o);
          expect(translateDmaToPhys(map, dma + o)).toBe(cpu + o);
        },
      ),
    );
  });
});
