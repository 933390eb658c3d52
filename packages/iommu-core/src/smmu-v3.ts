// Arm SMMUv3 (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c): capabilities of its stage-1
// paging domains (arm_smmu_domain_finalise) and its resv regions (arm_smmu_get_resv_regions).
import {
  apertureForBits,
  type IommuInstance,
  lpaePgsizes,
  SZ_1G,
  SZ_2M,
  SZ_4K,
} from './iommu-instance.js';

export type SmmuGranule = '4K' | '16K' | '64K';

export interface SmmuV3Options {
  id: string;
  /** IDR5 granules the hardware has (QEMU's model: all three). */
  granules?: SmmuGranule[];
  /** The kernel's VA_BITS; stage-1 IAS is min(48 or 52 with VAX, VA_BITS). */
  vaBits?: number;
  /** IDR5.VAX: 52-bit stage-1 input. */
  vax?: boolean;
  /** Output address size (QEMU: 44 bits). */
  oas?: number;
  /** Kernel PAGE_SIZE (Debian arm64: 4 KiB). */
  cpuPageSize?: bigint;
}

/** IDR5 granule bits → the hardware pgsize bitmap the driver builds. */
export function smmuGranuleBitmap(granules: readonly SmmuGranule[]): bigint {
  let bitmap = 0n;
  for (const g of granules) {
    if (g === '4K') bitmap |= SZ_4K | SZ_2M | SZ_1G;
    if (g === '16K') bitmap |= 0x4000n | 0x200_0000n;
    if (g === '64K') bitmap |= 0x1_0000n | 0x2000_0000n;
  }
  return bitmap;
}

export function smmuV3Instance(opts: SmmuV3Options): IommuInstance {
  const hw = smmuGranuleBitmap(opts.granules ?? ['4K', '16K', '64K']);
  const { granule, bitmap } = lpaePgsizes(hw, opts.cpuPageSize ?? SZ_4K);
  const ias = Math.min(opts.vax ? 52 : 48, opts.vaBits ?? 48);
  const oas = opts.oas ?? 44;
  return {
    id: opts.id,
    kind: 'arm-smmu-v3',
    driverName: 'arm-smmu-v3',
    pgsizeBitmap: bitmap,
    geometry: apertureForBits(ias),
    pageTable: {
      kind: 'radix',
      format: {
        granuleShift: granule.toString(2).length - 1,
        ias,
        oas,
        partialBlockUnmap: 'split',
      },
    },
    deferredFlush: true,
    swMsi: true,
    hwResvRegions: [],
    platformGrouping: 'per-device',
    contextBanks: null,
  };
}
