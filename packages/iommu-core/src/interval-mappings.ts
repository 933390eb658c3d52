// virtio-iommu keeps no page table: each MAP request is one interval (viommu_add_mapping /
// viommu_del_mappings), and the device refuses a MAP overlapping an existing one.
import { EINVAL } from '@dmasim/dma-mapping';
import type { IotlbStats } from './domain.js';
import type { MapPagesResult, MappedExtent } from './io-pgtable.js';

export interface IntervalMapping {
  start: bigint;
  /** Inclusive. */
  last: bigint;
  paddr: bigint;
  prot: number;
}

export interface IntervalMappings {
  kind: 'intervals';
  /** Sorted by start; never overlapping. */
  mappings: IntervalMapping[];
}

export function newIntervalMappings(): IntervalMappings {
  return { kind: 'intervals', mappings: [] };
}

/** Index of the first mapping whose last >= addr. */
function firstEndingAtOrAfter(m: IntervalMappings, addr: bigint): number {
  let lo = 0;
  let hi = m.mappings.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (m.mappings[mid]!.last < addr) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * viommu_map_pages(): one MAP request for pgsize × count bytes. QEMU answers an overlapping MAP
 * with VIRTIO_IOMMU_S_INVAL, which the driver turns into -EINVAL.
 */
export function intervalMapPages(
  m: IntervalMappings,
  iova: bigint,
  paddr: bigint,
  pgsize: bigint,
  count: bigint,
  prot: number,
  stats: IotlbStats,
): MapPagesResult {
  stats.mapPagesCalls++;
  const size = pgsize * count;
  if (size === 0n) return { ret: -EINVAL, mapped: 0n };
  const last = iova + size - 1n;
  const at = firstEndingAtOrAfter(m, iova);
  const next = m.mappings[at];
  if (next !== undefined && next.start <= last) return { ret: -EINVAL, mapped: 0n };
  m.mappings.splice(at, 0, { start: iova, last, paddr, prot });
  return { ret: 0, mapped: size };
}

/**
 * viommu_unmap_pages(): remove every mapping that starts inside [iova, iova + size - 1], whole
 * (a MAP can't be split), stopping at one that starts below iova; when less than `size` was
 * removed the driver reports 0 (the removed intervals are gone all the same).
 */
export function intervalUnmapPages(
  m: IntervalMappings,
  iova: bigint,
  pgsize: bigint,
  count: bigint,
  stats: IotlbStats,
): bigint {
  stats.unmapPagesCalls++;
  const size = pgsize * count;
  if (size === 0n) return 0n;
  const end = iova + size - 1n;
  const at = firstEndingAtOrAfter(m, iova);
  let unmapped = 0n;
  let removeTo = at;
  for (let i = at; i < m.mappings.length; i++) {
    const mapping = m.mappings[i]!;
    if (mapping.start > end || mapping.start < iova) break;
    unmapped += mapping.last - mapping.start + 1n;
    removeTo = i + 1;
  }
  m.mappings.splice(at, removeTo - at);
  if (unmapped < size) return 0n;
  stats.tlbAddPage++;
  return unmapped;
}

export function intervalMappedBytes(m: IntervalMappings): bigint {
  let total = 0n;
  for (const r of m.mappings) total += r.last - r.start + 1n;
  return total;
}

/** The first mapping that ends at or after `iova` and starts before `limit`. */
export function intervalNextMapping(
  m: IntervalMappings,
  iova: bigint,
  limit: bigint,
): MappedExtent | null {
  const r = m.mappings[firstEndingAtOrAfter(m, iova)];
  if (r === undefined || r.start >= limit) return null;
  return { start: r.start, size: r.last - r.start + 1n, paddr: r.paddr };
}

export function intervalIovaToPhys(m: IntervalMappings, iova: bigint): bigint | null {
  const r = m.mappings[firstEndingAtOrAfter(m, iova)];
  if (r === undefined || r.start > iova) return null;
  return r.paddr + (iova - r.start);
}
