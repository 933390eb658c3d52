import { EINVAL, ENODEV, ERANGE } from '@dmasim/dma-mapping';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDomain, type IommuDomain, iommuIotlbSync } from './domain.js';
import { EEXIST } from './errno-extra.js';
import { intelVtdInstance } from './intel-vtd.js';
import type { IommuInstance } from './iommu-instance.js';
import {
  iommuIovaToPhys,
  iommuMap,
  iommuMappedBytes,
  iommuPgsize,
  iommuTablePages,
  iommuUnmap,
  iommuUnmapFast,
} from './iommu-map.js';
import { iotlbGatherIsEmpty, newIotlbGather } from './iotlb-gather.js';
import { IOMMU_READ, IOMMU_WRITE } from './resv-region.js';
import { smmuV3Instance } from './smmu-v3.js';
import { virtioIommuInstance } from './virtio-iommu.js';

const K4 = 0x1000n;
const M2 = 0x20_0000n;
const G1 = 0x4000_0000n;
const RW = IOMMU_READ | IOMMU_WRITE;

function domainFor(inst: IommuInstance, type: IommuDomain['type'] = 'DMA'): IommuDomain {
  return createDomain({
    type,
    iommu: inst.id,
    pgsizeBitmap: inst.pgsizeBitmap,
    geometry: inst.geometry,
    pageTable: inst.pageTable,
  });
}
const smmu = () => domainFor(smmuV3Instance({ id: '/smmuv3@9050000' }));

describe('iommu_pgsize', () => {
  const bm = K4 | M2 | G1;
  it('takes the largest size both addresses and the size allow', () => {
    expect(iommuPgsize(bm, 0n, 0n, G1)).toEqual({ pgsize: G1, count: 1n });
    expect(iommuPgsize(bm, M2, 0x4020_0000n, 4n * M2)).toEqual({ pgsize: M2, count: 4n });
    expect(iommuPgsize(bm, K4, K4, 2n * M2)).toEqual({ pgsize: K4, count: 511n });
    // Exactly 2M from a 4K offset: no room for a 2M page after the boundary.
    expect(iommuPgsize(bm, K4, K4, M2)).toEqual({ pgsize: K4, count: 512n });
  });
  it('stays with small pages when iova and paddr are offset differently', () => {
    expect(iommuPgsize(bm, K4, 2n * K4, 4n * M2)).toEqual({ pgsize: K4, count: (4n * M2) / K4 });
  });
});

