// §8 edge cases 43 and 44: the dma-direct helpers OF relies on (implemented in @dmasim/dma-mapping).
import { dmaRangeMapMax, dmaRangeMapMin, maskForEnd, U64_MAX } from '@dmasim/dma-mapping';
import { describe, expect, it } from 'vitest';

const r = (dmaStart: bigint, size: bigint) => ({ cpuStart: 0n, dmaStart, size });

describe('dma_range_map_min/max (E-43)', () => {
  it.each([
    [[], U64_MAX, 0n],
    [[r(0x1000n, 0x1000n)], 0x1000n, 0x1fffn],
    [[r(0n, 1n)], 0n, 0n],
    [[r(0xffffffffffff0000n, 0x10000n)], 0xffffffffffff0000n, U64_MAX],
    [[r(0n, 0x10n), r(0n, 0n), r(0x5000n, 0x10n)], 0n, 0xfn],
  ])('%#', (map, min, max) => {
    expect([dmaRangeMapMin(map), dmaRangeMapMax(map)]).toEqual([min, max]);
  });
});

describe('mask(end) (E-44)', () => {
  it.each([
    [0n, 0n],
    [1n, 1n],
    [0xfffn, 0xfffn],
    [0x1000n, 0x1fffn],
    [0xfffffffen, 0xffffffffn],
    [0x100000000n, 0x1ffffffffn],
    [U64_MAX, U64_MAX],
  ])('%s', (end, mask) => expect(maskForEnd(end)).toBe(mask));
});
