import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ffs64, fls64, genmask } from './u64-bits.js';

const U64_MAX = (1n << 64n) - 1n;
const u64 = fc.bigInt({ min: 0n, max: U64_MAX });

/** The bit-by-bit definitions the one-step versions must agree with. */
function naiveFfs(x: bigint): number {
  if (x === 0n) return -1;
  let n = 0;
  while (((x >> BigInt(n)) & 1n) === 0n) n++;
  return n;
}
function naiveFls(x: bigint): number {
  return x === 0n ? -1 : x.toString(2).length - 1;
}

describe('__ffs / __fls', () => {
  it('edge values', () => {
    expect([ffs64(0n), fls64(0n)]).toEqual([-1, -1]);
    expect([ffs64(1n), fls64(1n)]).toEqual([0, 0]);
    expect([ffs64(1n << 63n), fls64(1n << 63n)]).toEqual([63, 63]);
    expect([ffs64(U64_MAX), fls64(U64_MAX)]).toEqual([0, 63]);
    expect([ffs64(0x1000n | 0x20_0000n), fls64(0x1000n | 0x20_0000n)]).toEqual([12, 21]);
    expect([ffs64(0xffff_ffffn), fls64(0x1_0000_0000n)]).toEqual([0, 32]);
    expect(genmask(-1)).toBe(0n);
    expect(genmask(11)).toBe(0xfffn);
  });
  it('agree with the bit-by-bit definitions on any u64', () => {
    fc.assert(
      fc.property(u64, (x) => {
        expect(ffs64(x)).toBe(naiveFfs(x));
        expect(fls64(x)).toBe(naiveFls(x));
      }),
      { numRuns: 2000 },
    );
  });
});
