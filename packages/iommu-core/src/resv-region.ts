// Reserved IOVA regions: struct iommu_resv_region, iommu_insert_resv_region() and the sysfs
// iommu_group_show_resv_regions() text.
import { addU64, hex64, maxU64, subU64 } from '@dmasim/dma-mapping';

/** IOMMU prot bits (include/linux/iommu.h). */
export const IOMMU_READ = 1 << 0;
export const IOMMU_WRITE = 1 << 1;
export const IOMMU_CACHE = 1 << 2;
export const IOMMU_NOEXEC = 1 << 3;
export const IOMMU_MMIO = 1 << 4;
export const IOMMU_PRIV = 1 << 5;

/** enum iommu_resv_type, in the kernel's enum order (the order ties are broken by). */
export const RESV_TYPES = ['direct', 'direct-relaxable', 'reserved', 'msi', 'sw-msi'] as const;
export type ResvType = (typeof RESV_TYPES)[number];

export interface ReservedRegion {
  start: bigint;
  /** Bytes; > 0. The inclusive end is start + length - 1. */
  length: bigint;
  prot: number;
  type: ResvType;
}

/** Prot the drivers give their MSI windows (software or hardware). */
export const MSI_REGION_PROT = IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO;

/** MSI_IOVA_BASE / MSI_IOVA_LENGTH of the Arm SMMU drivers: the software-managed MSI window. */
export const MSI_IOVA_BASE = 0x0800_0000n;
export const MSI_IOVA_LENGTH = 0x10_0000n;

/** The string sysfs prints for each type (iommu_group_resv_type_string[]): SW MSI prints "msi". */
export function resvTypeName(type: ResvType): string {
  return type === 'sw-msi' ? 'msi' : type;
}

function typeRank(type: ResvType): number {
  return RESV_TYPES.indexOf(type);
}

/** Inclusive end, wrapping as phys_addr_t arithmetic does. */
export function resvRegionEnd(region: ReservedRegion): bigint {
  return subU64(addU64(region.start, region.length), 1n);
}

/**
 * iommu_insert_resv_region(): add `region` to a list kept sorted by start (ties by type order),
 * merging regions of the same type that overlap or touch; regions of different types stay apart
 * even where they overlap. A merged region keeps the prot of the lower one. Returns a new list.
 */
export function insertResvRegion(
  list: readonly ReservedRegion[],
  region: ReservedRegion,
): ReservedRegion[] {
  const sorted = list.map((r) => ({ ...r }));
  let at = sorted.findIndex(
    (r) =>
      region.start < r.start ||
      (region.start === r.start && typeRank(region.type) <= typeRank(r.type)),
  );
  if (at < 0) at = sorted.length;
  sorted.splice(at, 0, { ...region });

  // One pass in start order; each region of the new type is merged into the last kept region
  // of that type when it starts at or before that region's end + 1.
  const out: ReservedRegion[] = [];
  for (const r of sorted) {
    if (r.type !== region.type) {
      out.push(r);
      continue;
    }
    let top: ReservedRegion | undefined;
    for (let i = out.length - 1; i >= 0; i--) {
      if (out[i]!.type === r.type) {
        top = out[i];
        break;
      }
    }
    if (top === undefined) {
      out.push(r);
      continue;
    }
    const topEnd = resvRegionEnd(top);
    const rEnd = resvRegionEnd(r);
    if (r.start > addU64(topEnd, 1n)) {
      out.push(r);
    } else {
      top.length = addU64(subU64(maxU64(rEnd, topEnd), top.start), 1n);
    }
  }
  return out;
}

/** iommu_insert_device_resv_regions(): fold a device's regions into a group list. */
export function mergeResvRegions(
  into: readonly ReservedRegion[],
  regions: readonly ReservedRegion[],
): ReservedRegion[] {
  let list = into.map((r) => ({ ...r }));
  for (const r of regions) list = insertResvRegion(list, r);
  return list;
}

/** iommu_group_show_resv_regions(): `0x%016llx 0x%016llx %s\n` per region, inclusive end. */
export function formatResvRegions(regions: readonly ReservedRegion[]): string {
  return regions
    .map((r) => `${hex64(r.start)} ${hex64(resvRegionEnd(r))} ${resvTypeName(r.type)}\n`)
    .join('');
}
