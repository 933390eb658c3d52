// The swiotlb slot allocator: struct io_tlb_pool / io_tlb_mem, swiotlb_init_io_tlb_pool(),
// swiotlb_search_pool_area(), swiotlb_find_slots() (non-dynamic) and swiotlb_release_slots().
// Slot state lives in typed arrays indexed by slot number.

import { DmasimError } from '@dmasim/dma-mapping';

export const IO_TLB_SHIFT = 11;
export const IO_TLB_SIZE = 1 << IO_TLB_SHIFT;
export const IO_TLB_SEGSIZE = 128;
/** IO_TLB_DEFAULT_SIZE: 64 MiB. */
export const IO_TLB_DEFAULT_SIZE = 64 << 20;
const PAGE_SIZE = 4096;
const INVALID_PHYS_ADDR = 0xffff_ffff_ffff_ffffn;

/** struct io_tlb_pool */
export interface SwiotlbPool {
  start: bigint;
  /** Exclusive. */
  end: bigint;
  nslabs: number;
  nareas: number;
  areaNslabs: number;
  /**
   * The slot and area state, made on the pool's first use (poolSlots()): the default pool has
   * 32,768 slots, and most boots (every `inspect`) never bounce a buffer.
   */
  slots: SwiotlbSlots | null;
}

/** io_tlb_slot[] and io_tlb_area[] of a pool, as typed arrays indexed by slot and area. */
export interface SwiotlbSlots {
  /** Free slots from each slot to the end of its segment run (0 = in use). */
  list: Uint16Array;
  origAddr: BigUint64Array;
  allocSize: Uint32Array;
  padSlots: Uint16Array;
  areaIndex: Uint32Array;
  areaUsed: Uint32Array;
}

/** struct io_tlb_mem: the default pool or one restricted-dma-pool. */
export interface SwiotlbMem {
  /** "swiotlb" for the default, the reserved-memory node name for a restricted pool. */
  name: string;
  /** null when no pool was set up (nslabs == 0: is_swiotlb_active() is false). */
  pool: SwiotlbPool | null;
  forceBounce: boolean;
  /** Coherent allocations come from this pool (restricted-dma-pool). */
  forAlloc: boolean;
  /** total_used / used_hiwater (debugfs io_tlb_used, io_tlb_used_hiwater). */
  totalUsed: number;
  usedHiwater: number;
}

/** nr_slots() */
export function nrSlots(bytes: number): number {
  return Math.ceil(bytes / IO_TLB_SIZE);
}

/**
 * The most slots the model keeps for one pool: 2^23, a 16 GiB bounce buffer. Each slot costs
 * the model 16 bytes of typed arrays, so this caps one pool near 128 MiB; the kernel itself
 * takes any default pool memblock can place, and refuses restricted pools far smaller than this
 * (rmem_swiotlb_device_init()'s kcalloc()).
 */
export const MAX_MODELLED_SLABS = 1 << 23;

/** A pool larger than the model holds: refused before anything is allocated. */
export class SwiotlbSizeError extends DmasimError {
  static override readonly code: string = 'SWIOTLB_TOO_LARGE';
  override name = 'SwiotlbSizeError';
  constructor(
    readonly pool: string,
    readonly nslabs: number,
  ) {
    super(
      `${pool}: ${nslabs} slots (${Math.floor((nslabs * IO_TLB_SIZE) / 2 ** 20)} MiB) is more than the ${MAX_MODELLED_SLABS} slots a modelled swiotlb pool may have`,
    );
  }
}

/** swiotlb_init_io_tlb_pool() */
export function createSwiotlbPool(
  start: bigint,
  nslabs: number,
  nareas: number,
  name = 'swiotlb',
): SwiotlbPool {
  if (!Number.isSafeInteger(nslabs) || nslabs < 0 || nslabs > MAX_MODELLED_SLABS) {
    throw new SwiotlbSizeError(name, nslabs);
  }
  if (!Number.isSafeInteger(nareas) || nareas < 1 || nareas > Math.max(1, nslabs)) {
    throw new SwiotlbSizeError(`${name} (${nareas} areas)`, nslabs);
  }
  return {
    start,
    end: start + (BigInt(nslabs) << BigInt(IO_TLB_SHIFT)),
    nslabs,
    nareas,
    areaNslabs: Math.floor(nslabs / nareas),
    slots: null,
  };
}

