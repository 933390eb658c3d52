import { type Device, EINVAL, type IommuFwspec } from '@dmasim/dma-mapping';

/** IOMMU_FWSPEC_PCI_RC_ATS: the root complex supports ATS (IORT ats_attribute bit 0). */
export const IOMMU_FWSPEC_PCI_RC_ATS = 1 << 0;

/**
 * iommu_fwspec_init(): attach a fwspec naming the IOMMU. A second call succeeds only when it names
 * the same IOMMU; `hasOps` records whether that IOMMU's driver has registered yet.
 */
export function iommuFwspecInit(dev: Device, iommuNode: string, hasOps: boolean): number {
  if (dev.fwspec) {
    if (dev.fwspec.iommuNode !== iommuNode) return -EINVAL;
    dev.fwspec.hasOps ||= hasOps;
    return 0;
  }
  const fwspec: IommuFwspec = { iommuNode, ids: [], flags: 0, hasOps };
  dev.fwspec = fwspec;
  return 0;
}

/** iommu_fwspec_add_ids(): append stream/requester IDs to the device's fwspec. */
export function iommuFwspecAddIds(dev: Device, ids: readonly number[]): number {
  if (!dev.fwspec) return -EINVAL;
  dev.fwspec.ids.push(...ids);
  return 0;
}

/** iommu_fwspec_free(): drop the fwspec, as the retry after a deferral does. */
export function iommuFwspecFree(dev: Device): void {
  dev.fwspec = null;
}
