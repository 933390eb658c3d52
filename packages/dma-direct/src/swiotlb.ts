// swiotlb setup and bounce-buffer mapping: setup_io_tlb_npages(), swiotlb_adjust_size(),
// swiotlb_adjust_nareas(), swiotlb_init_remap(), the arch callers' sizing rules (arm64 mem_init),
// swiotlb_tbl_map_single(), swiotlb_tbl_unmap_single(), swiotlb_sync_single_for_*(),
// swiotlb_alloc()/swiotlb_free() and rmem_swiotlb_setup()/rmem_swiotlb_device_init().

import {
  type Device,
  DMA_ATTR_NO_WARN,
  DMA_ATTR_SKIP_CPU_SYNC,
  DMA_BIDIRECTIONAL,
  DMA_FROM_DEVICE,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  type DmaDataDirection,
  DmasimError,
  dmaGetMinAlignMask,
  dmaGetSegBoundary,
  hex64,
  type KernelRelease,
  kcallocFits,
  kernelRelease,
  warnOnce,
  warnRatelimited,
} from '@dmasim/dma-mapping';
import type { Memblock } from './memblock.js';
import { memblockAlloc } from './memblock.js';
import type { MemoryLayout } from './memory-zones.js';
import { PAGE_SIZE } from './memory-zones.js';
import type { DmaStats } from './stats.js';
import {
  createSwiotlbMem,
  createSwiotlbPool,
  findSlots,
  IO_TLB_DEFAULT_SIZE,
  IO_TLB_SEGSIZE,
  IO_TLB_SHIFT,
  IO_TLB_SIZE,
  nrSlots,
  poolSlots,
  releaseSlots,
  type SlotRequest,
  type SwiotlbMem,
  type SwiotlbPool,
} from './swiotlb-pool.js';

/** IO_TLB_MIN_SLABS: 1 MiB. */
const IO_TLB_MIN_SLABS = (1 << 20) >> IO_TLB_SHIFT;
const INVALID_PHYS_ADDR = 0xffff_ffff_ffff_ffffn;
const SLOT_BYTES = BigInt(IO_TLB_SIZE);
const PR = 'software IO TLB: ';
/** sizeof(struct io_tlb_slot) on a 64-bit kernel: orig_addr, alloc_size, list, pad_slots. */
const IO_TLB_SLOT_BYTES = 24;

/** The `swiotlb=` command-line parameter: [<slabs>][,<areas>][,force|noforce]. */
export interface SwiotlbParam {
  /** Already rounded up to a whole segment, as setup_io_tlb_npages() stores it. */
  nslabs?: number;
  nareas?: number;
  force?: 'force' | 'noforce';
}

export class SwiotlbParamError extends DmasimError {
  static override readonly code: string = 'SWIOTLB_PARAM';
  override name = 'SwiotlbParamError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`swiotlb= at offset ${offset}: ${message}`);
  }
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** Bytes to whole MiB, for sizes past 2^31 that a 32-bit shift would wrap. */
function mib(bytes: number): number {
  return Math.floor(bytes / 2 ** 20);
}

function isPow2(x: number): boolean {
  // Not x & (x - 1): slab counts pass 2^32, where JavaScript's bitwise operators wrap.
  return x > 0 && 2 ** Math.round(Math.log2(x)) === x;
}

function roundupPow2(x: number): number {
  return 2 ** Math.ceil(Math.log2(x));
}

/** setup_io_tlb_npages(): parse the value of `swiotlb=`. */
export function parseSwiotlbParam(text: string): SwiotlbParam {
  const out: SwiotlbParam = {};
  let pos = 0;
  const num = () => {
    const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text.slice(pos));
    if (!m) return undefined;
    pos += m[0].length;
    const s = m[0];
    return s.startsWith('0x') || s.startsWith('0X')
      ? Number.parseInt(s, 16)
      : s.length > 1 && s.startsWith('0')
        ? Number.parseInt(s, 8)
        : Number(s);
  };
  const slabs = num();
  if (slabs !== undefined) out.nslabs = alignUp(slabs, IO_TLB_SEGSIZE);
  if (text[pos] === ',') pos++;
  const areas = num();
  if (areas !== undefined) out.nareas = areas;
  if (text[pos] === ',') pos++;
  const rest = text.slice(pos);
  if (rest === 'force') out.force = 'force';
  else if (rest === 'noforce') out.force = 'noforce';
  else if (rest !== '') throw new SwiotlbParamError(`unexpected "${rest}"`, pos);
  return out;
}

