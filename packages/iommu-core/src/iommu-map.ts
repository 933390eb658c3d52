// iommu_map() / iommu_unmap() / iommu_unmap_fast() / iommu_pgsize() / iommu_iova_to_phys() of
// drivers/iommu/iommu.c. A request for exactly one smallest page on a radix table, the DMA API's
// common case, skips the page-size loop: it would make the same single map_pages/unmap_pages call.
import { DmasimError, EINVAL, ENODEV, hex64, type KernelLog, logErr } from '@dmasim/dma-mapping';
import { domainIsPaging, type IommuDomain, iommuIotlbSync } from './domain.js';
import {
  intervalIovaToPhys,
  intervalMapPages,
  intervalMappedBytes,
  intervalNextMapping,
  intervalUnmapPages,
} from './interval-mappings.js';
import {
  type MapPagesResult,
  type MappedExtent,
  type RadixPageTable,
  radixIovaToPhys,
  radixMapGranule,
  radixMapPages,
  radixMappedBytes,
  radixNextLeaf,
  radixTablePages,
  radixUnmapGranule,
  radixUnmapPages,
} from './io-pgtable.js';
import { type IommuIotlbGather, iommuIotlbGatherAddRange } from './iotlb-gather.js';
import { ffs64, fls64, genmask } from './u64-bits.js';

/** The model met a state in which the kernel itself would never return. */
export class IommuModelError extends DmasimError {
  static override readonly code: string = 'IOMMU_MODEL_STATE';
  constructor(
    readonly iova: bigint,
    message: string,
  ) {
    super(`iova 0x${iova.toString(16)}: ${message}`);
    this.name = 'IommuModelError';
  }
}

/** Smallest page the domain supports (1 << __ffs(pgsize_bitmap)); 0 when it has none. */
export function minPageSize(domain: IommuDomain): bigint {
  return minPageOf(domain.pgsizeBitmap).minPage;
}

// Every map and unmap needs the smallest page and its mask; domains share a few bitmaps, so the
// last one's answer is kept to spare that bigint arithmetic. Read the result before the next call.
const lastMinPage = { bitmap: 0n, minPage: 0n, mask: -1n };

function minPageOf(bitmap: bigint): { minPage: bigint; mask: bigint } {
  if (bitmap !== lastMinPage.bitmap) {
    lastMinPage.bitmap = bitmap;
    // The lowest set bit in one step.
    lastMinPage.minPage = bitmap & -bitmap;
    lastMinPage.mask = lastMinPage.minPage - 1n;
  }
  return lastMinPage;
}

export interface PageSizeChoice {
  pgsize: bigint;
  /** How many pages of pgsize to map before a larger size becomes usable. */
  count: bigint;
}

/**
 * iommu_pgsize(): the largest supported page size that fits `size` and the alignment of
 * iova | paddr, and how many of them to use before the next larger size could take over.
 * The caller guarantees min-page alignment and size > 0.
 */
export function iommuPgsize(
  pgsizeBitmap: bigint,
  iova: bigint,
  paddr: bigint,
  size: bigint,
): PageSizeChoice {
  const addrMerge = iova | paddr;
  let pgsizes = pgsizeBitmap & genmask(fls64(size));
  if (addrMerge !== 0n) pgsizes &= genmask(ffs64(addrMerge));
  if (pgsizes === 0n) {
    throw new IommuModelError(iova, `no page size fits size 0x${size.toString(16)} (BUG_ON)`);
  }
  const pgsizeIdx = fls64(pgsizes);
  const pgsize = 1n << BigInt(pgsizeIdx);
  let span = size;
  const larger = pgsizeBitmap & ~genmask(pgsizeIdx);
  if (larger !== 0n) {
    const next = larger & -larger;
    // A larger page only helps when iova and paddr sit at the same offset within it.
    if (((iova ^ paddr) & (next - 1n)) === 0n) {
      const toBoundary = next - (addrMerge & (next - 1n));
      if (toBoundary + next <= size) span = toBoundary;
    }
  }
  return { pgsize, count: span >> BigInt(pgsizeIdx) };
}