describe('iommu_map / iommu_unmap on an SMMUv3 domain', () => {
  it('rejects misalignment with -EINVAL and logs the kernel text', () => {
    const d = smmu();
    const log: { level: string; msg: string }[] = [];
    expect(iommuMap(d, 0x1800n, 0x40000000n, K4, RW, log as never)).toBe(-EINVAL);
    expect(iommuMap(d, 0x1000n, 0x40000800n, K4, RW)).toBe(-EINVAL);
    expect(iommuMap(d, 0x1000n, 0x40000000n, 0x800n, RW)).toBe(-EINVAL);
    expect(log[0]?.msg).toBe(
      'unaligned: iova 0x1800 pa 0x0000000040000000 size 0x1000 min_pagesz 0x1000',
    );
    expect(iommuMappedBytes(d)).toBe(0n);
  });

  it('identity domains have no map op: -ENODEV; unmap returns 0', () => {
    const d = domainFor(smmuV3Instance({ id: 's' }), 'identity');
    expect(iommuMap(d, 0n, 0n, K4, RW)).toBe(-ENODEV);
    expect(iommuUnmap(d, 0n, K4)).toBe(0n);
    expect(iommuIovaToPhys(d, 0x1234n)).toBe(0x1234n);
  });

  it('uses a 2M block when aligned and counts page-table pages per level', () => {
    const d = smmu();
    expect(iommuMap(d, 0xfff0_0000n, 0x8000_0000n, K4, RW)).toBe(0);
    expect(iommuTablePages(d)).toEqual([1, 1, 1, 1]);
    expect(iommuMap(d, 0x4000_0000n, 0x8000_0000n, M2, RW)).toBe(0);
    // 0x40000000 lies in another 1G slot: one more level-2 table.
    expect(iommuTablePages(d)).toEqual([1, 1, 2, 1]);
    expect(iommuIovaToPhys(d, 0x4000_1234n)).toBe(0x8000_1234n);
    expect(iommuMap(d, 0x8000_0000n, 0x1_0000_0000n, G1, RW)).toBe(0);
    expect(iommuTablePages(d)).toEqual([1, 1, 2, 1]);
    expect(d.iotlb.mapPagesCalls).toBe(3);
  });

  it('maps a large unaligned run in several map_pages calls, one table at a time', () => {
    const d = smmu();
    // 4 MiB + 8 KiB starting 4 KiB below a 2M boundary: 4K, then 2M blocks, then 4K pages.
    expect(iommuMap(d, M2 - K4, M2 - K4, 2n * M2 + 2n * K4, RW)).toBe(0);
    expect(iommuMappedBytes(d)).toBe(2n * M2 + 2n * K4);
    expect(d.pageTable?.kind === 'radix' && d.pageTable.leaves[2]!.size).toBe(2);
  });

  it('refuses to map over a live entry with -EEXIST and unrolls', () => {
    const d = smmu();
    expect(iommuMap(d, 0x3000n, 0x3000n, K4, RW)).toBe(0);
    expect(iommuMap(d, 0x1000n, 0x1000n, 4n * K4, RW)).toBe(-EEXIST);
    expect(iommuMappedBytes(d)).toBe(K4);
    expect(iommuIovaToPhys(d, 0x1000n)).toBeNull();
  });

  it('unmap stops at the first hole and returns what it unmapped', () => {
    const d = smmu();
    expect(iommuMap(d, 0x10000n, 0x10000n, 3n * K4, RW)).toBe(0);
    expect(iommuUnmap(d, 0x10000n, 8n * K4)).toBe(3n * K4);
    expect(iommuUnmap(d, 0x10000n, K4)).toBe(0n);
    expect(iommuUnmap(d, 0x10800n, K4)).toBe(0n);
  });

  it('unmapping 4K out of a 2M block splits it (io-pgtable-arm)', () => {
    const d = smmu();
    expect(iommuMap(d, M2, 0x4000_0000n, M2, RW)).toBe(0);
    expect(iommuUnmap(d, M2 + K4, K4)).toBe(K4);
    expect(iommuMappedBytes(d)).toBe(M2 - K4);
    expect(iommuIovaToPhys(d, M2 + 2n * K4)).toBe(0x4000_2000n);
    expect(iommuIovaToPhys(d, M2 + K4)).toBeNull();
    // The 2M unmap over the now-split range frees the table and reports 2M.
    expect(iommuUnmap(d, M2, M2)).toBe(M2);
    expect(iommuMappedBytes(d)).toBe(0n);
  });

  it('VT-d drops a whole large page and reports its size', () => {
    const d = domainFor(intelVtdInstance({ id: 'dmar0' }));
    expect(iommuMap(d, M2, M2, M2, RW)).toBe(0);
    expect(iommuUnmap(d, M2, K4)).toBe(M2);
    expect(iommuMappedBytes(d)).toBe(0n);
  });
});

describe('virtio-iommu mappings', () => {
  const v = () => domainFor(virtioIommuInstance({ id: '/pcie@10000000/virtio_iommu@4,0' }));
  it('maps one interval per iommu_pgsize step and refuses overlaps with -EINVAL', () => {
    const d = v();
    expect(iommuMap(d, 0xfffff000n, 0x4000_0000n, K4, RW)).toBe(0);
    expect(iommuMap(d, 0xffffe000n, 0x4100_0000n, 2n * K4, RW)).toBe(-EINVAL);
    expect(iommuMappedBytes(d)).toBe(K4);
  });
  it('cannot split a mapping: unmapping from inside it returns 0, from its start all of it', () => {
    const d = v();
    expect(iommuMap(d, 0x10000n, 0x10000n, 0x10000n, RW)).toBe(0);
    expect(iommuUnmap(d, 0x11000n, K4)).toBe(0n);
    expect(iommuMappedBytes(d)).toBe(0x10000n);
    expect(iommuUnmap(d, 0x10000n, K4)).toBe(0x10000n);
    expect(iommuMappedBytes(d)).toBe(0n);
    expect(iommuMap(d, 0x40000n, 0x40000n, 0x10000n, RW)).toBe(0);
    expect(iommuUnmap(d, 0x40000n, 0x10000n)).toBe(0x10000n);
  });
});

