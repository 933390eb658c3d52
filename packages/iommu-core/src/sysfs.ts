// /sys/kernel/iommu_groups/N/{type,reserved_regions,devices} and the usable IOVA ranges iommufd
// reports (IOMMU_IOAS_IOVA_RANGES): aperture minus the group's reserved regions.
import { subU64 } from '@dmasim/dma-mapping';
import type { IommuGroup } from './group.js';
import type { IommuCore } from './probe.js';
import {
  formatResvRegions,
  mergeResvRegions,
  type ReservedRegion,
  resvRegionEnd,
} from './resv-region.js';

/** iommu_get_group_resv_regions(): every member's regions merged into one sorted list. */
export function groupResvRegions(core: IommuCore, group: IommuGroup): ReservedRegion[] {
  let list: ReservedRegion[] = [];
  for (const name of group.devices) {
    list = mergeResvRegions(list, core.deviceResv.get(name) ?? []);
  }
  return list;
}

/** The `reserved_regions` file. */
export function sysfsReservedRegions(core: IommuCore, group: IommuGroup): string {
  return formatResvRegions(groupResvRegions(core, group));
}

/** The `type` file: the default domain's type, "unknown" without one. */
export function sysfsGroupType(group: IommuGroup): string {
  return `${group.defaultDomain?.type ?? 'unknown'}\n`;
}

/** Groups that exist in sysfs (have devices), by id. */
export function sysfsGroups(core: IommuCore): IommuGroup[] {
  return core.groups.groups.filter((g) => g.devices.length > 0);
}

/** An IOVA range, both ends inclusive (struct iommu_iova_range's start and last). */
export interface IovaRange {
  start: bigint;
  /** Inclusive. */
  end: bigint;
}

/**
 * iommufd's allowed IOVA ranges for a group: its domain's aperture minus every reserved region
 * except DIRECT_RELAXABLE ones (iopt_table_enforce_dev_resv_regions skips those).
 */
export function iommufdIovaRanges(core: IommuCore, group: IommuGroup): IovaRange[] {
  const domain = group.defaultDomain;
  if (domain === null) return [];
  const { apertureStart, apertureEnd } = domain.geometry;
  const holes = groupResvRegions(core, group)
    .filter((r) => r.type !== 'direct-relaxable')
    .map((r) => ({ start: r.start, end: resvRegionEnd(r) }))
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: IovaRange[] = [];
  let cursor = apertureStart;
  let done = false;
  for (const h of holes) {
    if (done || h.end < cursor) continue;
    if (h.start > apertureEnd) break;
    if (h.start > cursor) out.push({ start: cursor, end: subU64(h.start, 1n) });
    if (h.end >= apertureEnd) {
      done = true;
      break;
    }
    cursor = h.end + 1n;
  }
  if (!done && cursor <= apertureEnd) out.push({ start: cursor, end: apertureEnd });
  return out;
}
