// Arm SMMU v1/v2 and MMU-400/401/500 (drivers/iommu/arm/arm-smmu/arm-smmu.c): stage-1 context
// banks (arm_smmu_init_domain_context), SW MSI window, stream-map sharing of groups.
import { apertureForBits, type IommuInstance, lpaePgsizes, SZ_4K } from './iommu-instance.js';
import { type SmmuGranule, smmuGranuleBitmap } from './smmu-v3.js';

export type ArmSmmuModel =
  | 'smmu-v1'
  | 'smmu-v2'
  | 'mmu-400'
  | 'mmu-401'
  | 'mmu-500'
  | 'cavium-smmu-v2';

export interface ArmSmmuOptions {
  id: string;
  model: ArmSmmuModel;
  /** ID1.NUMCB: context banks (each paging domain takes one). */
  contextBanks?: number;
  /** ID2.UBS (v2): upstream bus size, the stage-1 input size. */
  vaBits?: number;
  /** ID2.OAS / IAS. */
  ipaBits?: number;
  granules?: SmmuGranule[];
  cpuPageSize?: bigint;
}

export function armSmmuVersion(model: ArmSmmuModel): 1 | 2 {
  return model === 'smmu-v1' || model === 'mmu-400' || model === 'mmu-401' ? 1 : 2;
}

export function armSmmuInstance(opts: ArmSmmuOptions): IommuInstance {
  const v1 = armSmmuVersion(opts.model) === 1;
  const ipa = opts.ipaBits ?? (v1 ? 40 : 48);
  // SMMUv1 stage 1 uses the AArch32 long-descriptor format: 32-bit input.
  const ias = v1 ? 32 : (opts.vaBits ?? 48);
  const hw = smmuGranuleBitmap(opts.granules ?? (v1 ? ['4K'] : ['4K', '64K']));
  const { granule, bitmap } = lpaePgsizes(hw, opts.cpuPageSize ?? SZ_4K);
  return {
    id: opts.id,
    kind: 'arm-smmu',
    driverName: 'arm-smmu',
    pgsizeBitmap: bitmap,
    geometry: apertureForBits(ias),
    pageTable: {
      kind: 'radix',
      format: {
        granuleShift: granule.toString(2).length - 1,
        ias,
        oas: ipa,
        partialBlockUnmap: 'split',
      },
    },
    deferredFlush: true,
    swMsi: true,
    hwResvRegions: [],
    platformGrouping: 'by-stream-id',
    contextBanks: opts.contextBanks ?? 8,
  };
}
