// mm init: memblock from the firmware's RAM and reservations, then zone_sizes_init(), the CMA
// reservation and swiotlb_init() (dma-direct's createPlatform() runs them in that order).
import { acpiIortDmaGetMaxCpuAddress } from '@dmasim/acpi-iort';
import { createPlatform, type DirectPlatform, type SwiotlbParam } from '@dmasim/dma-direct';
import type { ArchName, KernelLog, KernelRelease } from '@dmasim/dma-mapping';
import { type OfContext, readMemoryBanks } from '@dmasim/of';
import { acpiMemoryInput } from './acpi-memory.js';
import { countCpus, dtMemoryInput, type FirmwareReservation } from './dt-memory.js';
import type { Firmware, MemoryRange } from './firmware.js';

export interface MemoryBoot {
  /** Null when neither the firmware nor the platform gives any RAM. */
  memory: DirectPlatform | null;
  /** num_possible_cpus() */
  cpus: number;
  /** memblock reservations firmware asked for: /memreserve/, reserved-memory (CMA included). */
  reserved: FirmwareReservation[];
}

/**
 * Boot the memory side of the machine; `log` gets the early boot lines in order. A device tree's
 * RAM is its /memory (the bootloader's, when the platform gives it); ACPI's is `platformMemory`,
 * the UEFI memory map.
 */
export interface MemoryBootOptions {
  arch: ArchName;
  /** Zone and swiotlb sizing, and address translation for the DMA limit. */
  kernel: KernelRelease;
  /** ACPI: the UEFI memory map. */
  platformMemory: readonly MemoryRange[] | undefined;
  swiotlb: SwiotlbParam | undefined;
  log: KernelLog;
  /** Device tree: the tree's OF context, when the caller has made it. */
  ofContext?: OfContext;
}

export function bootMemory(firmware: Firmware, options: MemoryBootOptions): MemoryBoot {
  const { arch, kernel, platformMemory, swiotlb, log, ofContext } = options;
  if (firmware.kind === 'device-tree') {
    const cpus = countCpus(firmware.tree);
    if (readMemoryBanks(firmware.tree).length === 0) return { memory: null, cpus, reserved: [] };
    const {
      input,
      log: scanLog,
      reservations,
    } = dtMemoryInput(firmware.tree, {
      arch,
      cpus,
      kernel,
      ...(swiotlb ? { swiotlb } : {}),
      ...(ofContext ? { ofContext } : {}),
    });
    return { memory: started(createPlatform(input), scanLog, log), cpus, reserved: reservations };
  }
  if (!platformMemory || platformMemory.length === 0) {
    // Still evaluate the IORT limits: their warnings are boot messages either way.
    acpiIortDmaGetMaxCpuAddress(arch === 'arm64' ? firmware.iort : null, log);
    return { memory: null, cpus: 1, reserved: [] };
  }
  const input = acpiMemoryInput(
    firmware.iort,
    platformMemory,
    { arch, kernel, ...(swiotlb ? { swiotlb } : {}) },
    log,
  );
  return { memory: started(createPlatform(input), [], log), cpus: input.cpus ?? 1, reserved: [] };
}

function started(plat: DirectPlatform, scanLog: string[], log: KernelLog): DirectPlatform {
  plat.bootLog.unshift(...scanLog);
  for (const msg of plat.bootLog) log.push({ level: 'info', msg });
  return plat;
}
