// The memory part of `dmasim inspect`: the memory map a booted machine ends up with (RAM,
// firmware reservations, zones, CMA, the swiotlb pool), as JSON and as the boot log lines the
// kernel prints for it.
import { type DirectPlatform, type SwiotlbMem, ZONE_NAMES } from '@dmasim/dma-direct';
import { hex, hex64, minU64, parseU64, U64_MAX } from '@dmasim/dma-mapping';
import type { FirmwareReservation } from '@dmasim/machine';

/**
 * `dmasim inspect --json`'s "memory" object: the memory map the kernel ends up with. Empty zones
 * have null bounds. `missing` says why there is nothing else when no RAM is described.
 */
export interface MemoryReport {
  missing?: string;
  ram: Array<{ start: string; end: string }>;
  /** memblock reservations firmware made: /memreserve/ and reserved-memory (CMA included). */
  reserved: Array<{ name: string; start: string; end: string }>;
  zones: Array<{ name: string; start: string | null; end: string | null }>;
  /** dma_contiguous_default_area */
  cma: { start: string; size: string } | null;
  swiotlb: { start: string; size: string; nslabs: number } | null;
}

/** The one line (and --json field) that stands for the memory map when no RAM is described. */
export const MISSING_RAM =
  'none described: the device tree has no RAM (its bootloader fills /memory in at boot); give it with --memory START:SIZE or memory: in the --platform file';

/** The report of a device tree without RAM. */
export const MISSING_RAM_REPORT: MemoryReport = {
  missing: MISSING_RAM,
  ram: [],
  reserved: [],
  zones: [],
  cma: null,
  swiotlb: null,
};

function swiotlbReport(mem: SwiotlbMem): MemoryReport['swiotlb'] {
  const pool = mem.pool;
  if (!pool) return null;
  return { start: hex(pool.start), size: hex(pool.end - pool.start), nslabs: pool.nslabs };
}

/**
 * The last byte of [start, start + size): memblock_add() and memblock_reserve() first cap the
 * size at PHYS_ADDR_MAX - base (memblock_cap_size()), so a range never wraps past 2^64.
 */
function lastByte(start: bigint, size: bigint): string {
  return hex(start + minU64(size, U64_MAX - start) - 1n);
}

export function memoryReport(
  plat: DirectPlatform,
  reservations: readonly FirmwareReservation[] = [],
): MemoryReport {
  const layout = plat.memory;
  return {
    // memblock_add_range() returns early on a zero size: such a range is not in memblock at all.
    ram: layout.banks
      .filter((b) => b.size > 0n)
      .map((b) => ({ start: hex(b.start), end: lastByte(b.start, b.size) })),
    reserved: reservations
      .filter((r) => r.size > 0n)
      .map((r) => ({
        name: r.name,
        start: hex(r.start),
        end: lastByte(r.start, r.size),
      })),
    zones: ZONE_NAMES.filter((name) => layout.zones[name].configured).map((name) => {
      const z = layout.zones[name];
      return {
        name,
        start: z.start === null ? null : hex(z.start),
        end: z.end === null ? null : hex(z.end),
      };
    }),
    cma: plat.cma ? { start: hex(plat.cma.base), size: hex(plat.cma.size) } : null,
    swiotlb: swiotlbReport(plat.swiotlb),
  };
}

/**
 * The memory map as text: RAM and reservations (in /proc/iomem's and memblock's terms), then the
 * boot log lines the kernel prints for zones, CMA and swiotlb.
 */
export function formatMemoryReport(report: MemoryReport): string[] {
  if (report.missing !== undefined) return [`RAM: ${report.missing}`];
  const range = (r: { start: string; end: string }) =>
    `[mem ${hex64(parseU64(r.start))}-${hex64(parseU64(r.end))}]`;
  const lines = ['RAM:'];
  for (const r of report.ram) lines.push(`  ${range(r)}`);
  if (report.reserved.length > 0) lines.push('Reserved:');
  for (const r of report.reserved) lines.push(`  ${range(r)} ${r.name}`);
  lines.push('Zone ranges:');
  for (const z of report.zones) {
    const label = `  ${z.name.padEnd(8)} `;
    lines.push(
      z.start === null || z.end === null
        ? `${label}empty`
        : `${label}[mem ${hex64(parseU64(z.start))}-${hex64(parseU64(z.end))}]`,
    );
  }
  if (report.cma) {
    const start = parseU64(report.cma.start);
    const size = parseU64(report.cma.size);
    lines.push(`cma: ${size >> 20n} MiB at ${hex64(start)}`);
  } else lines.push('cma: none');
  const s = report.swiotlb;
  if (s) {
    const start = parseU64(s.start);
    const size = parseU64(s.size);
    // swiotlb_print_info(): the end printed is exclusive.
    lines.push(
      `software IO TLB: mapped [mem ${hex64(start)}-${hex64(start + size)}] (${size >> 20n}MB)`,
    );
  } else lines.push('software IO TLB: none');
  return lines;
}
