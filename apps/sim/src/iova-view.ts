// Per IOMMU group, the IOVA ranges VFIO/iommufd and the DMA API may use, and every restriction
// between them (shared by `dmasim iommu iova-ranges` and the report).
import { usableRangesForDevice } from '@dmasim/dma-iommu';
import { hex } from '@dmasim/dma-mapping';
import { groupResvRegions, iommufdIovaRanges, sysfsGroups } from '@dmasim/iommu-core';
import type { Machine } from '@dmasim/machine';

export interface GroupIovaView {
  id: number;
  devices: string[];
  vfio: { start: string; end: string }[];
  dmaApi: { start: string; end: string }[] | null;
  restrictions: { start: string; end: string; kind: string; views: string[] }[];
}

export function groupIovaViews(machine: Machine): GroupIovaView[] {
  return sysfsGroups(machine.iommu).map((g) => {
    const resv = groupResvRegions(machine.iommu, g);
    const member = machine.devices.find((d) => d.group === g && d.dmaIommu);
    const dmaApi = member?.dmaIommu ? usableRangesForDevice(member.dmaIommu, resv) : null;
    const range = (r: { start: bigint; end: bigint }) => ({ start: hex(r.start), end: hex(r.end) });
    return {
      id: g.id,
      devices: [...g.devices],
      vfio: iommufdIovaRanges(machine.iommu, g).map(range),
      dmaApi: dmaApi ? dmaApi.dmaApi.map(range) : null,
      restrictions: dmaApi
        ? dmaApi.restrictions.map((r) => ({ ...range(r), kind: r.kind, views: [...r.views] }))
        : [],
    };
  });
}
