import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocIova,
  findIova,
  freeIova,
  IovaDomainError,
  initIovaDomain,
  iovaRanges,
  reserveIova,
} from './iova-allocator.js';

const PFN_4G = 0x100000; // dma_32bit_pfn with 4 KiB granules

describe('alloc_iova top-down first fit', () => {
  it('starts below the limit and walks down from the cached node', () => {
    const d = initIovaDomain(4096, 1);
    expect(allocIova(d, 1, PFN_4G - 1, true)!.pfnLo).toBe(0xfffff);
    expect(allocIova(d, 1, PFN_4G - 1, true)!.pfnLo).toBe(0xffffe);
    // Two pages, size-aligned: the next aligned slot below 0xffffe is 0xffffc.
    expect(allocIova(d, 2, PFN_4G - 1, true)!.pfnLo).toBe(0xffffc);
    // Three pages aligned to four: below 0xffffc the first multiple of 4 fitting is 0xffff8.
    const three = allocIova(d, 3, PFN_4G - 1, true)!;
    expect([three.pfnLo, three.pfnHi]).toEqual([0xffff8, 0xffffa]);
    // Unaligned: three pages right under the previous range.
    const unaligned = allocIova(d, 3, PFN_4G - 1, false)!;
    expect([unaligned.pfnLo, unaligned.pfnHi]).toEqual([0xffff5, 0xffff7]);
  });

  it('a free above the cached32 node moves it to the freed range successor', () => {
    const d = initIovaDomain(4096, 1);
    allocIova(d, 1, PFN_4G - 1, true); // 0xfffff
    allocIova(d, 2, PFN_4G - 1, true); // 0xffffc-0xffffd
    allocIova(d, 1, PFN_4G - 1, true); // 0xffffb
    expect(freeIova(d, 0xffffd)).toBe(true);
    // cached32 is now the range above the freed one (0xfffff): the hole is found from there.
    expect(allocIova(d, 1, PFN_4G - 1, true)!.pfnLo).toBe(0xffffe);
    expect(allocIova(d, 1, PFN_4G - 1, true)!.pfnLo).toBe(0xffffd);
  });

  it('64-bit limits use cached_node, 32-bit ones cached32_node', () => {
    const d = initIovaDomain(4096, 1);
    const top = 2 ** 36 - 1; // 48-bit address space
    expect(allocIova(d, 1, top, true)!.pfnLo).toBe(top);
    expect(allocIova(d, 1, PFN_4G - 1, true)!.pfnLo).toBe(0xfffff);
    expect(allocIova(d, 1, top, true)!.pfnLo).toBe(top - 1);
    expect(d.cachedNode.pfnLo).toBe(top - 1);
    expect(d.cached32Node.pfnLo).toBe(0xfffff);
  });

  it('retries from the limit when the space below the cached node is exhausted', () => {
    const d = initIovaDomain(4096, 1);
    const limit = 15;
    const got: number[] = [];
    for (let i = 0; i < 15; i++) got.push(allocIova(d, 1, limit, true)!.pfnLo);
    expect(got).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(allocIova(d, 1, limit, true)).toBeNull();
    // Free one high up: the cached node sits low, the retry pass finds the hole above it.
    freeIova(d, 12);
    expect(allocIova(d, 1, limit, true)!.pfnLo).toBe(12);
  });

  it('max32_alloc_size fails fast after a 32-bit failure until something below 4 GiB is freed', () => {
    const d = initIovaDomain(4096, 1);
    reserveIova(d, 1, PFN_4G - 9); // leave 8 pages below 4 GiB
    expect(allocIova(d, 16, PFN_4G - 1, true)).toBeNull();
    expect(d.max32AllocSize).toBe(16);
    const before = d.stats.searchSteps;
    expect(allocIova(d, 32, PFN_4G - 1, true)).toBeNull();
    expect(d.stats.searchSteps).toBe(before); // no walk at all
    expect(allocIova(d, 8, PFN_4G - 1, true)!.pfnLo).toBe(PFN_4G - 8);
    freeIova(d, PFN_4G - 8);
    expect(d.max32AllocSize).toBe(PFN_4G);
  });

  it('never allocates below start_pfn', () => {
    const d = initIovaDomain(4096, 0x10);
    for (let i = 0x1f; i >= 0x10; i--) expect(allocIova(d, 1, 0x1f, true)!.pfnLo).toBe(i);
    expect(allocIova(d, 1, 0x1f, true)).toBeNull();
  });

  it('rejects nonsense arguments with a typed error', () => {
    expect(() => initIovaDomain(3000, 1)).toThrow(IovaDomainError);
    expect(() => initIovaDomain(65536, 1, 4096)).toThrow(/PAGE_SIZE/);
    const d = initIovaDomain(4096, 1);
    expect(() => allocIova(d, 0, 100, true)).toThrow(IovaDomainError);
    expect(() => allocIova(d, 1, 2 ** 52, true)).toThrow(/limitPfn/);
  });
});