function mapPages(
  domain: IommuDomain,
  iova: bigint,
  paddr: bigint,
  pgsize: bigint,
  count: bigint,
  prot: number,
): MapPagesResult {
  const pt = domain.pageTable!;
  return pt.kind === 'radix'
    ? radixMapPages(pt, iova, paddr, pgsize, count, prot, domain.iotlb)
    : intervalMapPages(pt, iova, paddr, pgsize, count, prot, domain.iotlb);
}

function unmapPages(domain: IommuDomain, iova: bigint, pgsize: bigint, count: bigint): bigint {
  const pt = domain.pageTable!;
  return pt.kind === 'radix'
    ? radixUnmapPages(pt, iova, pgsize, count, domain.iotlb)
    : intervalUnmapPages(pt, iova, pgsize, count, domain.iotlb);
}

const hx = (v: bigint) => `0x${v.toString(16)}`;

/** The radix table when `size` is exactly its smallest page and the domain's: the fast case. */
function singleGranuleTable(
  domain: IommuDomain,
  size: bigint,
  minPage: bigint,
): RadixPageTable | null {
  const pt = domain.pageTable;
  return size === minPage && pt?.kind === 'radix' && pt.granule === minPage ? pt : null;
}

/** __iommu_map()'s loop: one map_pages call per iommu_pgsize() step; 0 or the first error. */
function mapLoop(
  domain: IommuDomain,
  iova: bigint,
  paddr: bigint,
  size: bigint,
  prot: number,
): { ret: number; mapped: bigint } {
  let mapped = 0n;
  let curIova = iova;
  let curPaddr = paddr;
  while (mapped < size) {
    const { pgsize, count } = iommuPgsize(domain.pgsizeBitmap, curIova, curPaddr, size - mapped);
    const r = mapPages(domain, curIova, curPaddr, pgsize, count, prot);
    mapped += r.mapped;
    if (r.ret !== 0) return { ret: r.ret, mapped };
    if (r.mapped === 0n) throw new IommuModelError(curIova, 'map_pages made no progress');
    curIova += r.mapped;
    curPaddr += r.mapped;
  }
  return { ret: 0, mapped };
}

/**
 * iommu_map(): 0, or -ENODEV (identity/blocked: no map op), -EINVAL (iova | paddr |
 * size not aligned to the smallest page), or the driver's error (-EEXIST over a live entry,
 * -ERANGE beyond the table); a failed map is unrolled. pr_err text goes to `log` when given.
 */
export function iommuMap(
  domain: IommuDomain,
  iova: bigint,
  paddr: bigint,
  size: bigint,
  prot: number,
  log?: KernelLog,
): number {
  // Identity and blocked domains have no map_pages op and no page sizes: WARN, -ENODEV.
  if (domain.pageTable === null || domain.pgsizeBitmap === 0n) return -ENODEV;
  if (!domainIsPaging(domain.type)) return -EINVAL;
  const { minPage, mask } = minPageOf(domain.pgsizeBitmap);
  if (((iova | paddr | size) & mask) !== 0n) {
    if (log) {
      logErr(
        log,
        `unaligned: iova ${hx(iova)} pa ${hex64(paddr)} size ${hx(size)} min_pagesz ${hx(minPage)}`,
      );
    }
    return -EINVAL;
  }
  const granuleTable = singleGranuleTable(domain, size, minPage);
  if (granuleTable !== null) {
    const ret = radixMapGranule(granuleTable, iova, paddr, prot, domain.iotlb);
    if (ret !== 0) {
      // Nothing was mapped, but the unroll's iommu_unmap() of 0 bytes still syncs.
      iommuUnmap(domain, iova, 0n);
      return ret;
    }
  } else {
    const { ret, mapped } = mapLoop(domain, iova, paddr, size, prot);
    if (ret !== 0) {
      iommuUnmap(domain, iova, mapped);
      return ret;
    }
  }
  domain.iotlb.syncMap++;
  return 0;
}

/** __iommu_unmap()'s loop: unmap_pages per iommu_pgsize() step until done or at a hole. */
function unmapLoop(domain: IommuDomain, iova: bigint, size: bigint): bigint {
  let unmapped = 0n;
  let cur = iova;
  while (unmapped < size) {
    const { pgsize, count } = iommuPgsize(domain.pgsizeBitmap, cur, cur, size - unmapped);
    const done = unmapPages(domain, cur, pgsize, count);
    if (done === 0n) break;
    cur += done;
    unmapped += done;
  }
  return unmapped;
}

