// A booted machine as dma-direct sees it: memory layout and zones, early reservations (DT
// reserved-memory, CMA via dma_contiguous_reserve(), the swiotlb pool), the page allocator and
// the counters. Built in the kernel's boot order.

import type { ArchName, Device, KernelRelease } from '@dmasim/dma-mapping';
import { DmasimError, hex, hex64 } from '@dmasim/dma-mapping';
import { createMemblock, freeRanges, type Memblock, memblockAlloc } from './memblock.js';
import {
  computeMemoryLayout,
  formatZoneRanges,
  type MemoryLayout,
  type RamBank,
} from './memory-zones.js';
import {
  type CmaArea,
  createCmaArea,
  createPageAllocator,
  type PageAllocator,
} from './page-alloc.js';
import { createStats, type DmaStats } from './stats.js';
import {
  bootDefaultSwiotlb,
  createRestrictedPool,
  type RestrictedPoolRegion,
  type SwiotlbParam,
} from './swiotlb.js';
import type { SwiotlbMem } from './swiotlb-pool.js';

/** Kernel configuration and CPU facts dma-direct depends on. */
export interface DmaDirectConfig {
  /** CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC */
  bounceUnalignedKmalloc: boolean;
  /** dma_get_cache_alignment() */
  cacheLineSize: number;
  /** ARCH_DMA_MINALIGN */
  archDmaMinalign: number;
  /** CONFIG_DMA_DIRECT_REMAP: non-coherent coherent allocations get an uncached remap. */
  dmaDirectRemap: boolean;
  /** CONFIG_ARCH_HAS_DMA_SET_UNCACHED */
  archHasSetUncached: boolean;
  /** Hand out the top of a zone first (true) or the bottom. */
  pagesTopDown: boolean;
}

/** Debian's configs for each architecture, as far as dma-direct cares. */
export function defaultDirectConfig(arch: ArchName): DmaDirectConfig {
  const base = {
    bounceUnalignedKmalloc: false,
    cacheLineSize: 64,
    archDmaMinalign: 64,
    dmaDirectRemap: false,
    archHasSetUncached: false,
    pagesTopDown: true,
  };
  switch (arch) {
    case 'arm64':
      return { ...base, bounceUnalignedKmalloc: true, archDmaMinalign: 128, dmaDirectRemap: true };
    case 'riscv':
      return { ...base, dmaDirectRemap: true };
    case 'arm':
      return { ...base, dmaDirectRemap: true };
    default:
      return base;
  }
}

export interface DirectPlatform {
  memory: MemoryLayout;
  memblock: Memblock;
  /** io_tlb_default_mem (pool null when swiotlb was not set up). */
  swiotlb: SwiotlbMem;
  /** restricted-dma-pool io_tlb_mems by reserved-memory node path. */
  restrictedPools: Map<string, SwiotlbMem>;
  pages: PageAllocator;
  /** dma_contiguous_default_area */
  cma: CmaArea | null;
  config: DmaDirectConfig;
  stats: DmaStats;
  /** raw_smp_processor_id() for swiotlb area selection. */
  cpu: number;
  /** Boot messages (pr_info) in order. */
  bootLog: string[];
}

export interface PlatformInput {
  arch: ArchName;
  banks: RamBank[];
  /** min(of_dma_get_max_cpu_address(), acpi_iort_dma_get_max_cpu_address()); arm64 only. */
  firmwareDmaLimit?: bigint;
  /** The kernel release (zone sizing, swiotlb sizing); default 6.12. */
  kernel?: KernelRelease;
  /** memblock reservations made before the DMA setup: kernel image, /memreserve/, no-map regions. */
  reserved?: RamBank[];
  restrictedPools?: RestrictedPoolRegion[];
  /** A DT `linux,cma-default` region: it replaces the Kconfig/command-line CMA area. */
  cmaRegion?: RamBank;
  /** CONFIG_CMA_SIZE_MBYTES or cma=: the default CMA area's size (0 for none). */
  cmaBytes?: bigint;
  swiotlb?: SwiotlbParam;
  /** num_possible_cpus() */
  cpus?: number;
  config?: Partial<DmaDirectConfig>;
}

/** CMA_MIN_ALIGNMENT_BYTES with 4 KiB pages (pageblock_order 9). */
const CMA_MIN_ALIGNMENT = 2n << 20n;
const SZ_4G = 1n << 32n;