describe('reserve_iova', () => {
  it('merges overlapping reservations into the existing ranges', () => {
    const d = initIovaDomain(4096, 1);
    reserveIova(d, 100, 200);
    reserveIova(d, 300, 400);
    // Overlaps both and the gap between: the first range grows down to 50, and the rest of the
    // request (201..350) overlaps the second range, which grows down over the gap.
    reserveIova(d, 50, 350);
    expect(iovaRanges(d)).toEqual([
      [50, 200],
      [201, 400],
    ]);
    // Above every range: a new one.
    reserveIova(d, 390, 500);
    expect(iovaRanges(d)).toEqual([
      [50, 200],
      [201, 400],
      [401, 500],
    ]);
    // Fully inside an existing range: nothing new.
    expect(reserveIova(d, 120, 130)).toBe(findIova(d, 125));
    expect(iovaRanges(d)).toHaveLength(3);
    // Beyond the address space: refused (the kernel WARNs).
    expect(reserveIova(d, 0, 2 ** 52)).toBeNull();
  });
});

type Op =
  | { kind: 'alloc'; size: number; limit: number; aligned: boolean }
  | { kind: 'free'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('alloc' as const),
    size: fc.integer({ min: 1, max: 40 }),
    limit: fc.constantFrom(0x3ff, 0xfff, PFN_4G - 1, 2 ** 36 - 1),
    aligned: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
);

describe('properties over random alloc/free sequences', () => {
  it('no overlap, alignment, limits, and freeing everything leaves the reserved set', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const d = initIovaDomain(4096, 1);
        reserveIova(d, 0x200, 0x2ff);
        reserveIova(d, 0x10000, 0x3efef);
        const reserved = iovaRanges(d);
        const live: Array<[number, number]> = [];
        for (const op of ops) {
          if (op.kind === 'alloc') {
            const n = allocIova(d, op.size, op.limit, op.aligned);
            if (!n) continue;
            expect(n.pfnHi - n.pfnLo + 1).toBe(op.size);
            expect(n.pfnHi).toBeLessThanOrEqual(op.limit);
            expect(n.pfnLo).toBeGreaterThanOrEqual(1);
            if (op.aligned) {
              const align = 2 ** Math.ceil(Math.log2(op.size));
              expect(n.pfnLo % align).toBe(0);
            }
            live.push([n.pfnLo, n.pfnHi]);
          } else if (live.length) {
            const [lo] = live.splice(op.pick % live.length, 1)[0]!;
            expect(freeIova(d, lo)).toBe(true);
          }
          const ranges = iovaRanges(d);
          for (let i = 1; i < ranges.length; i++) {
            expect(ranges[i]![0]).toBeGreaterThan(ranges[i - 1]![1]);
          }
        }
        for (const [lo] of live) freeIova(d, lo);
        expect(iovaRanges(d)).toEqual(reserved);
      }),
      { numRuns: 150 },
    );
  });

  it('an allocation fails only when no suitably aligned gap exists below the limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        (sizes, probe) => {
          const limit = 0xff;
          const d = initIovaDomain(4096, 1);
          for (const s of sizes) allocIova(d, s, limit, true);
          const align = 2 ** Math.ceil(Math.log2(probe));
          const taken = iovaRanges(d);
          let exists = false;
          for (let lo = align; lo + probe - 1 <= limit && !exists; lo += align) {
            exists = taken.every(([a, b]) => b < lo || a > lo + probe - 1);
          }
          // Without frees, first fit below the cached node plus the retry above it covers the
          // whole space: it fails exactly when no aligned gap is left.
          expect(allocIova(d, probe, limit, true) !== null).toBe(exists);
        },
      ),
      { numRuns: 200 },
    );
  });
});
