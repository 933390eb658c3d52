import type { Device } from './device.js';
import type { KernelLog } from './log.js';

export type ArchName = 'arm64' | 'arm' | 'arc' | 'loongarch' | 'mips' | 'riscv' | 'x86';

/** Which kernel's semantics to model: 6.10 (after the series) or 6.7 (before it). */
export type KernelVersion = '6.10' | '6.7';

/** The 6.7 hook's extra arguments: the DMA window and whether an IOMMU was found. */
export interface LegacyArchArgs {
  dmaBase: bigint;
  size: bigint;
  iommu: boolean;
}

/**
 * arch_setup_dma_ops() as an injected hook: firmware code (OF, ACPI) calls it without knowing the
 * architecture. In 6.10 it takes (dev, coherent); `legacy` carries 6.7's base/size/iommu.
 */
export interface ArchDmaHooks {
  arch: ArchName;
  /** dma_default_coherent: what of_dma_is_coherent() answers when firmware says nothing. */
  defaultCoherent: boolean;
  setupDmaOps(dev: Device, coherent: boolean, legacy?: LegacyArchArgs): void;
}

export type { KernelLog };