export interface SwiotlbBootInput {
  layout: MemoryLayout;
  memblock: Memblock;
  param?: SwiotlbParam;
  /** num_possible_cpus() */
  cpus: number;
  /** CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC (arm64, on in Debian's config). */
  bounceUnalignedKmalloc: boolean;
  /** Default 6.12. */
  kernel?: KernelRelease;
}

export interface SwiotlbBoot {
  mem: SwiotlbMem;
  /** pr_info/pr_warn lines, in order. */
  log: string[];
}

/** The default io_tlb_mem as the arch's mem_init() and swiotlb_init_remap() leave it. */
export function bootDefaultSwiotlb(input: SwiotlbBootInput): SwiotlbBoot {
  const { layout, param = {} } = input;
  const log: string[] = [];
  const defaultSlabs = IO_TLB_DEFAULT_SIZE >> IO_TLB_SHIFT;
  let defaultNslabs = param.nslabs ?? defaultSlabs;
  let defaultNareas = 0;

  const roundUpDefaultNslabs = (): boolean => {
    if (!defaultNareas) return false;
    if (defaultNslabs < IO_TLB_SEGSIZE * defaultNareas)
      defaultNslabs = IO_TLB_SEGSIZE * defaultNareas;
    else if (isPow2(defaultNslabs)) return false;
    defaultNslabs = roundupPow2(defaultNslabs);
    return true;
  };
  const adjustNareas = (n: number) => {
    const nareas = !n ? 1 : isPow2(n) ? n : roundupPow2(n);
    defaultNareas = nareas;
    log.push(`${PR}area num ${nareas}.`);
    if (roundUpDefaultNslabs()) {
      log.push(`${PR}SWIOTLB bounce buffer size roundup to ${mib(defaultNslabs * IO_TLB_SIZE)}MB`);
    }
  };
  const adjustSize = (bytes: number) => {
    if (defaultNslabs !== defaultSlabs) return;
    let size = alignUp(bytes, IO_TLB_SIZE);
    defaultNslabs = alignUp(Math.floor(size / IO_TLB_SIZE), IO_TLB_SEGSIZE);
    if (roundUpDefaultNslabs()) size = defaultNslabs * IO_TLB_SIZE;
    log.push(`${PR}SWIOTLB bounce buffer size adjusted to ${Math.floor(size / 2 ** 20)}MB`);
  };
  if (param.nareas !== undefined) adjustNareas(param.nareas);

  // The arch decides whether it needs bouncing at all (addressing_limit).
  let needed: boolean;
  const pfn = (x: bigint) => x >> 12n;
  switch (layout.arch) {
    case 'arm64':
      needed = layout.maxPfn > pfn(layout.dmaPhysLimit);
      if (input.bounceUnalignedKmalloc && !needed) {
        // Only kmalloc() bouncing is left to do: 1 MiB per GiB of RAM.
        if ((input.kernel ?? kernelRelease()).has('arm64-swiotlb-kmalloc-bounce-size')) {
          const perGiB = Number((layout.totalRam + 1023n) / 1024n);
          adjustSize(Math.min(defaultNslabs * IO_TLB_SIZE, perGiB));
        }
        needed = true;
      }
      break;
    case 'x86':
      needed = layout.maxPfn > pfn(1n << 32n);
      break;
    case 'riscv':
      needed = layout.maxPfn > pfn(layout.dmaPhysLimit);
      break;
    case 'loongarch':
      needed = true;
      break;
    default:
      needed = false;
  }

  const forceBounce = param.force === 'force';
  if ((!needed && !forceBounce) || param.force === 'noforce') {
    return { mem: createSwiotlbMem('swiotlb', null, false, false), log };
  }
  if (!defaultNareas) adjustNareas(input.cpus);
  const limitNareas = (nareas: number, nslots: number) =>
    nslots < nareas * IO_TLB_SEGSIZE ? Math.floor(nslots / IO_TLB_SEGSIZE) : nareas;

  let nslabs = defaultNslabs;
  let nareas = limitNareas(defaultNareas, nslabs);
  let start: bigint | null;
  for (;;) {
    const bytes = BigInt(alignUp(nslabs * IO_TLB_SIZE, PAGE_SIZE));
    // memblock_alloc_low(): below ARCH_LOW_ADDRESS_LIMIT, top-down.
    start = memblockAlloc(input.memblock, bytes, BigInt(PAGE_SIZE), 0n, layout.lowAddressLimit);
    if (start !== null) break;
    log.push(`${PR}swiotlb_memblock_alloc: Failed to allocate ${bytes} bytes tlb structure`);
    if (nslabs <= IO_TLB_MIN_SLABS)
      return { mem: createSwiotlbMem('swiotlb', null, false, false), log };
    // nslabs is an unsigned long: halve it without JavaScript's 32-bit shift.
    nslabs = alignUp(Math.floor(nslabs / 2), IO_TLB_SEGSIZE);
    nareas = limitNareas(nareas, nslabs);
  }
  if (defaultNslabs !== nslabs) {
    log.push(`${PR}SWIOTLB bounce buffer size adjusted ${defaultNslabs} -> ${nslabs} slabs`);
  }
  const pool = createSwiotlbPool(start, nslabs, nareas);
  log.push(
    `${PR}mapped [mem ${hex64(pool.start)}-${hex64(pool.end)}] (${mib(nslabs * IO_TLB_SIZE)}MB)`,
  );
  return { mem: createSwiotlbMem('swiotlb', pool, forceBounce, false), log };
}

