// The machine's memory as the kernel boots it from a device tree: /memory banks
// (early_init_dt_scan_memory), /memreserve/ and /reserved-memory (fdt_scan_reserved_mem,
// fdt_init_reserved_mem for dynamic regions, rmem_swiotlb_setup for restricted-dma-pool), the
// firmware DMA limit (of_dma_get_max_cpu_address), the default CMA area and the swiotlb pool.
import {
  createMemblock,
  createPlatform,
  type DirectPlatform,
  hex18,
  type MemoryLayout,
  memblockAlloc,
  normalizeBanks,
  type PlatformInput,
  type RamBank,
  type RestrictedPoolRegion,
  type SwiotlbMem,
  type SwiotlbParam,
  ZONE_NAMES,
} from '@dmasim/dma-direct';
import { type ArchName, hex, type KernelRelease, parseU64 } from '@dmasim/dma-mapping';
import {
  createOfContext,
  type DeviceTree,
  ofDmaGetMaxCpuAddress,
  type ReservedMemoryRegion,
  readMemoryBanks,
  readReservedMemory,
  readString,
} from '@dmasim/of';
import { parseCmdline } from './cmdline.js';

/** Debian's arm64 CONFIG_CMA_SIZE_MBYTES (64); other arches' Debian configs set no default area. */
export function defaultCmaBytes(arch: ArchName): bigint {
  return arch === 'arm64' ? 64n << 20n : 0n;
}

export interface MemoryPlatformOptions {
  arch: ArchName;
  /** Zone and swiotlb sizing, and address translation for the DMA limit; default 6.12. */
  kernel?: KernelRelease;
  /** The parsed `swiotlb=` option. */
  swiotlb?: SwiotlbParam;
  /** CMA size (cma= or CONFIG_CMA_SIZE_MBYTES); default: defaultCmaBytes(arch). */
  cmaBytes?: bigint;
  /** num_possible_cpus(); default: the /cpus nodes. */
  cpus?: number;
}

/** num_possible_cpus() from /cpus: its device_type = "cpu" children that are not disabled. */
export function countCpus(tree: DeviceTree): number {
  const cpus = tree.root.children.find((c) => c.name === 'cpus');
  if (!cpus) return 1;
  const n = cpus.children.filter(
    (c) => readString(c, 'device_type') === 'cpu' && readString(c, 'status') !== 'disabled',
  ).length;
  return Math.max(1, n);
}

const CMA_MIN_ALIGNMENT = 2n << 20n;

/** __reserved_mem_alloc_size(): place a dynamic region (size only) top-down, inside alloc-ranges. */
function allocDynamic(
  region: ReservedMemoryRegion,
  banks: RamBank[],
  reserved: RamBank[],
  log: string[],
): bigint | null {
  const size = region.size ?? 0n;
  let align = region.alignment ?? 0x1000n;
  if (align === 0n) align = 0x1000n;
  // CMA needs whole pageblocks.
  if (region.sharedDmaPool && region.reusable && !region.noMap && align < CMA_MIN_ALIGNMENT)
    align = CMA_MIN_ALIGNMENT;
  const mb = createMemblock(banks, reserved);
  const windows =
    region.allocRanges.length > 0
      ? region.allocRanges.map((r) => [r.start, r.start + r.size] as const)
      : [[0n, 1n << 64n] as const];
  for (const [start, end] of windows) {
    const base = memblockAlloc(mb, size, align, start, end);
    if (base !== null) return base;
  }
  log.push(`OF: reserved mem: failed to allocate memory for node '${region.name}'`);
  return null;
}

/** A memblock reservation firmware asked for: a /memreserve/ entry or a reserved-memory node. */
export interface FirmwareReservation {
  /** "/memreserve/" or the reserved-memory node's path. */
  name: string;
  start: bigint;
  size: bigint;
}

export interface MemoryPlatformInput {
  input: PlatformInput;
  /** Reserved-memory scan messages. */
  log: string[];
  /** Every reservation made, in the kernel's order (the CMA and restricted pools included). */
  reservations: FirmwareReservation[];
}

