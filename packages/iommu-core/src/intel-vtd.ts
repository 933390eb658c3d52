// Intel VT-d (drivers/iommu/intel/iommu.c): second-level tables of 3/4/5 levels for 39/48/57
// address bits, super pages 2M/1G, the IOAPIC/MSI range reserved (intel_iommu_get_resv_regions);
// RMRRs come in as the device's firmware regions.
import { apertureForBits, type IommuInstance, SZ_1G, SZ_2M, SZ_4K } from './iommu-instance.js';

export interface IntelVtdOptions {
  id: string;
  addressWidth?: 39 | 48 | 57;
  /** CAP.SLLPS: 2M and 1G super pages. */
  superPages?: { '2M': boolean; '1G': boolean };
}

export const IOAPIC_RANGE_START = 0xfee0_0000n;
export const IOAPIC_RANGE_END = 0xfeef_ffffn;

export function intelVtdInstance(opts: IntelVtdOptions): IommuInstance {
  const aw = opts.addressWidth ?? 48;
  const sp = opts.superPages ?? { '2M': true, '1G': true };
  const bitmap = SZ_4K | (sp['2M'] ? SZ_2M : 0n) | (sp['1G'] ? SZ_1G : 0n);
  return {
    id: opts.id,
    kind: 'intel-vtd',
    driverName: 'DMAR',
    pgsizeBitmap: bitmap,
    geometry: apertureForBits(aw),
    pageTable: {
      kind: 'radix',
      format: { granuleShift: 12, ias: aw, oas: 52, partialBlockUnmap: 'whole' },
    },
    deferredFlush: true,
    swMsi: false,
    hwResvRegions: [
      {
        start: IOAPIC_RANGE_START,
        length: IOAPIC_RANGE_END - IOAPIC_RANGE_START + 1n,
        prot: 0,
        type: 'msi',
      },
    ],
    platformGrouping: 'per-device',
    contextBanks: null,
  };
}
