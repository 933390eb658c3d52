import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findIova, initIovaDomain, iovaRanges, reserveIova } from './iova-allocator.js';
import {
  allocIovaFast,
  cachedPfns,
  depotSizes,
  fastAllocLength,
  freeIovaFast,
  IOVA_MAG_SIZE,
  initIovaRcaches,
  orderBase2,
  runDepotWork,
} from './iova-rcache.js';

describe('sizes', () => {
  it('rounds cacheable sizes up to a power of two, leaves 32 and above alone', () => {
    expect([1, 2, 3, 5, 17, 31, 32, 33, 100].map(fastAllocLength)).toEqual([
      1, 2, 4, 8, 32, 32, 32, 33, 100,
    ]);
    expect([0, 1, 2, 3, 4, 5, 32, 33].map(orderBase2)).toEqual([0, 0, 1, 2, 2, 3, 5, 6]);
  });
});

describe('alloc_iova_fast / free_iova_fast', () => {
  it('a freed range is reused by the same CPU before the tree is touched', () => {
    const d = initIovaDomain(4096, 1);
    const rc = initIovaRcaches(d, 2);
    const a = allocIovaFast(rc, 3, 0xfffff, true);
    expect(a).toBe(0xffffc); // 3 → 4 pages, aligned to 4
    freeIovaFast(rc, a, 3, 0);
    expect(findIova(d, a)).not.toBeNull(); // cached ranges stay in the tree
    const treeAllocs = d.stats.treeAllocs;
    expect(allocIovaFast(rc, 4, 0xfffff, true, 0)).toBe(a);
    expect(d.stats.treeAllocs).toBe(treeAllocs);
    expect(rc.stats.rcacheHits).toBe(1);
    // Another CPU does not see CPU 0's magazine.
    freeIovaFast(rc, a, 4, 0);
    expect(allocIovaFast(rc, 4, 0xfffff, true, 1)).toBe(0xffff8);
  });

  it('a cached range above the limit is not handed out', () => {
    const d = initIovaDomain(4096, 1);
    const rc = initIovaRcaches(d, 1);
    const high = allocIovaFast(rc, 1, 0xfffff, true);
    freeIovaFast(rc, high, 1);
    expect(allocIovaFast(rc, 1, 0xfff, true)).toBe(0xfff);
    expect(cachedPfns(rc)).toEqual([{ pfn: high, order: 0 }]);
  });

  it('full magazines go to the depot, which is trimmed 100 ms later down to one per CPU', () => {
    const d = initIovaDomain(4096, 1);
    const rc = initIovaRcaches(d, 1);
    const n = IOVA_MAG_SIZE * 4;
    const pfns: number[] = [];
    for (let i = 0; i < n; i++) pfns.push(allocIovaFast(rc, 1, 0xfffff, true));
    for (const p of pfns) freeIovaFast(rc, p, 1);
    // loaded + prev hold 254; two full magazines went to the depot.
    expect(depotSizes(rc)[0]).toBe(2);
    expect(rc.caches[0]!.depotWorkDueMs).toBe(100);
    runDepotWork(rc, 99);
    expect(depotSizes(rc)[0]).toBe(2);
    runDepotWork(rc, 100);
    expect(depotSizes(rc)[0]).toBe(1);
    expect(iovaRanges(d)).toHaveLength(n - IOVA_MAG_SIZE);
    runDepotWork(rc, 1000);
    expect(depotSizes(rc)[0]).toBe(1);
    expect(rc.caches[0]!.depotWorkDueMs).toBeNull();
  });

  it('on exhaustion flushes every cache back to the tree and retries once', () => {
    const d = initIovaDomain(4096, 1);
    const rc = initIovaRcaches(d, 2);
    const limit = 0x3f; // 63 usable pfns (start_pfn 1)
    const ones: number[] = [];
    for (let i = 0; i < 63; i++) ones.push(allocIovaFast(rc, 1, limit, true, 0));
    expect(ones.every((p) => p > 0)).toBe(true);
    for (const p of ones) freeIovaFast(rc, p, 1, 1); // all cached on CPU 1
    // A two-page request on CPU 0 finds nothing in its caches nor in the tree...
    expect(allocIovaFast(rc, 2, limit, false, 0)).toBe(0);
    // ...unless the caches are flushed first.
    expect(allocIovaFast(rc, 2, limit, true, 0)).toBe(0x3e);
    expect(rc.stats.rcacheFlushes).toBe(1);
    expect(cachedPfns(rc)).toEqual([]);
  });
});

type Op =
  | { kind: 'alloc'; size: number; cpu: number; limit: number }
  | { kind: 'free'; pick: number; cpu: number }
  | { kind: 'tick'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('alloc' as const),
      size: fc.integer({ min: 1, max: 70 }),
      cpu: fc.integer({ min: 0, max: 1 }),
      limit: fc.constantFrom(0x7ff, 0xfffff),
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('free' as const),
      pick: fc.nat(),
      cpu: fc.integer({ min: 0, max: 1 }),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      ms: fc.integer({ min: 1, max: 300 }),
    }),
    weight: 1,
  },
);

describe('properties', () => {
  it('cache contents stay valid, allocations never overlap, nothing leaks', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 400 }), (ops) => {
        const d = initIovaDomain(4096, 1);
        reserveIova(d, 0x400, 0x4ff);
        const reserved = iovaRanges(d);
        const rc = initIovaRcaches(d, 2);
        const live = new Map<number, number>(); // pfn → requested size
        let now = 0;
        for (const op of ops) {
          if (op.kind === 'alloc') {
            const pfn = allocIovaFast(rc, op.size, op.limit, true, op.cpu);
            if (!pfn) continue;
            const len = fastAllocLength(op.size);
            expect(pfn + len - 1).toBeLessThanOrEqual(op.limit);
            for (const [p, s] of live) {
              const l = fastAllocLength(s);
              expect(pfn + len - 1 < p || pfn > p + l - 1).toBe(true);
            }
            expect(pfn + len - 1 < 0x400 || pfn > 0x4ff).toBe(true);
            live.set(pfn, op.size);
          } else if (op.kind === 'free') {
            const keys = [...live.keys()];
            if (!keys.length) continue;
            const pfn = keys[op.pick % keys.length]!;
            freeIovaFast(rc, pfn, live.get(pfn)!, op.cpu);
            live.delete(pfn);
          } else {
            now += op.ms;
            rc.clock.nowMs = now;
            runDepotWork(rc, now);
          }
          // Every cached pfn is a tree range of its cache's order, not in use by anyone.
          for (const { pfn, order } of cachedPfns(rc)) {
            const node = findIova(d, pfn);
            expect(node?.pfnLo).toBe(pfn);
            expect(orderBase2(node!.pfnHi - node!.pfnLo + 1)).toBe(order);
            expect(live.has(pfn)).toBe(false);
          }
        }
        for (const [pfn, size] of live) freeIovaFast(rc, pfn, size, 0);
        // Flushing the caches must give the tree back its reserved set exactly.
        allocIovaFast(rc, 2 ** 20, 0x7ff, true); // cannot fit: forces the flush-and-retry
        expect(iovaRanges(d)).toEqual(reserved);
      }),
      { numRuns: 120 },
    );
  });
});
