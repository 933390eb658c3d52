// The early parameters the boot reads, from one pass of iommu-core's command-line parser:
// iommu.passthrough/strict/forcedac (kstrtobool) and swiotlb= (setup_io_tlb_npages()).
import { parseSwiotlbParam, type SwiotlbParam, SwiotlbParamError } from '@dmasim/dma-direct';
import { type KernelLog, logWarn } from '@dmasim/dma-mapping';
import {
  cmdlineParams,
  type IommuCmdline,
  kstrtobool,
  parseIommuCmdline,
} from '@dmasim/iommu-core';

export interface KernelCmdline {
  /** The whole line as booted (platform file's, then the user's). */
  text: string;
  /** iommu.* as written; iommu_subsys_init() reads passthrough and strict. */
  iommu: IommuCmdline;
  /** iommu_dma_forcedac: PCI devices skip the below-4GiB first IOVA attempt. */
  forcedac: boolean;
  /** swiotlb=[N][,AREAS][,force|noforce] */
  swiotlb?: SwiotlbParam;
}

/**
 * setup_io_tlb_npages() reads digits and commas with simple_strtoul() and ignores what it does
 * not understand, so a malformed tail is dropped, not an error.
 */
function swiotlbParam(text: string): SwiotlbParam {
  try {
    return parseSwiotlbParam(text);
  } catch (e) {
    if (!(e instanceof SwiotlbParamError)) throw e;
    return parseSwiotlbParam(text.slice(0, e.offset));
  }
}

/** Parse the command line; `log` gets do_early_param()'s "Malformed early option" warnings. */
export function parseKernelCmdline(text: string, log: KernelLog): KernelCmdline {
  const iommu = parseIommuCmdline(text);
  let forcedac = false;
  if (iommu.forcedac !== undefined) {
    const v = kstrtobool(iommu.forcedac);
    if (v === null) logWarn(log, "Malformed early option 'iommu.forcedac'");
    else forcedac = v;
  }
  const out: KernelCmdline = { text: text.trim(), iommu, forcedac };
  for (const { name, value } of cmdlineParams(text)) {
    if (name === 'swiotlb' && value !== null) out.swiotlb = swiotlbParam(value);
  }
  return out;
}

/** The platform's command line, then the user's (later words win, as on a real boot line). */
export function joinCmdlines(...lines: (string | undefined)[]): string {
  return lines
    .filter((l): l is string => !!l && l.trim() !== '')
    .map((l) => l.trim())
    .join(' ');
}
