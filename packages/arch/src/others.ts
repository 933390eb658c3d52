import { type ArchDmaHooks, type Device, logInfo, logWarn } from '@dmasim/dma-mapping';
import { deviceDriverString } from './driver-string.js';

export interface ArcOptions {
  /** ARCv2 ISA with the IO coherency unit enabled: only then can DMA be coherent. */
  ioc?: boolean;
}

/** arch/arc/mm/dma.c: arch_setup_dma_ops(). */
export function arcHooks(options: ArcOptions = {}): ArchDmaHooks {
  const ioc = options.ioc ?? false;
  return {
    arch: 'arc',
    defaultCoherent: false,
    setupDmaOps(dev: Device, coherent: boolean): void {
      dev.dmaCoherent = ioc && coherent;
      logInfo(dev.log, `use ${dev.dmaCoherent ? '' : 'non'}coherent DMA ops`);
    },
  };
}

/** arch/mips/mm/dma-noncoherent.c: arch_setup_dma_ops() (DMA_PERDEV_COHERENT). */
export function mipsHooks(options: { defaultCoherent?: boolean } = {}): ArchDmaHooks {
  return {
    arch: 'mips',
    defaultCoherent: options.defaultCoherent ?? false,
    setupDmaOps(dev: Device, coherent: boolean): void {
      dev.dmaCoherent = coherent;
    },
  };
}

export interface RiscvOptions {
  /** riscv,cbom-block-size from the CPU nodes (0 when absent). */
  cbomBlockSize?: number;
  /** Whether cache-management operations exist (Zicbom or a vendor errata). */
  noncoherentSupported?: boolean;
}

/** ARCH_DMA_MINALIGN on riscv (L1_CACHE_BYTES). */
export const RISCV_ARCH_DMA_MINALIGN = 64;

/** arch/riscv/mm/dma-noncoherent.c: arch_setup_dma_ops(). */
export function riscvHooks(options: RiscvOptions = {}): ArchDmaHooks {
  const cbom = options.cbomBlockSize ?? 0;
  const supported = options.noncoherentSupported ?? false;
  return {
    arch: 'riscv',
    defaultCoherent: true,
    setupDmaOps(dev: Device, coherent: boolean): void {
      const who = `${deviceDriverString(dev)} ${dev.name}`;
      if (!coherent && cbom > RISCV_ARCH_DMA_MINALIGN) {
        logWarn(
          dev.log,
          `${who}: ARCH_DMA_MINALIGN smaller than riscv,cbom-block-size (${RISCV_ARCH_DMA_MINALIGN} < ${cbom})`,
        );
      }
      if (!coherent && !supported) {
        logWarn(dev.log, `${who}: device non-coherent but no non-coherent operations supported`);
      }
      dev.dmaCoherent = coherent;
    },
  };
}

/**
 * x86 and LoongArch have no arch_setup_dma_ops() (the empty stub): DMA is always cache coherent
 * there, so dev_is_dma_coherent() answers true whatever firmware says.
 */
export function stubHooks(arch: 'x86' | 'loongarch'): ArchDmaHooks {
  return {
    arch,
    defaultCoherent: true,
    setupDmaOps(dev: Device): void {
      dev.dmaCoherent = true;
    },
  };
}
