// Physical memory and its zones: arm64 zone_sizes_init()/max_zone_phys() per kernel release
// (zone_dma_bits before 6.12, zone_dma_limit from 6.12), x86 zone_sizes_init(), riscv/loongarch
// ZONE_DMA32, and free_area_init()'s zone span rule.

import type { ArchName, KernelRelease } from '@dmasim/dma-mapping';
import {
  DmasimError,
  dmaBitMask,
  hex,
  hex64,
  kernelRelease,
  maxU64,
  minU64,
  U32_MAX,
  U64_MAX,
} from '@dmasim/dma-mapping';

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
const PAGE_SIZE_N = 4096n;

/** A RAM bank (memblock.memory region). */
export interface RamBank {
  start: bigint;
  size: bigint;
}

export type ZoneName = 'DMA' | 'DMA32' | 'Normal';
export const ZONE_NAMES: readonly ZoneName[] = ['DMA', 'DMA32', 'Normal'];

/** A zone's span as free_area_init() prints it: [start, end] inclusive, or null when empty. */
export interface ZoneSpan {
  name: ZoneName;
  /** false when the kernel is built without the zone (it is then not printed). */
  configured: boolean;
  start: bigint | null;
  end: bigint | null;
}

export interface MemoryLayout {
  arch: ArchName;
  /** Sorted, merged RAM banks. */
  banks: RamBank[];
  /** memblock_start_of_DRAM() */
  startOfDram: bigint;
  /** memblock_end_of_DRAM(): exclusive. */
  endOfDram: bigint;
  /** memblock_phys_mem_size() */
  totalRam: bigint;
  /** max_pfn */
  maxPfn: bigint;
  /** The `zone_dma_limit` dma-direct compares against (inclusive). */
  zoneDmaLimit: bigint;
  /** arm64_dma_phys_limit and friends: the exclusive end of the lowest DMA zone. */
  dmaPhysLimit: bigint;
  /** ARCH_LOW_ADDRESS_LIMIT: where memblock_alloc_low() allocations must end (inclusive). */
  lowAddressLimit: bigint;
  zones: Record<ZoneName, ZoneSpan>;
}

export interface MemoryLayoutInput {
  arch: ArchName;
  banks: RamBank[];
  /**
   * arm64: min(of_dma_get_max_cpu_address(NULL), acpi_iort_dma_get_max_cpu_address()): the
   * highest CPU address every DMA master can reach. U64_MAX (PHYS_ADDR_MAX) when firmware
   * describes no limit.
   */
  firmwareDmaLimit?: bigint;
  /** The release whose arm64 zone sizing applies; default 6.12. */
  kernel?: KernelRelease;
}

/** Bad memory description: overlapping or empty banks, nothing at all. */
export class MemoryLayoutError extends DmasimError {
  static override readonly code: string = 'MEMORY_LAYOUT';
  override name = 'MemoryLayoutError';
}

/** Sort and merge touching/overlapping banks the way memblock_add() merges regions. */
export function normalizeBanks(banks: readonly RamBank[]): RamBank[] {
  const sorted = banks
    .filter((b) => b.size > 0n)
    .map((b) => ({ start: b.start, size: b.size }))
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: RamBank[] = [];
  for (const b of sorted) {
    if (b.start + b.size > U64_MAX + 1n) {
      throw new MemoryLayoutError(`RAM bank ${hex(b.start)}+${hex(b.size)} wraps past 2^64`);
    }
    const last = out[out.length - 1];
    if (last && b.start <= last.start + last.size) {
      const end = maxU64(b.start + b.size, last.start + last.size);
      last.size = end - last.start;
    } else out.push(b);
  }
  return out;
}