/** A reserved-memory region offered to rmem_swiotlb_setup(). */
export interface RestrictedPoolRegion {
  /** The reserved-memory node's path (what Device.restrictedPool names). */
  path: string;
  name: string;
  base: bigint;
  size: bigint;
  reusable?: boolean;
  noMap?: boolean;
  cmaDefault?: boolean;
  dmaDefault?: boolean;
}

/**
 * rmem_swiotlb_setup() + the pool rmem_swiotlb_device_init() builds on first use: null (the
 * kernel's -EINVAL) for a region marked reusable, no-map or default.
 */
export function createRestrictedPool(
  region: RestrictedPoolRegion,
  log: string[],
): SwiotlbMem | null {
  if (region.reusable || region.noMap || region.cmaDefault || region.dmaDefault) return null;
  log.push(
    `${PR}Reserved memory: created restricted DMA pool at ${hex64(region.base)}, size ${region.size / (1n << 20n)} MiB`,
  );
  const nslabs = region.size >> BigInt(IO_TLB_SHIFT);
  // rmem_swiotlb_device_init(): kcalloc() of the slot array fails (-ENOMEM) past 4 MiB.
  if (!kcallocFits(nslabs, IO_TLB_SLOT_BYTES)) return null;
  const pool = createSwiotlbPool(region.base, Number(nslabs), 1, region.name);
  return createSwiotlbMem(region.name, pool, true, true);
}

/** What the swiotlb mapping functions need from the platform. */
export interface SwiotlbContext {
  stats: DmaStats;
  /** raw_smp_processor_id(): which area a search starts in. */
  cpu: number;
}

function minAlignMaskOf(dev: Device): number {
  const m = dev.dmaParms?.minAlignMask;
  return m ? Number(dmaGetMinAlignMask(dev) & 0xffff_ffffn) : 0;
}

/** Segment boundaries this wide never split a pool. */
const UNBOUNDED_BOUNDARY = (1n << 53n) - 1n;

function slotRequest(
  dev: Device,
  poolDmaStart: bigint,
  origAddr: bigint,
  hasOrig: boolean,
  allocSize: number,
  allocAlignMask: number,
  minAlignMask: number,
): SlotRequest {
  const boundary = dmaGetSegBoundary(dev);
  const unbounded = boundary >= UNBOUNDED_BOUNDARY;
  const tbl = unbounded ? poolDmaStart : poolDmaStart & boundary;
  return {
    origLow: Number(origAddr & 0xffff_ffffn),
    hasOrig,
    allocSize,
    allocAlignMask,
    minAlignMask,
    tblDmaLow: Number(tbl & 0xffff_ffffn),
    boundaryShift: unbounded ? 0 : nrSlots(Number(tbl)),
    maxSlots: unbounded ? Number.POSITIVE_INFINITY : Number(boundary >> BigInt(IO_TLB_SHIFT)) + 1,
  };
}

