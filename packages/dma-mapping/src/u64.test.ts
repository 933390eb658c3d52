import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addU64,
  dmaBitMask,
  ilog2,
  maskForEnd,
  minNotZero,
  parseU64,
  subU64,
  U64_MAX,
} from './u64.js';

describe('u64 helpers', () => {
  it('DMA_BIT_MASK covers 0..64 and rejects the undefined rest', () => {
    expect(dmaBitMask(0)).toBe(0n);
    expect(dmaBitMask(32)).toBe(0xffff_ffffn);
    expect(dmaBitMask(64)).toBe(U64_MAX);
    expect(() => dmaBitMask(65)).toThrow(RangeError);
    expect(() => dmaBitMask(-1)).toThrow(RangeError);
  });

  it('ilog2(0) is -1 as on the runtime path', () => {
    expect(ilog2(0n)).toBe(-1);
    expect(ilog2(1n)).toBe(0);
    expect(ilog2(U64_MAX)).toBe(63);
  });

  it('mask(end) table of edge case 44', () => {
    const table: [bigint, bigint][] = [
      [0n, 0n],
      [1n, 1n],
      [0xfffn, 0xfffn],
      [0x1000n, 0x1fffn],
      [0xffff_fffen, 0xffff_ffffn],
      [0x1_0000_0000n, 0x1_ffff_ffffn],
      [U64_MAX, U64_MAX],
    ];
    for (const [end, mask] of table) expect(maskForEnd(end)).toBe(mask);
  });

  it('mask(end) is the smallest all-ones value >= end', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: U64_MAX }), (end) => {
        const mask = maskForEnd(end);
        expect(mask >= end).toBe(true);
        expect((mask & (mask + 1n)) === 0n).toBe(true);
        expect(mask >> 1n < end).toBe(true);
      }),
    );
  });

  it('wrapping add/sub and min_not_zero', () => {
    expect(addU64(U64_MAX, 1n)).toBe(0n);
    expect(subU64(0n, 1n)).toBe(U64_MAX);
    expect(minNotZero(0n, 5n)).toBe(5n);
    expect(minNotZero(7n, 0n)).toBe(7n);
    expect(minNotZero(7n, 5n)).toBe(5n);
  });

  it('parses user numbers', () => {
    expect(parseU64('0x1000')).toBe(0x1000n);
    expect(parseU64('4K')).toBe(4096n);
    expect(parseU64('1G')).toBe(1n << 30n);
    expect(() => parseU64('0x1_0000_0000_0000_0000')).toThrow(RangeError);
    expect(() => parseU64('zz')).toThrow(SyntaxError);
  });
});
