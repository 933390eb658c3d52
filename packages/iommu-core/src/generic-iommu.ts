// Vendor IOMMUs dmasim does not model in detail (mediatek, rockchip, exynos sysmmu, tegra-smmu,
// sun50i): 4 KiB pages, a 32-bit aperture, no reserved regions, no flush queue.
import { apertureForBits, type IommuInstance, SZ_4K } from './iommu-instance.js';

export interface GenericIommuOptions {
  id: string;
  driverName: string;
  /** mtk and sun50i put every device of an instance into one group. */
  groupPerInstance?: boolean;
  /** exynos-sysmmu: each instance a master names is linked to it (sysmmu_drvdata->master). */
  linksMasters?: boolean;
}

export function genericIommuInstance(opts: GenericIommuOptions): IommuInstance {
  return {
    id: opts.id,
    kind: 'generic',
    driverName: opts.driverName,
    pgsizeBitmap: SZ_4K,
    geometry: apertureForBits(32),
    pageTable: {
      kind: 'radix',
      format: { granuleShift: 12, ias: 32, oas: 40, partialBlockUnmap: 'split' },
    },
    deferredFlush: false,
    swMsi: false,
    hwResvRegions: [],
    platformGrouping: opts.groupPerInstance ? 'per-instance' : 'per-device',
    contextBanks: null,
    ...(opts.linksMasters ? { linksMasters: true as const } : {}),
  };
}
