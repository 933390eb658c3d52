import {
  type ArchDmaHooks,
  addU64,
  type Device,
  type LegacyArchArgs,
  logWarn,
  subU64,
} from '@dmasim/dma-mapping';
import { deviceDriverString } from './driver-string.js';

/** ARCH_DMA_MINALIGN on arm64: the largest cache writeback granule the kernel was built for. */
export const ARM64_ARCH_DMA_MINALIGN = 128;

export interface Arm64Options {
  /** cache_line_size_of_cpu(): CTR_EL0.CWG in bytes (64 on most cores). */
  cacheLineSize?: number;
  /** 6.7 only: called when the hook was handed an IOMMU (iommu_setup_dma_ops(dev, base, limit)). */
  legacyIommuSetup?: (dev: Device, dmaBase: bigint, dmaLimit: bigint) => void;
}

/** arch/arm64/mm/dma-mapping.c: arch_setup_dma_ops(). */
export function arm64Hooks(options: Arm64Options = {}): ArchDmaHooks {
  const cacheLineSize = options.cacheLineSize ?? 64;
  return {
    arch: 'arm64',
    defaultCoherent: false,
    setupDmaOps(dev: Device, coherent: boolean, legacy?: LegacyArchArgs): void {
      // A non-coherent device with a CWG above the build's minimum alignment risks corruption.
      if (!coherent && cacheLineSize > ARM64_ARCH_DMA_MINALIGN) {
        logWarn(
          dev.log,
          `${deviceDriverString(dev)} ${dev.name}: ARCH_DMA_MINALIGN smaller than CTR_EL0.CWG (${ARM64_ARCH_DMA_MINALIGN} < ${cacheLineSize})`,
        );
      }
      dev.dmaCoherent = coherent;
      // 6.7: the arch hook set up iommu-dma itself; 6.10 leaves that to the IOMMU core.
      if (legacy?.iommu && options.legacyIommuSetup) {
        options.legacyIommuSetup(
          dev,
          legacy.dmaBase,
          subU64(addU64(legacy.dmaBase, legacy.size), 1n),
        );
      }
    },
  };
}
