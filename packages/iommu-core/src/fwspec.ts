import { type Device, EINVAL, type IommuFwspec } from '@dmasim/dma-mapping';

/** IOMMU_FWSPEC_PCI_RC_ATS: the root complex supports ATS (IORT ats_attribute bit 0). */
export const IOMMU_FWSPEC_PCI_RC_ATS = 1 << 0;

/**
 * iommu_fwspec_init(): attach a fwspec naming the IOMMU and its driver. A device that already has
 * one accepts another IOMMU only when the driver (the kernel compares ops) is the same, else
 * -EINVAL; the fwspec keeps naming the first IOMMU, and the later instance is remembered for
 * drivers that keep per-instance links. `hasOps` records whether the driver has registered.
 * Without a `driver`, the IOMMU node stands for its own driver.
 */
export function iommuFwspecInit(
  dev: Device,
  iommuNode: string,
  hasOps: boolean,
  driver: string = iommuNode,
): number {
  const fwspec = dev.fwspec;
  if (fwspec) {
    if ((fwspec.driver ?? fwspec.iommuNode) !== driver) return -EINVAL;
    fwspec.hasOps ||= hasOps;
    fwspec.instances ??= [fwspec.iommuNode];
    if (!fwspec.instances.includes(iommuNode)) fwspec.instances.push(iommuNode);
    return 0;
  }
  const created: IommuFwspec = {
    iommuNode,
    ids: [],
    flags: 0,
    hasOps,
    driver,
    instances: [iommuNode],
  };
  dev.fwspec = created;
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
