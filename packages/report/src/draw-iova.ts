// An IOMMU group's IOVA space: what VFIO/iommufd may use, what the DMA API allocates from, and the
// reserved regions and holes between them.
import { type Lane, laneFigure } from './lanes.js';
import type { ViewIommuGroup } from './platform-view.js';
import { parseRange } from './u64-range.js';

/** Restrictions only the DMA API honours are the holes VFIO users may still map. */
export function restrictionClass(views: readonly string[]): string {
  if (views.length === 1 && views[0] === 'dma-api') return 'resv dma-api-only';
  if (views.length === 1 && views[0] === 'vfio') return 'resv vfio-only';
  return 'resv both';
}

export function iovaLanes(group: ViewIommuGroup): Lane[] {
  const lanes: Lane[] = [
    {
      name: 'VFIO / iommufd',
      items: group.vfio.map((r) => ({ range: parseRange(r), label: 'usable', cls: 'usable-vfio' })),
    },
  ];
  if (group.dmaApi) {
    lanes.push({
      name: 'DMA API',
      items: group.dmaApi.map((r) => ({
        range: parseRange(r),
        label: 'usable',
        cls: 'usable-dma',
      })),
    });
  }
  lanes.push({
    name: 'reserved / holes',
    items: group.restrictions.map((r) => ({
      range: parseRange(r),
      label: r.kind,
      note: `restricts: ${r.views.join(', ')}`,
      cls: restrictionClass(r.views),
      data: { 'data-kind': r.kind },
    })),
  });
  return lanes;
}

export function drawIovaSpace(group: ViewIommuGroup): string {
  return laneFigure(`iova-group-${group.id}`, iovaLanes(group));
}