/** The pool's slot state, every slot free as swiotlb_init_io_tlb_pool() leaves it, made on first use. */
export function poolSlots(pool: SwiotlbPool): SwiotlbSlots {
  if (pool.slots) return pool.slots;
  const { nslabs, nareas } = pool;
  const slots: SwiotlbSlots = {
    list: initialSlotList(nslabs),
    origAddr: new BigUint64Array(nslabs).fill(INVALID_PHYS_ADDR),
    allocSize: new Uint32Array(nslabs),
    padSlots: new Uint16Array(nslabs),
    areaIndex: new Uint32Array(nareas),
    areaUsed: new Uint32Array(nareas),
  };
  pool.slots = slots;
  return slots;
}

/**
 * The free-run counts swiotlb_init_io_tlb_pool() gives the slots, min(IO_TLB_SEGSIZE -
 * io_tlb_offset(i), nslabs - i): each whole segment counts down from IO_TLB_SEGSIZE to 1, a short
 * last one from its length. Whole segments are copied, not computed slot by slot: a default pool
 * has 32,768 slots.
 */
export function initialSlotList(nslabs: number): Uint16Array {
  const list = new Uint16Array(nslabs);
  const whole = nslabs - (nslabs % IO_TLB_SEGSIZE);
  for (let i = 0; i < Math.min(IO_TLB_SEGSIZE, whole); i++) list[i] = IO_TLB_SEGSIZE - i;
  for (let done = IO_TLB_SEGSIZE; done < whole; done *= 2) {
    list.copyWithin(done, 0, Math.min(done, whole - done));
  }
  for (let i = whole; i < nslabs; i++) list[i] = nslabs - i;
  return list;
}

export function createSwiotlbMem(
  name: string,
  pool: SwiotlbPool | null,
  forceBounce: boolean,
  forAlloc: boolean,
): SwiotlbMem {
  return { name, pool, forceBounce, forAlloc, totalUsed: 0, usedHiwater: 0 };
}

/** The device-side facts a slot search needs, precomputed once per mapping. */
export interface SlotRequest {
  /** Low 32 bits of orig_addr (0 with hasOrig false for swiotlb_alloc()). */
  origLow: number;
  hasOrig: boolean;
  /** Bytes to allocate, including the alignment padding. */
  allocSize: number;
  allocAlignMask: number;
  /** dma_get_min_align_mask(), an unsigned int. */
  minAlignMask: number;
  /** Low 32 bits of phys_to_dma(pool start) & segment boundary. */
  tblDmaLow: number;
  /** nr_slots(tbl_dma_addr) and get_max_slots(boundary): Infinity when unbounded. */
  boundaryShift: number;
  maxSlots: number;
}

function wrapAreaIndex(pool: SwiotlbPool, index: number): number {
  return index >= pool.areaNslabs ? 0 : index;
}

/** iommu_is_span_boundary() */
function spansBoundary(index: number, nr: number, shift: number, boundarySize: number): boolean {
  if (boundarySize === Number.POSITIVE_INFINITY) return false;
  const offset = (shift + index) % boundarySize;
  return offset + nr > boundarySize;
}

