// The memory a device tree describes, as the early boot reads it.
import {
  createMemblock,
  memblockAlloc,
  normalizeBanks,
  type PlatformInput,
  type RamBank,
  type RestrictedPoolRegion,
  type SwiotlbParam,
} from '@dmasim/dma-direct';
import type { ArchName, KernelRelease } from '@dmasim/dma-mapping';
import {
  createOfContext,
  type DeviceTree,
  type OfContext,
  ofDmaGetMaxCpuAddress,
  type ReservedMemoryRegion,
  readMemoryBanks,
  readReservedMemory,
  readString,
} from '@dmasim/of';

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
  /** The tree's OF context when the caller has one (else one is made): no second tree walk. */
  ofContext?: OfContext;
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

/**
 * The dma-direct platform description a device tree implies (no boot simulated yet): /memory
 * (early_init_dt_scan_memory), /memreserve/ and /reserved-memory (fdt_scan_reserved_mem,
 * fdt_init_reserved_mem for dynamic regions, rmem_swiotlb_setup for restricted-dma-pool) and
 * the firmware DMA limit (of_dma_get_max_cpu_address).
 */
export function dtMemoryInput(
  tree: DeviceTree,
  options: MemoryPlatformOptions,
): MemoryPlatformInput {
  const ctx = options.ofContext ?? createOfContext(tree, options.kernel);
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
