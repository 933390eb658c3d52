import {
  type BusDmaRegion,
  createDevice,
  DMA_BIDIRECTIONAL,
  DMA_MAPPING_ERROR,
  dmaSetMinAlignMask,
  translateDmaToPhys,
  translatePhysToDma,
} from '@dmasim/dma-mapping';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dmaCapable, dmaDirectMapPage, dmaDirectUnmapPage, dmaToPhys } from './direct.js';
import { createPlatform } from './platform.js';
import { dmaToPhysIndexed, physToDmaIndexed } from './range-index.js';
import { parseSwiotlbParam } from './swiotlb.js';
import {
  IO_TLB_SEGSIZE,
  IO_TLB_SIZE,
  initialSlotList,
  poolSlots,
  poolState,
} from './swiotlb-pool.js';

const GiB = 1n << 30n;

function smallPoolPlatform(slabs: number, cpus: number) {
  return createPlatform({
    arch: 'arm64',
    banks: [
      { start: 0n, size: 0x4000_0000n },
      { start: 0x4000_0000n, size: 3n * GiB },
    ],
    firmwareDmaLimit: 0x3fff_ffffn,
    swiotlb: parseSwiotlbParam(String(slabs)),
    cpus,
  });
}

type Op =
  | { kind: 'map'; phys: bigint; size: bigint; cpu: number }
  | { kind: 'unmap'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('map' as const),
    phys: fc.bigInt({ min: 0x4000_0000n, max: 0xffff_0000n }),
    size: fc.bigInt({ min: 1n, max: 80_000n }),
    cpu: fc.nat(7),
  }),
  fc.record({ kind: fc.constant('unmap' as const), pick: fc.nat() }),
);

describe('swiotlb allocator properties', () => {
  it("a new pool's free-run counts are swiotlb_init_io_tlb_pool()'s, slot by slot", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 * IO_TLB_SEGSIZE + 17 }), (nslabs) => {
        const expected = Array.from({ length: nslabs }, (_, i) =>
          Math.min(IO_TLB_SEGSIZE - (i % IO_TLB_SEGSIZE), nslabs - i),
        );
        expect(Array.from(initialSlotList(nslabs))).toEqual(expected);
      }),
    );
    // The default 64 MiB pool: 256 whole segments.
    const list = initialSlotList(32768);
    expect([list[0], list[127], list[128], list[32767], list[32640]]).toEqual([
      128, 1, 128, 1, 128,
    ]);
  });

  it('map/unmap in any interleaving leaves the pool exactly as it started', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 80 }),
        fc.constantFrom(0n, 0x7ffn, 0xfffn, 0x3fffn),
        fc.constantFrom(1, 2, 4),
        (ops, minAlign, cpus) => {
          const plat = smallPoolPlatform(512, cpus);
          const pool = plat.swiotlb.pool;
          if (!pool) throw new Error('no pool');
          const initial = poolState(pool);
          const dev = createDevice({ name: 'dev', bus: 'platform' });
          dev.busDmaLimit = 0x3fff_ffffn;
          if (minAlign) dmaSetMinAlignMask(dev, minAlign);
          const live: Array<{ dma: bigint; size: bigint; phys: bigint }> = [];
          for (const op of ops) {
            if (op.kind === 'map') {
              plat.cpu = op.cpu;
              const dma = dmaDirectMapPage(plat, dev, op.phys, op.size, DMA_BIDIRECTIONAL, 0);
              if (dma === DMA_MAPPING_ERROR) continue;
              expect(dmaCapable(dev, dma, op.size)).toBe(true);
              const tlb = dmaToPhys(dev, dma);
              expect(tlb >= pool.start && tlb + op.size <= pool.end).toBe(true);
              // The slot remembers the original buffer; min_align_mask bits survive.
              const slot = Number(tlb - pool.start) >> 11;
              const within = (tlb - pool.start) % BigInt(IO_TLB_SIZE);
              expect(
                (poolSlots(pool).origAddr[slot] as bigint) + within - (op.phys & minAlign & 0x7ffn),
              ).toBe(op.phys);
              expect(tlb & minAlign).toBe(op.phys & minAlign);
              live.push({ dma, size: op.size, phys: op.phys });
            } else if (live.length > 0) {
              const [m] = live.splice(op.pick % live.length, 1);
              if (m) dmaDirectUnmapPage(plat, dev, m.dma, m.size, DMA_BIDIRECTIONAL, 0);
            }
            expect(plat.swiotlb.totalUsed).toBe(
              Array.from(poolSlots(pool).areaUsed).reduce((a, b) => a + b, 0),
            );
          }
          for (const m of live) dmaDirectUnmapPage(plat, dev, m.dma, m.size, DMA_BIDIRECTIONAL, 0);
          const after = poolState(pool);
          expect(after.list).toEqual(initial.list);
          expect(after.areaUsed).toEqual(initial.areaUsed);
          expect(plat.swiotlb.totalUsed).toBe(0);
          expect(plat.stats.swiotlbUsedSlots).toBe(0);
          expect(
            Array.from(poolSlots(pool).origAddr).every((a) => a === 0xffff_ffff_ffff_ffffn),
          ).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a mapping never crosses a 128-slot segment', () => {
    const plat = smallPoolPlatform(1024, 1);
    const dev = createDevice({ name: 'dev', bus: 'platform' });
    dev.busDmaLimit = 0x3fff_ffffn;
    const pool = plat.swiotlb.pool;
    if (!pool) throw new Error('no pool');
    // 100 slots, then 100 more: the second cannot use the 28 left in segment 0.
    const a = dmaDirectMapPage(plat, dev, 0x8000_0000n, 100n * 2048n, DMA_BIDIRECTIONAL, 0);
    const b = dmaDirectMapPage(plat, dev, 0x9000_0000n, 100n * 2048n, DMA_BIDIRECTIONAL, 0);
    expect(Number(a - pool.start) / 2048).toBe(0);
    expect(Number(b - pool.start) / 2048).toBe(128);
    // 256 KiB + 1 byte needs 129 slots: never fits.
    expect(dmaDirectMapPage(plat, dev, 0xa000_0000n, 256n * 1024n + 1n, DMA_BIDIRECTIONAL, 0)).toBe(
      DMA_MAPPING_ERROR,
    );
  });
});

