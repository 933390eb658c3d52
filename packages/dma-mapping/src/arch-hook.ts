import type { Device } from './device.js';
import type { KernelLog } from './log.js';

export type ArchName = 'arm64' | 'arm' | 'arc' | 'loongarch' | 'mips' | 'riscv' | 'x86';

/**
 * The pre-6.10 hook's extra arguments: the DMA window, and whether the device is behind an IOMMU
 * (6.7's iommu_ops argument; 6.8/6.9's device_iommu_mapped()).
 */
export interface LegacyArchArgs {
  dmaBase: bigint;
  size: bigint;
  iommu: boolean;
}

/**
 * arch_setup_dma_ops() as an injected hook: firmware code (OF, ACPI) calls it without knowing the
 * architecture. From 6.10 it takes (dev, coherent); before, `legacy` carries base/size/iommu.
 */
export interface ArchDmaHooks {
  arch: ArchName;
  /** dma_default_coherent: what of_dma_is_coherent() answers when firmware says nothing. */
  defaultCoherent: boolean;
  setupDmaOps(dev: Device, coherent: boolean, legacy?: LegacyArchArgs): void;
}

export type { KernelLog };