function noteUsed(ctx: SwiotlbContext, delta: number): void {
  const s = ctx.stats;
  s.swiotlbUsedSlots += delta;
  if (s.swiotlbUsedSlots > s.swiotlbHighWater) s.swiotlbHighWater = s.swiotlbUsedSlots;
}

/** The pool holding `paddr`, if any (swiotlb_find_pool() / is_swiotlb_buffer()). */
export function swiotlbFindPool(mem: SwiotlbMem, paddr: bigint): SwiotlbPool | null {
  const pool = mem.pool;
  return pool && paddr >= pool.start && paddr < pool.end ? pool : null;
}

/** swiotlb_bounce(): dmasim moves no data, it counts the copy. */
function swiotlbBounce(
  ctx: SwiotlbContext,
  dev: Device,
  pool: SwiotlbPool,
  rel: number,
  size: number,
): void {
  const index = rel >>> IO_TLB_SHIFT;
  const slots = poolSlots(pool);
  const orig = slots.origAddr[index] as bigint;
  if (orig === INVALID_PHYS_ADDR) return;
  const minAlign = minAlignMaskOf(dev);
  const tlbOffset = (rel & (IO_TLB_SIZE - 1)) - (minAlign ? Number(orig & 0x7ffn) & minAlign : 0);
  const allocSize = (slots.allocSize[index] as number) - tlbOffset;
  let n = size;
  if (n > allocSize) {
    warnOnce(
      dev,
      'Buffer overflow detected.',
      `Buffer overflow detected. Allocation size: ${allocSize}. Mapping size: ${n}.`,
    );
    n = allocSize;
  }
  ctx.stats.bounceCopies++;
  ctx.stats.bounceBytes += n;
}

/**
 * swiotlb_tbl_map_single(): the bounce buffer's physical address, or DMA_MAPPING_ERROR.
 * `poolDmaStart` is phys_to_dma_unencrypted(dev, pool start), which the slot search aligns in.
 */
export function swiotlbTblMapSingle(
  ctx: SwiotlbContext,
  dev: Device,
  mem: SwiotlbMem,
  poolDmaStart: bigint,
  origAddr: bigint,
  mappingSize: bigint,
  allocAlignMask: number,
  _dir: DmaDataDirection,
  attrs: number,
): bigint {
  const pool = mem.pool;
  if (!pool) {
    warnRatelimited(
      dev,
      "Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer",
    );
    return DMA_MAPPING_ERROR;
  }
  if (allocAlignMask > PAGE_SIZE - 1) {
    const msg = 'Alloc alignment may prevent fulfilling requests with max mapping_size';
    warnOnce(dev, msg, msg);
  }
  const minAlign = minAlignMaskOf(dev);
  const mapping = Number(mappingSize);
  let offset = Number(origAddr & 0xffff_ffffn) & minAlign & (allocAlignMask | (IO_TLB_SIZE - 1));
  const size = alignUp(mapping + offset, allocAlignMask + 1);
  const req = slotRequest(
    dev,
    poolDmaStart,
    origAddr,
    origAddr !== 0n,
    size,
    allocAlignMask,
    minAlign,
  );
  let index = findSlots(mem, ctx.cpu, req);
  if (index === -1) {
    if (!(attrs & DMA_ATTR_NO_WARN)) {
      warnRatelimited(
        dev,
        'swiotlb buffer is full',
        `swiotlb buffer is full (sz: ${size} bytes), total ${pool.nslabs} (slots), used ${mem.totalUsed} (slots)`,
      );
    }
    return DMA_MAPPING_ERROR;
  }
  noteUsed(ctx, nrSlots(size));
  const padSlots = offset >>> IO_TLB_SHIFT;
  offset &= IO_TLB_SIZE - 1;
  index += padSlots;
  const slots = poolSlots(pool);
  slots.padSlots[index] = padSlots;
  const n = nrSlots(size) - padSlots;
  let orig = origAddr;
  for (let i = 0; i < n; i++) {
    slots.origAddr[index + i] = orig;
    orig += SLOT_BYTES;
  }
  const rel = index * IO_TLB_SIZE + offset;
  // Copied whatever the direction, so a partial device write keeps the original bytes.
  swiotlbBounce(ctx, dev, pool, rel, mapping);
  return pool.start + BigInt(rel);
}