const regionArb: fc.Arbitrary<BusDmaRegion> = fc.record({
  cpuStart: fc.bigInt({ min: 0n, max: 0xffff_ffffn }).map((x) => x << 12n),
  dmaStart: fc.oneof(
    fc.bigInt({ min: 0n, max: 0xffff_ffffn }).map((x) => x << 12n),
    fc.constant(0xffff_ffff_ffff_f000n),
  ),
  size: fc.bigInt({ min: 1n, max: 0x10_0000n }).map((x) => x << 12n),
});

describe('range-map index', () => {
  it('answers exactly as the first-match walk, overlaps included', () => {
    fc.assert(
      fc.property(
        fc.array(regionArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.bigInt({ min: 0n, max: 0xffff_ffff_ffffn }), { minLength: 1, maxLength: 40 }),
        (map, extra) => {
          const probes = [...extra];
          for (const r of map)
            probes.push(r.cpuStart, r.cpuStart + r.size - 1n, r.cpuStart + r.size, r.dmaStart);
          for (const p of probes) {
            expect(physToDmaIndexed(map, p)).toBe(translatePhysToDma(map, p));
            expect(dmaToPhysIndexed(map, p)).toBe(translateDmaToPhys(map, p));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stops at a size-0 terminator like the kernel', () => {
    const map: BusDmaRegion[] = [
      { cpuStart: 0n, dmaStart: 0x1000n, size: 0x1000n },
      { cpuStart: 0n, dmaStart: 0n, size: 0n },
      ...Array.from({ length: 20 }, (_, i) => ({
        cpuStart: 0x10_0000n * BigInt(i + 1),
        dmaStart: 0n,
        size: 0x1000n,
      })),
    ];
    expect(physToDmaIndexed(map, 0x10_0000n)).toBe(DMA_MAPPING_ERROR);
    expect(physToDmaIndexed(map, 0x800n)).toBe(0x1800n);
  });
});
