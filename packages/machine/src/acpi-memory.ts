// The memory an ACPI machine boots with: RAM from the UEFI memory map (efi_init() adds its
// conventional-memory ranges to memblock) and the firmware DMA limit from the IORT
// (acpi_iort_dma_get_max_cpu_address()).
import { acpiIortDmaGetMaxCpuAddress, type IortTable } from '@dmasim/acpi-iort';
import { normalizeBanks, type PlatformInput, type SwiotlbParam } from '@dmasim/dma-direct';
import { type ArchName, type KernelLog, type KernelRelease, U64_MAX } from '@dmasim/dma-mapping';
import { defaultCmaBytes } from './dt-memory.js';
import type { MemoryRange } from './firmware.js';

export interface AcpiMemoryOptions {
  arch: ArchName;
  kernel?: KernelRelease;
  swiotlb?: SwiotlbParam;
  /** num_possible_cpus() (the MADT's GICC entries); default 1. */
  cpus?: number;
}

/** The dma-direct platform description of an ACPI machine. */
export function acpiMemoryInput(
  iort: IortTable | null,
  memory: readonly MemoryRange[],
  options: AcpiMemoryOptions,
  log: KernelLog,
): PlatformInput {
  const input: PlatformInput = {
    arch: options.arch,
    banks: normalizeBanks(memory.map((m) => ({ start: m.start, size: m.size }))),
    // CONFIG_ACPI_IORT is arm64-only: elsewhere the table is never parsed.
    firmwareDmaLimit: options.arch === 'arm64' ? acpiIortDmaGetMaxCpuAddress(iort, log) : U64_MAX,
    cmaBytes: defaultCmaBytes(options.arch),
    cpus: options.cpus ?? 1,
  };
  if (options.swiotlb) input.swiotlb = options.swiotlb;
  if (options.kernel) input.kernel = options.kernel;
  return input;
}
