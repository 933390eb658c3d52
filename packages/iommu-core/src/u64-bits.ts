// __ffs() / __fls() on u64 bigints without walking bit by bit: page-size selection runs on every
// iommu_map() and iommu_unmap(), so these must cost a few operations, not one per bit.
import { U32_MAX, U64_MAX } from '@dmasim/dma-mapping';

/** __fls(): index of the most significant set bit; -1 for 0. */
export function fls64(x: bigint): number {
  if (x <= 0n) return -1;
  if (x <= U32_MAX) return 31 - Math.clz32(Number(x));
  if (x <= U64_MAX) return 63 - Math.clz32(Number(x >> 32n));
  return x.toString(2).length - 1;
}

/** __ffs(): index of the least significant set bit; -1 for 0. */
export function ffs64(x: bigint): number {
  // x & -x isolates the lowest set bit (two's complement on an unbounded integer).
  return fls64(x & -x);
}

/** GENMASK_ULL(high, 0): bits 0..high set; 0 for high < 0. */
export function genmask(high: number): bigint {
  return (1n << BigInt(high + 1)) - 1n;
}