/** swiotlb_tbl_unmap_single(): copy back for FROM_DEVICE/BIDIRECTIONAL, then free the slots. */
export function swiotlbTblUnmapSingle(
  ctx: SwiotlbContext,
  dev: Device,
  mem: SwiotlbMem,
  tlbAddr: bigint,
  mappingSize: bigint,
  dir: DmaDataDirection,
  attrs: number,
): void {
  const pool = swiotlbFindPool(mem, tlbAddr);
  if (!pool) return;
  const rel = Number(tlbAddr - pool.start);
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL)) {
    swiotlbBounce(ctx, dev, pool, rel, Number(mappingSize));
  }
  releaseTlb(ctx, dev, mem, pool, tlbAddr);
}

function releaseTlb(
  ctx: SwiotlbContext,
  dev: Device,
  mem: SwiotlbMem,
  pool: SwiotlbPool,
  tlbAddr: bigint,
): void {
  const minAlign = minAlignMaskOf(dev);
  const offset = minAlign ? Number(tlbAddr & 0x7ffn) & minAlign : 0;
  const freed = releaseSlots(mem, pool, Number(tlbAddr - pool.start), offset);
  noteUsed(ctx, -freed);
}

// Copy between the original buffer and its bounce slot when the direction moves data that way.
function swiotlbSyncSingle(
  ctx: SwiotlbContext,
  dev: Device,
  mem: SwiotlbMem,
  tlbAddr: bigint,
  size: bigint,
  copies: boolean,
): void {
  const pool = swiotlbFindPool(mem, tlbAddr);
  if (pool && copies) swiotlbBounce(ctx, dev, pool, Number(tlbAddr - pool.start), Number(size));
}

/** swiotlb_sync_single_for_device(): data the device will read goes into the slot. */
export function swiotlbSyncSingleForDevice(
  ctx: SwiotlbContext,
  dev: Device,
  mem: SwiotlbMem,
  tlbAddr: bigint,
  size: bigint,
  dir: DmaDataDirection,
): void {
  swiotlbSyncSingle(
    ctx,
    dev,
    mem,
    tlbAddr,
    size,
    dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL,
  );
}

/** swiotlb_sync_single_for_cpu(): data the device wrote comes back from the slot. */
export function swiotlbSyncSingleForCpu(
  ctx: SwiotlbContext,
  dev: Device,
  mem: SwiotlbMem,
  tlbAddr: bigint,
  size: bigint,
  dir: DmaDataDirection,
): void {
  swiotlbSyncSingle(
    ctx,
    dev,
    mem,
    tlbAddr,
    size,
    dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL,
  );
}

/** swiotlb_alloc(): page-aligned slots for a coherent allocation from a restricted pool. */
export function swiotlbAlloc(
  ctx: SwiotlbContext,
  dev: Device,
  mem: SwiotlbMem,
  poolDmaStart: bigint,
  size: bigint,
): bigint | null {
  const pool = mem.pool;
  if (!pool) return null;
  const bytes = Number(size);
  const order = Math.max(0, Math.ceil(Math.log2(Math.ceil(bytes / PAGE_SIZE))));
  const align = 2 ** (order + 12) - 1;
  const req = slotRequest(dev, poolDmaStart, 0n, false, bytes, align, minAlignMaskOf(dev));
  const index = findSlots(mem, ctx.cpu, req);
  if (index === -1) return null;
  noteUsed(ctx, nrSlots(bytes));
  const tlbAddr = pool.start + BigInt(index * IO_TLB_SIZE);
  if (tlbAddr % BigInt(PAGE_SIZE) !== 0n) {
    warnOnce(
      dev,
      'Cannot allocate pages',
      `Cannot allocate pages from non page-aligned swiotlb addr 0x${hex64(tlbAddr).slice(2)}.`,
    );
    releaseTlb(ctx, dev, mem, pool, tlbAddr);
    return null;
  }
  return tlbAddr;
}

/** swiotlb_free(): false when the address is not in the device's pool. */
export function swiotlbFree(
  ctx: SwiotlbContext,
  dev: Device,
  mem: SwiotlbMem,
  phys: bigint,
): boolean {
  const pool = swiotlbFindPool(mem, phys);
  if (!pool) return false;
  releaseTlb(ctx, dev, mem, pool, phys);
  return true;
}