/** swiotlb_search_pool_area(): first slot index of the allocation, or -1. */
export function searchPoolArea(
  mem: SwiotlbMem,
  pool: SwiotlbPool,
  areaIndex: number,
  req: SlotRequest,
): number {
  const nslots = nrSlots(req.allocSize);
  let allocAlignMask = req.allocAlignMask >>> 0;
  let iotlbAlignMask = req.minAlignMask >>> 0;
  const offset = req.origLow & req.minAlignMask & (IO_TLB_SIZE - 1);
  // Streaming mappings of a page or more keep their historical page alignment.
  if (!allocAlignMask && !iotlbAlignMask && req.allocSize >= PAGE_SIZE)
    allocAlignMask = PAGE_SIZE - 1;
  allocAlignMask = (allocAlignMask | (IO_TLB_SIZE - 1)) >>> 0;
  iotlbAlignMask = (iotlbAlignMask & ~allocAlignMask) >>> 0;
  const stride = (Math.max(allocAlignMask, iotlbAlignMask) >>> IO_TLB_SHIFT) + 1;

  const slots = poolSlots(pool);
  if (nslots > pool.areaNslabs - (slots.areaUsed[areaIndex] as number)) return -1;
  const slotBase = areaIndex * pool.areaNslabs;
  let index = slots.areaIndex[areaIndex] as number;
  const origMasked = req.origLow & iotlbAlignMask;
  const list = slots.list;
  let slotIndex = -1;
  let found = false;
  for (let checked = 0; checked < pool.areaNslabs; ) {
    slotIndex = slotBase + index;
    const tlbLow = req.tblDmaLow + slotIndex * IO_TLB_SIZE;
    if (
      (tlbLow & allocAlignMask) !== 0 ||
      (req.hasOrig && (tlbLow & iotlbAlignMask) !== origMasked)
    ) {
      index = wrapAreaIndex(pool, index + 1);
      checked++;
      continue;
    }
    if (
      !spansBoundary(slotIndex, nslots, req.boundaryShift, req.maxSlots) &&
      (list[slotIndex] as number) >= nslots
    ) {
      found = true;
      break;
    }
    index = wrapAreaIndex(pool, index + stride);
    checked += stride;
  }
  if (!found) return -1;

  for (let i = slotIndex; i < slotIndex + nslots; i++) {
    list[i] = 0;
    slots.allocSize[i] = req.allocSize - (offset + (i - slotIndex) * IO_TLB_SIZE);
  }
  let count = 0;
  for (let i = slotIndex - 1; (i & (IO_TLB_SEGSIZE - 1)) !== IO_TLB_SEGSIZE - 1 && list[i]; i--) {
    list[i] = ++count;
  }
  slots.areaIndex[areaIndex] = wrapAreaIndex(pool, index + nslots);
  slots.areaUsed[areaIndex] = (slots.areaUsed[areaIndex] as number) + nslots;
  mem.totalUsed += nslots;
  if (mem.totalUsed > mem.usedHiwater) mem.usedHiwater = mem.totalUsed;
  return slotIndex;
}

/** swiotlb_find_slots() without CONFIG_SWIOTLB_DYNAMIC: areas from the current CPU's onwards. */
export function findSlots(mem: SwiotlbMem, cpu: number, req: SlotRequest): number {
  const pool = mem.pool;
  if (!pool) return -1;
  const start = cpu & (pool.nareas - 1);
  let i = start;
  do {
    const index = searchPoolArea(mem, pool, i, req);
    if (index >= 0) return index;
    if (++i >= pool.nareas) i = 0;
  } while (i !== start);
  return -1;
}

/** mem_used() */
export function memUsed(mem: SwiotlbMem): number {
  return mem.totalUsed;
}

/**
 * swiotlb_release_slots(): `rel` is the bounce address minus the pool start, `offset` the
 * min_align_mask offset of the bounce address. Returns the number of slots freed.
 */
export function releaseSlots(
  mem: SwiotlbMem,
  pool: SwiotlbPool,
  rel: number,
  offset: number,
): number {
  const slots = poolSlots(pool);
  let index = (rel - offset) >>> IO_TLB_SHIFT;
  index -= slots.padSlots[index] as number;
  const nslots = nrSlots((slots.allocSize[index] as number) + offset);
  const aindex = Math.floor(index / pool.areaNslabs);
  const list = slots.list;
  let count =
    index + nslots < alignUp(index + 1, IO_TLB_SEGSIZE) ? (list[index + nslots] as number) : 0;
  for (let i = index + nslots - 1; i >= index; i--) {
    list[i] = ++count;
    slots.origAddr[i] = INVALID_PHYS_ADDR;
    slots.allocSize[i] = 0;
    slots.padSlots[i] = 0;
  }
  for (let i = index - 1; (i & (IO_TLB_SEGSIZE - 1)) !== IO_TLB_SEGSIZE - 1 && list[i]; i--) {
    list[i] = ++count;
  }
  slots.areaUsed[aindex] = (slots.areaUsed[aindex] as number) - nslots;
  mem.totalUsed -= nslots;
  return nslots;
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** swiotlb_max_mapping_size() */
export function swiotlbMaxMappingSize(minAlignMask: number): number {
  const minAlign = minAlignMask ? alignUp(minAlignMask, IO_TLB_SIZE) : 0;
  return IO_TLB_SIZE * IO_TLB_SEGSIZE - minAlign;
}

/** Snapshot of every slot's state, for leak checks in tests and reports. */
export function poolState(pool: SwiotlbPool): {
  list: number[];
  areaUsed: number[];
  areaIndex: number[];
} {
  const slots = poolSlots(pool);
  return {
    list: Array.from(slots.list),
    areaUsed: Array.from(slots.areaUsed),
    areaIndex: Array.from(slots.areaIndex),
  };
}
