import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DmasimError } from './dmasim-error.js';
import {
  addU64,
  dmaBitMask,
  ilog2,
  maskForEnd,
  minNotZero,
  parseU64,
  subU64,
  U64_MAX,
  U64ParseError,
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
    expect(ilog2(0xffff_ffffn)).toBe(31);
    expect(ilog2(0x1_0000_0000n)).toBe(32);
  });

  it('ilog2 is the index of the highest set bit', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: U64_MAX }), (x) => {
        expect(ilog2(x)).toBe(x.toString(2).length - 1);
      }),
    );
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
    expect(parseU64(' 0x8000_0000 ')).toBe(0x8000_0000n);
    expect(parseU64('0xffff_ffff_ffff_ffff')).toBe(U64_MAX);
  });

  it('a number it cannot read is a U64ParseError (a DmasimError with a code), never a built-in', () => {
    const thrown = (text: string) => {
      try {
        parseU64(text);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    for (const text of [
      'zz',
      '',
      '0x',
      '0x_',
      '_',
      '1.5',
      '-1',
      '4KB',
      '0x1_0000_0000_0000_0000',
      '16T0',
    ]) {
      const e = thrown(text);
      expect(e, text).toBeInstanceOf(U64ParseError);
      expect(e, text).toBeInstanceOf(DmasimError);
      expect(e, text).toMatchObject({ code: 'DMASIM_U64_PARSE', text });
    }
    expect(thrown('0x1_0000_0000_0000_0000')).toMatchObject({
      message: 'value does not fit in 64 bits: "0x1_0000_0000_0000_0000"',
    });
    expect(thrown('0x_')).toMatchObject({ message: 'not a number: "0x_"' });
    expect(thrown('16777216T')).toMatchObject({
      message: 'value does not fit in 64 bits: "16777216T"',
    });
  });

  it('any text is a u64 or a U64ParseError', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'0123456789abcdefxX_kKmMgGtT .-') }),
        (text) => {
          try {
            const v = parseU64(text);
            expect(v >= 0n && v <= U64_MAX).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(U64ParseError);
          }
        },
      ),
    );
  });
});
