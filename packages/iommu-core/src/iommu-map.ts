// iommu_map() / iommu_unmap() / iommu_pgsize() / iommu_iova_to_phys() of drivers/iommu/iommu.c.
import { EINVAL, ENODEV, type KernelLog, logErr } from '@dmasim/dma-mapping';
import { domainIsPaging, type IommuDomain } from './domain.js';
import {
  intervalIovaToPhys,
  intervalMapPages,
  intervalMappedBytes,
  intervalUnmapPages,
} from './interval-mappings.js';
import {
  type MapPagesResult,
  radixIovaToPhys,
  radixMapPages,
  radixMappedBytes,
  radixTablePages,
  radixUnmapPages,
} from './io-pgtable.js';

/** The model met a state in which the kernel itself would never return. */
export class IommuModelError extends Error {
  constructor(
    readonly iova: bigint,
    message: string,
  ) {
    super(`iova 0x${iova.toString(16)}: ${message}`);
    this.name = 'IommuModelError';
  }
}

/** __ffs() on a non-zero u64. */
function lowestBit(x: bigint): number {
  let n = 0;
  while (((x >> BigInt(n)) & 1n) === 0n) n++;
  return n;
}

/** __fls() on a non-zero u64. */
function highestBit(x: bigint): number {
  return x.toString(2).length - 1;
}

function genmask(high: number): bigint {
  return (1n << BigInt(high + 1)) - 1n;
}

/** Smallest page the domain supports (1 << __ffs(pgsize_bitmap)). */
export function minPageSize(domain: IommuDomain): bigint {
  return 1n << BigInt(lowestBit(domain.pgsizeBitmap));
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
  let pgsizes = pgsizeBitmap & genmask(highestBit(size));
  if (addrMerge !== 0n) pgsizes &= genmask(lowestBit(addrMerge));
  if (pgsizes === 0n) {
    throw new IommuModelError(iova, `no page size fits size 0x${size.toString(16)} (BUG_ON)`);
  }
  const pgsizeIdx = highestBit(pgsizes);
  const pgsize = 1n << BigInt(pgsizeIdx);
  let span = size;
  const larger = pgsizeBitmap & ~genmask(pgsizeIdx);
  if (larger !== 0n) {
    const next = 1n << BigInt(lowestBit(larger));
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
  const minPage = minPageSize(domain);
  if (((iova | paddr | size) & (minPage - 1n)) !== 0n) {
    if (log) {
      logErr(
        log,
        `unaligned: iova ${hx(iova)} pa ${`0x${paddr.toString(16).padStart(16, '0')}`} size ${hx(size)} min_pagesz ${hx(minPage)}`,
      );
    }
    return -EINVAL;
  }
  let remaining = size;
  let curIova = iova;
  let curPaddr = paddr;
  let ret = 0;
  while (remaining > 0n) {
    const { pgsize, count } = iommuPgsize(domain.pgsizeBitmap, curIova, curPaddr, remaining);
    const r = mapPages(domain, curIova, curPaddr, pgsize, count, prot);
    remaining -= r.mapped;
    if (r.ret !== 0) {
      ret = r.ret;
      break;
    }
    if (r.mapped === 0n) throw new IommuModelError(curIova, 'map_pages made no progress');
    curIova += r.mapped;
    curPaddr += r.mapped;
  }
  if (ret !== 0) {
    iommuUnmap(domain, iova, size - remaining);
    return ret;
  }
  domain.iotlb.syncMap++;
  return 0;
}

/**
 * iommu_unmap(): bytes unmapped, which stops short at the first hole and can exceed `size` when
 * a driver drops a larger page whole; 0 for a non-paging domain or when iova | size is not
 * aligned to the smallest page (with pr_err).
 */
export function iommuUnmap(
  domain: IommuDomain,
  iova: bigint,
  size: bigint,
  log?: KernelLog,
): bigint {
  if (domain.pgsizeBitmap === 0n || domain.pageTable === null) return 0n;
  if (!domainIsPaging(domain.type)) return 0n;
  const minPage = minPageSize(domain);
  if (((iova | size) & (minPage - 1n)) !== 0n) {
    if (log) logErr(log, `unaligned: iova ${hx(iova)} size ${hx(size)} min_pagesz ${hx(minPage)}`);
    return 0n;
  }
  let unmapped = 0n;
  let cur = iova;
  while (unmapped < size) {
    const { pgsize, count } = iommuPgsize(domain.pgsizeBitmap, cur, cur, size - unmapped);
    const done = unmapPages(domain, cur, pgsize, count);
    if (done === 0n) break;
    cur += done;
    unmapped += done;
  }
  domain.iotlb.sync++;
  return unmapped;
}

/** iommu_iova_to_phys(): identity domains translate 1:1; null where nothing is mapped. */
export function iommuIovaToPhys(domain: IommuDomain, iova: bigint): bigint | null {
  if (domain.type === 'identity') return iova;
  const pt = domain.pageTable;
  if (pt === null) return null;
  return pt.kind === 'radix' ? radixIovaToPhys(pt, iova) : intervalIovaToPhys(pt, iova);
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
