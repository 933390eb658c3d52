// virtio-iommu (drivers/iommu/virtio-iommu.c): page sizes and input range read from the
// device's config, reserved regions from its PROBE reply (viommu_probe_endpoint), a software
// MSI window only when the device reported no MSI region (viommu_get_resv_regions).
import { U64_MAX } from '@dmasim/dma-mapping';
import type { IommuInstance } from './iommu-instance.js';
import { MSI_REGION_PROT, type ReservedRegion } from './resv-region.js';

export interface VirtioIommuOptions {
  id: string;
  /** config.page_size_mask (QEMU 7.2 on a 4 KiB target: every size from 4 KiB up). */
  pageSizeMask?: bigint;
  /** config.input_range (QEMU 7.2: the whole 64-bit space). */
  inputStart?: bigint;
  inputEnd?: bigint;
  /** What the PROBE request returns for each endpoint. */
  probedResvRegions?: ReservedRegion[];
}

/** QEMU virt's virtio-iommu reports its MSI doorbell page (0x08020000, 4 KiB) as type MSI. */
export const QEMU_VIRT_VIOMMU_RESV: readonly ReservedRegion[] = [
  { start: 0x0802_0000n, length: 0x1000n, prot: MSI_REGION_PROT, type: 'msi' },
];

export function virtioIommuInstance(opts: VirtioIommuOptions): IommuInstance {
  const mask = opts.pageSizeMask ?? U64_MAX & ~0xfffn;
  return {
    id: opts.id,
    kind: 'virtio-iommu',
    driverName: 'virtio-iommu',
    pgsizeBitmap: mask,
    geometry: {
      apertureStart: opts.inputStart ?? 0n,
      apertureEnd: opts.inputEnd ?? U64_MAX,
      forceAperture: true,
    },
    pageTable: { kind: 'intervals' },
    deferredFlush: true,
    swMsi: true,
    hwResvRegions: (opts.probedResvRegions ?? QEMU_VIRT_VIOMMU_RESV).map((r) => ({ ...r })),
    platformGrouping: 'per-device',
    contextBanks: null,
  };
}