/** dma_contiguous_reserve(limit) → cma_declare_contiguous_nid(): place the default CMA area. */
function reserveDefaultCma(
  mb: Memblock,
  size: bigint,
  limit: bigint,
  log: string[],
): CmaArea | null {
  const aligned = ((size + CMA_MIN_ALIGNMENT - 1n) / CMA_MIN_ALIGNMENT) * CMA_MIN_ALIGNMENT;
  let base: bigint | null = null;
  // Prefer memory above 4 GiB, bottom-up, when the limit allows: keeps DMA zones free.
  if (limit >= SZ_4G + aligned)
    base = memblockAlloc(mb, aligned, CMA_MIN_ALIGNMENT, SZ_4G, limit, true);
  if (base === null) base = memblockAlloc(mb, aligned, CMA_MIN_ALIGNMENT, 0n, limit);
  if (base === null) {
    log.push(`cma: Failed to reserve ${aligned >> 20n} MiB`);
    return null;
  }
  log.push(`cma: Reserved ${aligned >> 20n} MiB at ${hex64(base)} on node -1`);
  return createCmaArea(base, aligned);
}

/** Boot the DMA side of a machine. */
export function createPlatform(input: PlatformInput): DirectPlatform {
  const memory = computeMemoryLayout(input);
  const config = { ...defaultDirectConfig(input.arch), ...input.config };
  const bootLog: string[] = [...formatZoneRanges(memory)];
  const reserved = [...(input.reserved ?? [])];
  for (const r of input.restrictedPools ?? []) reserved.push({ start: r.base, size: r.size });
  if (input.cmaRegion) reserved.push(input.cmaRegion);
  const memblock = createMemblock(memory.banks, reserved);

  const restrictedPools = new Map<string, SwiotlbMem>();
  for (const r of input.restrictedPools ?? []) {
    const mem = createRestrictedPool(r, bootLog);
    if (mem) restrictedPools.set(r.path, mem);
  }

  let cma: CmaArea | null = null;
  if (input.cmaRegion) {
    cma = createCmaArea(input.cmaRegion.start, input.cmaRegion.size);
    bootLog.push(
      `Reserved memory: created CMA memory pool at ${hex64(input.cmaRegion.start)}, size ${input.cmaRegion.size >> 20n} MiB`,
    );
  } else if (input.cmaBytes && input.cmaBytes > 0n) {
    const limit = input.arch === 'arm64' ? memory.dmaPhysLimit : memory.endOfDram;
    cma = reserveDefaultCma(memblock, input.cmaBytes, limit, bootLog);
  }

  const boot = bootDefaultSwiotlb({
    layout: memory,
    memblock,
    param: input.swiotlb,
    cpus: input.cpus ?? 1,
    bounceUnalignedKmalloc: config.bounceUnalignedKmalloc,
    ...(input.kernel ? { kernel: input.kernel } : {}),
  });
  bootLog.push(...boot.log);

  // Whatever memblock did not reserve goes to the page allocator; CMA pages stay with CMA.
  const pages = createPageAllocator(memory, freeRanges(memblock), config.pagesTopDown);
  return {
    memory,
    memblock,
    swiotlb: boot.mem,
    restrictedPools,
    pages,
    cma,
    config,
    stats: createStats(),
    cpu: 0,
    bootLog,
  };
}

/** A device names a restricted pool the platform does not have. */
export class RestrictedPoolError extends DmasimError {
  static override readonly code: string = 'RESTRICTED_POOL_MISSING';
  override name = 'RestrictedPoolError';
  constructor(
    readonly device: string,
    readonly poolPath: string,
  ) {
    super(`${device}: restricted-dma-pool ${poolPath} is not set up on this platform`);
  }
}

/** dev->dma_io_tlb_mem */
export function swiotlbMemOf(plat: DirectPlatform, dev: Device): SwiotlbMem {
  if (dev.restrictedPool === null) return plat.swiotlb;
  const mem = plat.restrictedPools.get(dev.restrictedPool);
  if (!mem) throw new RestrictedPoolError(dev.name, dev.restrictedPool);
  return mem;
}

/** One-line summary of a pool, for reports. */
export function describeSwiotlb(mem: SwiotlbMem): string {
  const p = mem.pool;
  return p
    ? `${mem.name}: ${p.nslabs} slots at ${hex(p.start)}-${hex(p.end - 1n)}, ${p.nareas} areas`
    : `${mem.name}: none`;
}