describe('properties', () => {
  const reqsArb = fc.uniqueArray(
    fc.record({ slot: fc.integer({ min: 0, max: 63 }), n: fc.integer({ min: 1, max: 1024 }) }),
    { minLength: 1, maxLength: 8, selector: (r) => r.slot },
  );
  it('mapped sizes add up, a second map over a live page fails, unmap returns each size', () => {
    fc.assert(
      fc.property(reqsArb, fc.boolean(), (reqs, virtio) => {
        const d = virtio ? domainFor(virtioIommuInstance({ id: 'v' })) : smmu();
        const live: { iova: bigint; size: bigint }[] = [];
        let total = 0n;
        for (const { slot, n } of reqs) {
          // Each slot is its own 4 MiB window, so requests never overlap.
          const iova = BigInt(slot) * 2n * M2;
          const size = BigInt(n) * K4;
          const paddr = 0x8000_0000n + iova;
          expect(iommuMap(d, iova, paddr, size, RW)).toBe(0);
          live.push({ iova, size });
          total += size;
          expect(iommuIovaToPhys(d, iova + size - K4)).toBe(paddr + size - K4);
          expect(iommuMappedBytes(d)).toBe(total);
        }
        for (const m of live) {
          const again = iommuMap(d, m.iova + m.size - K4, 0x1000_0000n, K4, RW);
          expect(again).toBe(virtio ? -EINVAL : -EEXIST);
          expect(iommuMappedBytes(d)).toBe(total);
        }
        for (const m of live) {
          expect(iommuUnmap(d, m.iova, m.size)).toBe(m.size);
          total -= m.size;
          expect(iommuMappedBytes(d)).toBe(total);
          expect(iommuIovaToPhys(d, m.iova)).toBeNull();
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('iommu_unmap_fast: unmap into a gather, sync later', () => {
  it('gathers the unmapped range without syncing; iommu_iotlb_sync empties it', () => {
    const d = smmu();
    expect(iommuMap(d, 0x10000n, 0x8000_0000n, 3n * K4, RW)).toBe(0);
    const gather = newIotlbGather();
    expect(iommuUnmapFast(d, 0x11000n, 2n * K4, gather)).toBe(2n * K4);
    expect(d.iotlb.sync).toBe(0);
    expect(gather).toEqual({ start: 0x11000n, end: 0x12fffn, queued: false });
    expect(iommuUnmapFast(d, 0x10000n, K4, gather)).toBe(K4);
    expect([gather.start, gather.end]).toEqual([0x10000n, 0x12fffn]);
    expect(d.iotlb.tlbAddPage).toBe(3);
    iommuIotlbSync(d, gather);
    expect(d.iotlb.sync).toBe(1);
    expect(iotlbGatherIsEmpty(gather)).toBe(true);
  });

  it('a hole or a misaligned request gathers nothing; only the misaligned one logs', () => {
    const d = smmu();
    const log: { level: string; msg: string }[] = [];
    const gather = newIotlbGather();
    expect(iommuUnmapFast(d, 0x10000n, K4, gather, log as never)).toBe(0n);
    expect(iommuUnmapFast(d, 0x10800n, K4, gather, log as never)).toBe(0n);
    expect(log.map((e) => e.msg)).toEqual([
      'unaligned: iova 0x10800 size 0x1000 min_pagesz 0x1000',
    ]);
    expect(iotlbGatherIsEmpty(gather)).toBe(true);
    expect(d.iotlb.sync).toBe(0);
  });

  it('iommu_unmap syncs once per call that passes its checks, hole or not', () => {
    const d = smmu();
    expect(iommuMap(d, 0x10000n, 0x10000n, K4, RW)).toBe(0);
    expect(iommuUnmap(d, 0x10000n, K4)).toBe(K4);
    expect(iommuUnmap(d, 0x10000n, K4)).toBe(0n);
    expect(iommuUnmap(d, 0x10800n, K4)).toBe(0n);
    expect(d.iotlb.sync).toBe(2);
  });
});

describe('single-page requests', () => {
  it('a page over a live 2M block is -EEXIST after one map_pages call; the unroll syncs', () => {
    const d = smmu();
    expect(iommuMap(d, M2, 0x4000_0000n, M2, RW)).toBe(0);
    const before = { ...d.iotlb };
    expect(iommuMap(d, M2 + K4, 0x1000n, K4, RW)).toBe(-EEXIST);
    expect(d.iotlb.mapPagesCalls - before.mapPagesCalls).toBe(1);
    expect(d.iotlb.sync - before.sync).toBe(1);
    expect(d.iotlb.syncMap).toBe(before.syncMap);
    expect(iommuIovaToPhys(d, M2 + K4)).toBe(0x4000_1000n);
  });

  it('beyond the input or output address size is -ERANGE', () => {
    const d = smmu(); // IAS 48, OAS 44
    expect(iommuMap(d, 1n << 48n, 0n, K4, RW)).toBe(-ERANGE);
    expect(iommuMap(d, (1n << 48n) - K4, 1n << 44n, K4, RW)).toBe(-ERANGE);
    expect(iommuMap(d, (1n << 48n) - K4, (1n << 44n) - K4, K4, RW)).toBe(0);
    expect(iommuIovaToPhys(d, (1n << 48n) - 1n)).toBe((1n << 44n) - 1n);
    expect(iommuUnmap(d, 1n << 48n, K4)).toBe(0n);
    expect(iommuTablePages(d)).toEqual([1, 1, 1, 1]);
  });

  it('agree with a page-by-page reference model', () => {
    // Pages in two 2 MiB windows (one of them high) so tables are shared and some are not.
    const pageArb = fc
      .integer({ min: 0, max: 1023 })
      .map((n) => (n < 512 ? BigInt(n) * K4 : (1n << 47n) + BigInt(n - 512) * K4));
    const opArb = fc.record({ kind: fc.constantFrom('map', 'unmap', 'phys'), iova: pageArb });
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const d = smmu();
        const model = new Map<bigint, bigint>();
        const windows = new Set<boolean>();
        let syncs = 0;
        let unmapped = 0;
        for (const { kind, iova } of ops) {
          const paddr = 0x8000_0000n + (iova & 0xfff_ffffn);
          if (kind === 'map') {
            windows.add(iova >= 1n << 47n);
            expect(iommuMap(d, iova, paddr, K4, RW)).toBe(model.has(iova) ? -EEXIST : 0);
            if (model.has(iova)) syncs++;
            model.set(iova, model.get(iova) ?? paddr);
          } else if (kind === 'unmap') {
            expect(iommuUnmap(d, iova, K4)).toBe(model.has(iova) ? K4 : 0n);
            syncs++;
            if (model.has(iova)) unmapped++;
            model.delete(iova);
          } else {
            const at = model.get(iova);
            expect(iommuIovaToPhys(d, iova + 0x123n)).toBe(at === undefined ? null : at + 0x123n);
          }
        }
        expect(iommuMappedBytes(d)).toBe(BigInt(model.size) * K4);
        expect(d.iotlb.sync).toBe(syncs);
        expect(d.iotlb.tlbAddPage).toBe(unmapped);
        // Unmapping pages leaves their tables in place: one table per level per window used.
        const w = windows.size;
        expect(iommuTablePages(d)).toEqual([1, w, w, w]);
      }),
      { numRuns: 200 },
    );
  });
});
