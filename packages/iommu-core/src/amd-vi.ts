// AMD-Vi (drivers/iommu/amd/iommu.c): the MSI range 0xfee00000–0xfeefffff and, unless the
// hardware ignores it, the HyperTransport range reserved (amd_iommu_get_resv_regions); IVMD
// ranges come in as the device's firmware regions.
import { apertureForBits, type IommuInstance, SZ_1G, SZ_2M, SZ_4K } from './iommu-instance.js';

export interface AmdViOptions {
  id: string;
  addressWidth?: 39 | 48 | 57;
  /** Reserve 0xfd_0000_0000–0xff_ffff_ffff (false where the HT range is ignored). */
  htRange?: boolean;
}

export const AMD_MSI_RANGE_START = 0xfee0_0000n;
export const AMD_MSI_RANGE_END = 0xfeef_ffffn;
export const AMD_HT_RANGE_START = 0xfd_0000_0000n;
export const AMD_HT_RANGE_END = 0xff_ffff_ffffn;

export function amdViInstance(opts: AmdViOptions): IommuInstance {
  const aw = opts.addressWidth ?? 48;
  const hwResvRegions: IommuInstance['hwResvRegions'] = [
    {
      start: AMD_MSI_RANGE_START,
      length: AMD_MSI_RANGE_END - AMD_MSI_RANGE_START + 1n,
      prot: 0,
      type: 'msi',
    },
  ];
  if (opts.htRange ?? true) {
    hwResvRegions.push({
      start: AMD_HT_RANGE_START,
      length: AMD_HT_RANGE_END - AMD_HT_RANGE_START + 1n,
      prot: 0,
      type: 'reserved',
    });
  }
  return {
    id: opts.id,
    kind: 'amd-vi',
    driverName: 'AMD-Vi',
    pgsizeBitmap: SZ_4K | SZ_2M | SZ_1G,
    geometry: apertureForBits(aw),
    pageTable: {
      kind: 'radix',
      format: { granuleShift: 12, ias: aw, oas: 52, partialBlockUnmap: 'whole' },
    },
    deferredFlush: true,
    swMsi: false,
    hwResvRegions,
    platformGrouping: 'per-device',
    contextBanks: null,
  };
}
