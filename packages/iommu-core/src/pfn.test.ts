import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pfnToU64, u64ToPfn } from './pfn.js';

const U64_MAX = (1n << 64n) - 1n;
const u64 = fc.bigInt({ min: 0n, max: U64_MAX });

describe('u64 <-> pfn', () => {
  it('agree with the bigint shifts for any u64 and page shifts 11..32', () => {
    fc.assert(
      fc.property(u64, fc.integer({ min: 11, max: 32 }), (addr, shift) => {
        const pfn = u64ToPfn(addr, shift);
        expect(pfn).toBe(Number(addr >> BigInt(shift)));
        expect(Number.isSafeInteger(pfn)).toBe(true);
        expect(pfnToU64(pfn, shift)).toBe((addr >> BigInt(shift)) << BigInt(shift));
      }),
      { numRuns: 3000 },
    );
  });
  it('the largest pfns and addresses round-trip', () => {
    expect(u64ToPfn(U64_MAX, 12)).toBe(2 ** 52 - 1);
    expect(pfnToU64(2 ** 52 - 1, 12)).toBe(U64_MAX - 0xfffn);
    expect(u64ToPfn(U64_MAX, 32)).toBe(2 ** 32 - 1);
    expect(pfnToU64(0x1_2345, 32)).toBe(0x1_2345_0000_0000n);
  });
  it('outside the fast range they fall back to the bigint arithmetic', () => {
    // Negative, beyond 64 bits, or a page shift below 11: what Number(x >> shift) gives.
    expect(u64ToPfn(-0x1000n, 12)).toBe(-1);
    expect(u64ToPfn(1n << 64n, 12)).toBe(2 ** 52);
    expect(u64ToPfn(0x1234_5678n, 4)).toBe(0x123_4567);
    expect(pfnToU64(2 ** 52, 12)).toBe(1n << 64n);
    expect(pfnToU64(-1, 12)).toBe(-0x1000n);
    expect(pfnToU64(0x10, 40)).toBe(0x10n << 40n);
    // A non-integer pfn is a RangeError, as BigInt() makes it.
    expect(() => pfnToU64(1.5, 12)).toThrow(RangeError);
  });
});