/**
 * __iommu_unmap() with its checks: bytes unmapped, or null when the domain cannot unmap or
 * iova | size is not aligned to the smallest page (pr_err to `log`).
 */
function unmapChecked(
  domain: IommuDomain,
  iova: bigint,
  size: bigint,
  log: KernelLog | undefined,
): bigint | null {
  if (domain.pgsizeBitmap === 0n || domain.pageTable === null) return null;
  if (!domainIsPaging(domain.type)) return null;
  const { minPage, mask } = minPageOf(domain.pgsizeBitmap);
  if (((iova | size) & mask) !== 0n) {
    if (log) logErr(log, `unaligned: iova ${hx(iova)} size ${hx(size)} min_pagesz ${hx(minPage)}`);
    return null;
  }
  const granuleTable = singleGranuleTable(domain, size, minPage);
  return granuleTable !== null
    ? radixUnmapGranule(granuleTable, iova, domain.iotlb)
    : unmapLoop(domain, iova, size);
}

/**
 * iommu_unmap_fast(): iommu_unmap() without the IOTLB sync; the unmapped range is added to
 * `gather` for the caller's iommu_iotlb_sync() (or its flush queue).
 */
export function iommuUnmapFast(
  domain: IommuDomain,
  iova: bigint,
  size: bigint,
  gather: IommuIotlbGather,
  log?: KernelLog,
): bigint {
  const unmapped = unmapChecked(domain, iova, size, log);
  if (unmapped === null) return 0n;
  if (unmapped !== 0n) iommuIotlbGatherAddRange(gather, iova, unmapped);
  return unmapped;
}

/**
 * iommu_unmap(): bytes unmapped, which stops short at the first hole and can exceed `size` when
 * a driver drops a larger page whole; 0 for a non-paging domain or when iova | size is not
 * aligned to the smallest page (with pr_err). Each unmap that got past those checks ends with
 * one iommu_iotlb_sync().
 */
export function iommuUnmap(
  domain: IommuDomain,
  iova: bigint,
  size: bigint,
  log?: KernelLog,
): bigint {
  const unmapped = unmapChecked(domain, iova, size, log);
  if (unmapped === null) return 0n;
  iommuIotlbSync(domain);
  return unmapped;
}

/** iommu_iova_to_phys(): identity domains translate 1:1; null where nothing is mapped. */
export function iommuIovaToPhys(domain: IommuDomain, iova: bigint): bigint | null {
  if (domain.type === 'identity') return iova;
  const pt = domain.pageTable;
  if (pt === null) return null;
  return pt.kind === 'radix' ? radixIovaToPhys(pt, iova) : intervalIovaToPhys(pt, iova);
}

/**
 * The first mapped extent of a paging domain (a page-table leaf, or a virtio-iommu mapping) that
 * ends at or after `iova` and starts before `limit`; null when there is none. Lets a walk over a
 * range find its mapped parts without asking iommuIovaToPhys() page by page.
 */
export function iommuNextMapped(
  domain: IommuDomain,
  iova: bigint,
  limit: bigint,
): MappedExtent | null {
  const pt = domain.pageTable;
  if (pt === null || domain.type === 'identity') return null;
  return pt.kind === 'radix'
    ? radixNextLeaf(pt, iova, limit)
    : intervalNextMapping(pt, iova, limit);
}

/** Total bytes mapped in a paging domain. */
export function iommuMappedBytes(domain: IommuDomain): bigint {
  const pt = domain.pageTable;
  if (pt === null) return 0n;
  return pt.kind === 'radix' ? radixMappedBytes(pt) : intervalMappedBytes(pt);
}

/** Page-table pages per level (root first); empty for virtio-iommu and non-paging domains. */
export function iommuTablePages(domain: IommuDomain): number[] {
  const pt = domain.pageTable;
  return pt !== null && pt.kind === 'radix' ? radixTablePages(pt) : [];
}
