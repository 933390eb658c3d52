// The kernel command line options dmasim models.

import { parseSwiotlbParam, type SwiotlbParam, SwiotlbParamError } from '@dmasim/dma-direct';
import { DmasimError } from '@dmasim/dma-mapping';

export interface KernelCmdline {
  /** iommu.passthrough=1: identity default domains. */
  iommuPassthrough?: boolean;
  /** iommu.strict=0|1: lazy (DMA-FQ) or strict invalidation. */
  iommuStrict?: boolean;
  /** iommu.forcedac=1: PCI devices skip the below-4GiB first attempt. */
  iommuForceDac?: boolean;
  /** swiotlb=N: the default pool's slot count. */
  swiotlbSlabs?: number;
  /** swiotlb=[N][,AREAS][,force|noforce] as setup_io_tlb_npages() reads it. */
  swiotlb?: SwiotlbParam;
}

export class CmdlineError extends DmasimError {
  static override readonly code: string = 'DMASIM_CMDLINE';
  override name = 'CmdlineError';
}

// kstrtobool(): 1/y/Y/on and 0/n/N/off.
function parseBool(name: string, value: string): boolean {
  if (/^(1|y|yes|on|true)$/i.test(value)) return true;
  if (/^(0|n|no|off|false)$/i.test(value)) return false;
  throw new CmdlineError(`${name}=${value}: not a boolean`);
}

/** Parse "iommu.strict=0 swiotlb=65536 ..."; options dmasim does not model are ignored. */
export function parseCmdline(text: string, base: KernelCmdline = {}): KernelCmdline {
  const out: KernelCmdline = { ...base };
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    const value = eq < 0 ? '' : word.slice(eq + 1);
    switch (name) {
      case 'iommu.passthrough':
        out.iommuPassthrough = parseBool(name, value);
        break;
      case 'iommu.strict':
        out.iommuStrict = parseBool(name, value);
        break;
      case 'iommu.forcedac':
        out.iommuForceDac = parseBool(name, value);
        break;
      case 'swiotlb': {
        try {
          out.swiotlb = parseSwiotlbParam(value);
        } catch (e) {
          if (e instanceof SwiotlbParamError)
            throw new CmdlineError(`swiotlb=${value}: ${e.message}`);
          throw e;
        }
        if (out.swiotlb.nslabs !== undefined) out.swiotlbSlabs = out.swiotlb.nslabs;
        break;
      }
    }
  }
  return out;
}