function fls64(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

function pfnDown(addr: bigint): bigint {
  return addr >> BigInt(PAGE_SHIFT);
}

/** Zone limits (exclusive max_zone_pfn addresses) per architecture. */
function zoneLimits(
  input: MemoryLayoutInput,
  startOfDram: bigint,
  endOfDram: bigint,
): {
  maxZone: Record<ZoneName, bigint | null>;
  zoneDmaLimit: bigint;
  dmaPhysLimit: bigint;
  lowAddressLimit: bigint;
} {
  const maxZonePhys = (limit: bigint) => minU64(limit, endOfDram - 1n) + 1n;
  switch (input.arch) {
    case 'arm64': {
      const kernel = input.kernel ?? kernelRelease();
      const fw = input.firmwareDmaLimit ?? U64_MAX;
      const dma32 = maxZonePhys(dmaBitMask(32));
      let zoneDmaLimit: bigint;
      let dmaPhysLimit: bigint;
      if (!kernel.has('zone-dma-limit')) {
        // zone_dma_bits = min3(32, fls64(dt limit), fls64(acpi limit)); max_zone_phys(bits).
        const bits = Math.min(32, fls64(fw));
        zoneDmaLimit = dmaBitMask(bits);
        let zoneMask = zoneDmaLimit;
        if (startOfDram > U32_MAX) zoneMask = U64_MAX;
        else if (startOfDram > zoneMask) zoneMask = U32_MAX;
        dmaPhysLimit = minU64(zoneMask, endOfDram - 1n) + 1n;
      } else {
        // Keep a low-RAM ZONE_DMA below 4 GiB even when firmware allows more ("arm64: mm: keep
        // low RAM dma zone"). 6.12.0 capped only the zone boundary (inside max_zone_phys());
        // the 6.12.y fix caps zone_dma_limit itself, which dma-direct's GFP choice reads.
        const keepLow = kernel.has('arm64-keep-low-ram-dma-zone') && startOfDram < U32_MAX;
        const capped = keepLow ? minU64(fw, U32_MAX) : fw;
        zoneDmaLimit = kernel.has('arm64-zone-dma-limit-capped') ? capped : fw;
        dmaPhysLimit = maxZonePhys(capped);
      }
      return {
        maxZone: { DMA: dmaPhysLimit, DMA32: dma32, Normal: endOfDram },
        zoneDmaLimit,
        dmaPhysLimit,
        lowAddressLimit: dmaPhysLimit - 1n,
      };
    }
    case 'x86': {
      const dma = minU64(16n << 20n, endOfDram);
      const dma32 = minU64(1n << 32n, endOfDram);
      return {
        maxZone: { DMA: dma, DMA32: dma32, Normal: endOfDram },
        zoneDmaLimit: dmaBitMask(24),
        dmaPhysLimit: dma,
        lowAddressLimit: U32_MAX,
      };
    }
    case 'riscv':
    case 'loongarch': {
      const dma32 = minU64(1n << 32n, endOfDram);
      return {
        maxZone: { DMA: null, DMA32: dma32, Normal: endOfDram },
        zoneDmaLimit: dmaBitMask(24),
        dmaPhysLimit: dma32,
        lowAddressLimit: U32_MAX,
      };
    }
    default:
      // arm, arc, mips: modelled with ZONE_NORMAL only (their DMA zones are per-board config).
      return {
        maxZone: { DMA: null, DMA32: null, Normal: endOfDram },
        zoneDmaLimit: dmaBitMask(24),
        dmaPhysLimit: endOfDram,
        lowAddressLimit: U32_MAX,
      };
  }
}

/** Build the memory layout the kernel ends up with after zone_sizes_init(). */
export function computeMemoryLayout(input: MemoryLayoutInput): MemoryLayout {
  const banks = normalizeBanks(input.banks);
  const first = banks[0];
  const last = banks[banks.length - 1];
  if (!first || !last) throw new MemoryLayoutError('no RAM banks');
  const startOfDram = first.start;
  const endOfDram = last.start + last.size;
  const totalRam = banks.reduce((acc, b) => acc + b.size, 0n);
  const maxPfn = pfnDown(endOfDram);
  const lim = zoneLimits(input, startOfDram, endOfDram);

  // free_area_init(): each zone runs from the previous zone's end to its own max pfn.
  let startPfn = (startOfDram + PAGE_SIZE_N - 1n) >> BigInt(PAGE_SHIFT);
  const zones = {} as Record<ZoneName, ZoneSpan>;
  for (const name of ZONE_NAMES) {
    const limit = lim.maxZone[name];
    if (limit === null) {
      zones[name] = { name, configured: false, start: null, end: null };
      continue;
    }
    const zonePfn = name === 'Normal' ? maxPfn : pfnDown(limit);
    const endPfn = zonePfn > startPfn ? zonePfn : startPfn;
    zones[name] =
      endPfn === startPfn
        ? { name, configured: true, start: null, end: null }
        : {
            name,
            configured: true,
            start: startPfn << BigInt(PAGE_SHIFT),
            end: (endPfn << BigInt(PAGE_SHIFT)) - 1n,
          };
    startPfn = endPfn;
  }
  return {
    arch: input.arch,
    banks,
    startOfDram,
    endOfDram,
    totalRam,
    maxPfn,
    zoneDmaLimit: lim.zoneDmaLimit,
    dmaPhysLimit: lim.dmaPhysLimit,
    lowAddressLimit: lim.lowAddressLimit,
    zones,
  };
}

/** Whether the kernel has ZONE_DMA (IS_ENABLED(CONFIG_ZONE_DMA)) for this layout's arch. */
export function hasZoneDma(layout: MemoryLayout): boolean {
  return layout.zones.DMA.configured;
}

/** The zone a physical address falls in, null outside every zone span. */
export function zoneOf(layout: MemoryLayout, phys: bigint): ZoneName | null {
  for (const name of ZONE_NAMES) {
    const z = layout.zones[name];
    if (z.start !== null && z.end !== null && phys >= z.start && phys <= z.end) return name;
  }
  return null;
}

/** The boot log's "Zone ranges:" block (free_area_init()), one line per configured zone. */
export function formatZoneRanges(layout: MemoryLayout): string[] {
  const lines = ['Zone ranges:'];
  for (const name of ZONE_NAMES) {
    const z = layout.zones[name];
    if (!z.configured) continue;
    const label = `  ${name.padEnd(8)} `;
    lines.push(
      z.start === null || z.end === null
        ? `${label}empty`
        : `${label}[mem ${hex64(z.start)}-${hex64(z.end)}]`,
    );
  }
  return lines;
}

/** True when [start, start+size) lies inside RAM. */
export function isRam(layout: MemoryLayout, start: bigint, size: bigint): boolean {
  return layout.banks.some((b) => start >= b.start && start + size <= b.start + b.size);
}
