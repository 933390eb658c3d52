// An IOMMU instance as the core sees it after its driver's probe (struct iommu_device plus the
// capabilities of the domains its driver allocates), and the drivers' get_resv_regions().
import type { DomainGeometry, PageTableSpec } from './domain.js';
import {
  MSI_IOVA_BASE,
  MSI_IOVA_LENGTH,
  MSI_REGION_PROT,
  type ReservedRegion,
} from './resv-region.js';

export type IommuDriverKind =
  | 'arm-smmu-v3'
  | 'arm-smmu'
  | 'virtio-iommu'
  | 'intel-vtd'
  | 'amd-vi'
  | 'generic';

export interface IommuInstance {
  /** The firmware node id devices name in their fwspec (DT path or "iort@0x..."). */
  id: string;
  kind: IommuDriverKind;
  /** The driver's name as it prints it, e.g. "arm-smmu-v3". */
  driverName: string;
  /** pgsize_bitmap of the paging domains it allocates. */
  pgsizeBitmap: bigint;
  /** Geometry of its paging domains. */
  geometry: DomainGeometry;
  pageTable: PageTableSpec;
  /** IOMMU_CAP_DEFERRED_FLUSH: DMA-FQ (lazy) default domains are possible. */
  deferredFlush: boolean;
  /** Adds the software-managed MSI window (MSI_IOVA_BASE + MSI_IOVA_LENGTH) to every device. */
  swMsi: boolean;
  /** Regions the hardware reports for every endpoint (virtio-iommu probe, x86 MSI/HT ranges). */
  hwResvRegions: ReservedRegion[];
  /**
   * device_group() for non-PCI devices: one group each (generic_device_group), one group for
   * every device of the instance (mtk, sun50i), or shared by devices whose stream IDs collide
   * (arm-smmu's stream-map entries).
   */
  platformGrouping: 'per-device' | 'per-instance' | 'by-stream-id';
  /** SMMUv1/v2 context banks: one per paging domain; null where unlimited. */
  contextBanks: number | null;
  /**
   * The driver keeps per-instance state for its masters: exynos_iommu_of_xlate() puts every
   * instance a master names on the master's controller list and points the instance's `master`
   * at it; probe_device() answers with the first instance.
   */
  linksMasters?: true;
}

/**
 * The driver's get_resv_regions() for one device: the instance's own regions (software MSI
 * window, or what the hardware reports) followed by the firmware's regions for that device
 * (IORT RMR, DT reserved-memory iommu-addresses, RMRR/IVMD), as iommu_dma_get_resv_regions()
 * appends them. virtio-iommu adds the software MSI window only when the device reported no MSI
 * region.
 */
export function deviceResvRegions(
  instance: IommuInstance,
  firmwareRegions: readonly ReservedRegion[],
): ReservedRegion[] {
  const regions: ReservedRegion[] = instance.hwResvRegions.map((r) => ({ ...r }));
  const hasHwMsi = regions.some((r) => r.type === 'msi');
  if (instance.swMsi && !(instance.kind === 'virtio-iommu' && hasHwMsi)) {
    regions.push({
      start: MSI_IOVA_BASE,
      length: MSI_IOVA_LENGTH,
      prot: MSI_REGION_PROT,
      type: 'sw-msi',
    });
  }
  // The vendor drivers modelled as 'generic' have no iommu_dma_get_resv_regions() call, so no
  // firmware regions reach them.
  if (instance.kind === 'generic') return regions;
  for (const r of firmwareRegions) regions.push({ ...r });
  return regions;
}

/** geometry for an aperture of `bits` input address bits starting at 0 (force_aperture set). */
export function apertureForBits(bits: number): DomainGeometry {
  return { apertureStart: 0n, apertureEnd: (1n << BigInt(bits)) - 1n, forceAperture: true };
}

/**
 * arm_lpae_restrict_pgsizes(): keep the granule equal to the CPU page size when the hardware
 * has it, else the largest smaller one, else the smallest larger one, with its block sizes.
 */
export function lpaePgsizes(
  hwBitmap: bigint,
  cpuPageSize: bigint,
): { granule: bigint; bitmap: bigint } {
  const pageMask = ~(cpuPageSize - 1n);
  let granule: bigint;
  if ((hwBitmap & cpuPageSize) !== 0n) granule = cpuPageSize;
  else if ((hwBitmap & ~pageMask) !== 0n) {
    const below = hwBitmap & ~pageMask;
    granule = 1n << BigInt(below.toString(2).length - 1);
  } else {
    const above = hwBitmap & pageMask;
    granule = above & -above;
  }
  const blocks: Record<string, bigint> = {
    [0x1000n.toString()]: 0x1000n | 0x20_0000n | 0x4000_0000n,
    [0x4000n.toString()]: 0x4000n | 0x200_0000n,
    [0x1_0000n.toString()]: 0x1_0000n | 0x2000_0000n,
  };
  return { granule, bitmap: hwBitmap & (blocks[granule.toString()] ?? granule) };
}

export const SZ_4K = 0x1000n;
export const SZ_2M = 0x20_0000n;
export const SZ_1G = 0x4000_0000n;