/** The dma-direct platform description a device tree implies (no boot simulated yet). */
export function memoryPlatformInput(
  tree: DeviceTree,
  options: MemoryPlatformOptions,
): MemoryPlatformInput {
  const ctx = createOfContext(tree, options.kernel);
  const banks = normalizeBanks(
    readMemoryBanks(tree).map((b) => ({ start: b.start, size: b.size })),
  );
  const scan = readReservedMemory(tree);
  const log = [...scan.log];
  const reserved: RamBank[] = tree.memReserve
    .filter((r) => r.size > 0n)
    .map((r) => ({ start: r.address, size: r.size }));
  const restrictedPools: RestrictedPoolRegion[] = [];
  let cmaRegion: RamBank | undefined;
  // Static regions are reserved during the scan, dynamic ones placed afterwards.
  const placed: Array<{ region: ReservedMemoryRegion; base: bigint; size: bigint }> = [];
  for (const region of scan.regions) {
    for (const r of region.reg) {
      reserved.push({ start: r.start, size: r.size });
      placed.push({ region, base: r.start, size: r.size });
    }
  }
  for (const region of scan.regions) {
    if (region.reg.length > 0 || region.size === null || region.size === 0n) continue;
    const base = allocDynamic(region, banks, reserved, log);
    if (base === null) continue;
    reserved.push({ start: base, size: region.size });
    placed.push({ region, base, size: region.size });
  }
  const otherReserved: RamBank[] = [];
  for (const { region, base, size } of placed) {
    if (region.restrictedDmaPool) {
      restrictedPools.push({
        path: region.path,
        name: region.name,
        base,
        size,
        reusable: region.reusable,
        noMap: region.noMap,
        cmaDefault: region.cmaDefault,
        dmaDefault: region.dmaDefault,
      });
    } else if (region.sharedDmaPool && region.reusable && region.cmaDefault && !cmaRegion) {
      cmaRegion = { start: base, size };
    } else otherReserved.push({ start: base, size });
  }
  const memreserve = tree.memReserve
    .filter((r) => r.size > 0n)
    .map((r) => ({ start: r.address, size: r.size }));
  const reservations: FirmwareReservation[] = [
    ...memreserve.map((r) => ({ name: '/memreserve/', ...r })),
    ...placed.map(({ region, base, size }) => ({ name: region.path, start: base, size })),
  ];
  const input: PlatformInput = {
    arch: options.arch,
    banks,
    firmwareDmaLimit: ofDmaGetMaxCpuAddress(ctx),
    reserved: [...memreserve, ...otherReserved],
    restrictedPools,
    cmaBytes: options.cmaBytes ?? defaultCmaBytes(options.arch),
    cpus: options.cpus ?? countCpus(tree),
  };
  if (cmaRegion) input.cmaRegion = cmaRegion;
  if (options.kernel) input.kernel = options.kernel;
  if (options.swiotlb) input.swiotlb = options.swiotlb;
  return { input, log, reservations };
}

/** Boot the DMA side of a device-tree machine. */
export function buildMemoryPlatform(
  tree: DeviceTree,
  options: MemoryPlatformOptions,
): DirectPlatform {
  const { input, log } = memoryPlatformInput(tree, options);
  const plat = createPlatform(input);
  plat.bootLog.unshift(...log);
  return plat;
}

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

function swiotlbReport(mem: SwiotlbMem): MemoryReport['swiotlb'] {
  const pool = mem.pool;
  if (!pool) return null;
  return { start: hex(pool.start), size: hex(pool.end - pool.start), nslabs: pool.nslabs };
}

export function memoryReport(
  layout: MemoryLayout,
  swiotlb: SwiotlbMem,
  cma: DirectPlatform['cma'] = null,
  reservations: readonly FirmwareReservation[] = [],
): MemoryReport {
  return {
    ram: layout.banks.map((b) => ({ start: hex(b.start), end: hex(b.start + b.size - 1n) })),
    reserved: reservations.map((r) => ({
      name: r.name,
      start: hex(r.start),
      end: hex(r.start + r.size - 1n),
    })),
    zones: ZONE_NAMES.filter((name) => layout.zones[name].configured).map((name) => {
      const z = layout.zones[name];
      return {
        name,
        start: z.start === null ? null : hex(z.start),
        end: z.end === null ? null : hex(z.end),
      };
    }),
    cma: cma ? { start: hex(cma.base), size: hex(cma.size) } : null,
    swiotlb: swiotlbReport(swiotlb),
  };
}

/**
 * The memory map as text: RAM and reservations (in /proc/iomem's and memblock's terms), then the
 * boot log lines the kernel prints for zones, CMA and swiotlb.
 */
export function formatMemoryReport(report: MemoryReport): string[] {
  if (report.missing !== undefined) return [`RAM: ${report.missing}`];
  const range = (r: { start: string; end: string }) =>
    `[mem ${hex18(parseU64(r.start))}-${hex18(parseU64(r.end))}]`;
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
        : `${label}[mem ${hex18(parseU64(z.start))}-${hex18(parseU64(z.end))}]`,
    );
  }
  if (report.cma) {
    const start = parseU64(report.cma.start);
    const size = parseU64(report.cma.size);
    lines.push(`cma: ${size >> 20n} MiB at ${hex18(start)}`);
  } else lines.push('cma: none');
  const s = report.swiotlb;
  if (s) {
    const start = parseU64(s.start);
    const size = parseU64(s.size);
    // swiotlb_print_info(): the end printed is exclusive.
    lines.push(
      `software IO TLB: mapped [mem ${hex18(start)}-${hex18(start + size)}] (${size >> 20n}MB)`,
    );
  } else lines.push('software IO TLB: none');
  return lines;
}

/**
 * The memory map of a device tree booted with `cmdline` (only `swiotlb=` matters here). A tree
 * that describes no RAM (a bootloader fills /memory in at boot on many boards) gets a report
 * that says so.
 */
export function treeMemoryReport(
  tree: DeviceTree,
  arch: ArchName,
  cmdline = '',
  kernel?: KernelRelease,
): MemoryReport {
  if (readMemoryBanks(tree).length === 0) {
    return { missing: MISSING_RAM, ram: [], reserved: [], zones: [], cma: null, swiotlb: null };
  }
  const swiotlb = parseCmdline(cmdline).swiotlb;
  const { input, log, reservations } = memoryPlatformInput(tree, {
    arch,
    ...(swiotlb ? { swiotlb } : {}),
    ...(kernel ? { kernel } : {}),
  });
  const plat = createPlatform(input);
  plat.bootLog.unshift(...log);
  return memoryReport(plat.memory, plat.swiotlb, plat.cma, reservations);
}
