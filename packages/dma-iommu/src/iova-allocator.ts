// The IOVA allocator of drivers/iommu/iova.c, in page-frame numbers (plain numbers: with a
// granule of 4 KiB or more every pfn of a 64-bit space is an exact double).
import { DmasimError } from '@dmasim/dma-mapping';
import { pfnToU64, u64ToPfn } from '@dmasim/iommu-core';
import {
  createIovaNode,
  createIovaTree,
  type IovaNode,
  type IovaTree,
  treeErase,
  treeFindContaining,
  treeFirst,
  treeInsert,
  treeLowestEndingAtOrAbove,
  treeNext,
  treePrev,
} from './iova-tree.js';

export type { IovaNode } from './iova-tree.js';

/** IOVA_ANCHOR (~0UL): the anchor range sits above every usable pfn. */
export const IOVA_ANCHOR_PFN = 2 ** 64;

/** Bad arguments to the allocator (the kernel would BUG, WARN or hit undefined behaviour). */
export class IovaDomainError extends DmasimError {
  static override readonly code: string = 'IOVA_DOMAIN_MISUSE';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(`iova: ${field}: ${message}`);
    this.name = 'IovaDomainError';
  }
}

export interface IovaStats {
  /** Successful tree allocations (alloc_iova). */
  treeAllocs: number;
  treeAllocFailures: number;
  /** Ranges removed from the tree (free_iova and magazine flushes). */
  treeFrees: number;
  /** Predecessor steps taken by the top-down search: the allocator's cost. */
  searchSteps: number;
}

/** struct iova_domain without the caches (see iova-rcache.ts). */
export interface IovaDomain {
  granule: number;
  shift: number;
  /** granule - 1 as a bigint, for the offset arithmetic of every mapping. */
  granuleMask: bigint;
  /** maxPfn(shift), the largest pfn argument. */
  maxPfn: number;
  startPfn: number;
  /** dma_32bit_pfn: the first pfn at or above 4 GiB. */
  dma32BitPfn: number;
  /** max32_alloc_size: allocations this large are known to fail below 4 GiB. */
  max32AllocSize: number;
  tree: IovaTree;
  anchor: IovaNode;
  cachedNode: IovaNode;
  cached32Node: IovaNode;
  stats: IovaStats;
}

/** The largest pfn of a 64-bit address space at this shift (ULLONG_MAX >> shift). */
export function maxPfn(shift: number): number {
  return 2 ** (64 - shift) - 1;
}

/** init_iova_domain(): granule must be a power of two no larger than the CPU page size. */
export function initIovaDomain(granule: number, startPfn: number, pageSize = 4096): IovaDomain {
  if (!Number.isInteger(granule) || granule <= 0 || (granule & (granule - 1)) !== 0) {
    throw new IovaDomainError(`granule ${granule} is not a power of two`, 'granule');
  }
  if (granule > pageSize) {
    throw new IovaDomainError(`granule ${granule} exceeds PAGE_SIZE ${pageSize}`, 'granule');
  }
  const shift = Math.log2(granule);
  // Below 4 KiB granules pfns of a 64-bit space would exceed 2^53.
  if (shift < 12) throw new IovaDomainError(`granule ${granule} below 4096 unsupported`, 'granule');
  if (!Number.isSafeInteger(startPfn) || startPfn < 0 || startPfn > maxPfn(shift)) {
    throw new IovaDomainError(`start pfn ${startPfn} out of range`, 'startPfn');
  }
  const tree = createIovaTree();
  const anchor = createIovaNode(IOVA_ANCHOR_PFN, IOVA_ANCHOR_PFN);
  treeInsert(tree, anchor);
  const dma32BitPfn = 2 ** (32 - shift);
  return {
    granule,
    shift,
    granuleMask: BigInt(granule - 1),
    maxPfn: maxPfn(shift),
    startPfn,
    dma32BitPfn,
    max32AllocSize: dma32BitPfn,
    tree,
    anchor,
    cachedNode: anchor,
    cached32Node: anchor,
    stats: { treeAllocs: 0, treeAllocFailures: 0, treeFrees: 0, searchSteps: 0 },
  };
}

/** fls_long(x): index (1-based) of the most significant set bit, 0 for 0. */
function flsLong(x: number): number {
  if (x === 0) return 0;
  if (x < 2 ** 32) return 32 - Math.clz32(x);
  return 64 - Math.clz32(Math.floor(x / 2 ** 32));
}

function checkPfnArg(iovad: IovaDomain, value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > iovad.maxPfn) {
    throw new IovaDomainError(`${value} is not a pfn of this domain`, field);
  }
}

/** __cached_rbnode_insert_update() */
function cachedNodeInsertUpdate(iovad: IovaDomain, node: IovaNode): void {
  if (node.pfnHi < iovad.dma32BitPfn) iovad.cached32Node = node;
  else iovad.cachedNode = node;
}

/** __cached_rbnode_delete_update(): move the cached nodes off a range about to go. */
function cachedNodeDeleteUpdate(iovad: IovaDomain, free: IovaNode): void {
  const cached32 = iovad.cached32Node;
  if (free === cached32 || (free.pfnHi < iovad.dma32BitPfn && free.pfnLo >= cached32.pfnLo)) {
    iovad.cached32Node = treeNext(free)!;
  }
  if (free.pfnLo < iovad.dma32BitPfn) iovad.max32AllocSize = iovad.dma32BitPfn;
  if (free.pfnLo >= iovad.cachedNode.pfnLo) iovad.cachedNode = treeNext(free)!;
}

/**
 * iova_find_limit(): where the retry walk starts. The kernel walks the tree shape for the first
 * range at or above limitPfn (or straddling it); starting from that range or from the straddling
 * one yields the same allocation, so the ordered lookup stands in for it.
 */
function findLimit(iovad: IovaDomain, limitPfn: number): IovaNode {
  return treeLowestEndingAtOrAbove(iovad.tree, limitPfn) ?? iovad.anchor;
}

/**
 * __alloc_and_insert_iova_range(): first fit, top-down from the cached node below limitPfn
 * (exclusive); with sizeAligned the start is aligned to size rounded up to a power of two.
 * Returns the inserted range or null.
 */
function allocAndInsertRange(
  iovad: IovaDomain,
  size: number,
  limitPfn: number,
  sizeAligned: boolean,
): IovaNode | null {
  const align = sizeAligned ? 2 ** flsLong(size - 1) : 1;
  let highPfn = limitPfn;
  let lowPfn = iovad.startPfn;

  if (limitPfn <= iovad.dma32BitPfn && size >= iovad.max32AllocSize) return null;

  let curr: IovaNode | null = limitPfn <= iovad.dma32BitPfn ? iovad.cached32Node : iovad.cachedNode;
  const retryPfn = curr.pfnHi;
  let retried = false;
  let newPfn: number;
  let steps = 0;
  for (;;) {
    do {
      const c: IovaNode = curr!;
      highPfn = Math.min(highPfn, c.pfnLo);
      // high - size wraps in the kernel when high < size: a huge pfn that ends the walk.
      newPfn =
        highPfn >= size ? Math.floor((highPfn - size) / align) * align : Number.POSITIVE_INFINITY;
      curr = treePrev(c);
      steps++;
    } while (curr && newPfn <= curr.pfnHi && newPfn >= lowPfn);

    if (highPfn < size || newPfn < lowPfn) {
      // One more pass over the space above the cached node; `retried` only guards the
      // (unreachable) case of a cached range ending right below start_pfn.
      if (lowPfn === iovad.startPfn && retryPfn < limitPfn && !retried) {
        highPfn = limitPfn;
        lowPfn = retryPfn + 1;
        curr = findLimit(iovad, limitPfn);
        retried = true;
        continue;
      }
      iovad.max32AllocSize = size;
      iovad.stats.searchSteps += steps;
      return null;
    }
    break;
  }
  iovad.stats.searchSteps += steps;
  const node = createIovaNode(newPfn, newPfn + size - 1);
  treeInsert(iovad.tree, node);
  cachedNodeInsertUpdate(iovad, node);
  return node;
}

/**
 * alloc_iova(): `size` pfns ending at or below `limitPfn` (inclusive). Returns the new range,
 * or null when no gap fits.
 */
export function allocIova(
  iovad: IovaDomain,
  size: number,
  limitPfn: number,
  sizeAligned: boolean,
): IovaNode | null {
  if (!Number.isSafeInteger(size) || size < 1 || size > iovad.maxPfn) {
    throw new IovaDomainError(`size ${size} pfns is invalid`, 'size');
  }
  checkPfnArg(iovad, limitPfn, 'limitPfn');
  const node = allocAndInsertRange(iovad, size, limitPfn + 1, sizeAligned);
  if (node) iovad.stats.treeAllocs++;
  else iovad.stats.treeAllocFailures++;
  return node;
}

/** find_iova(): the range containing pfn. */
export function findIova(iovad: IovaDomain, pfn: number): IovaNode | null {
  return treeFindContaining(iovad.tree, pfn);
}

/** remove_iova() / __free_iova(): take a range out of the tree. */
export function removeIova(iovad: IovaDomain, node: IovaNode): void {
  if (node === iovad.anchor) throw new IovaDomainError('the anchor cannot be freed', 'node');
  cachedNodeDeleteUpdate(iovad, node);
  treeErase(iovad.tree, node);
  iovad.stats.treeFrees++;
}

/** free_iova(): free the range containing pfn; false when there is none. */
export function freeIova(iovad: IovaDomain, pfn: number): boolean {
  const node = findIova(iovad, pfn);
  if (!node || node === iovad.anchor) return false;
  removeIova(iovad, node);
  return true;
}

/**
 * reserve_iova(): keep pfnLo..pfnHi out of allocation. Overlapping ranges absorb the request
 * (the first one is widened down to pfnLo), and only the part above them gets a new range.
 * Returns the range covering the top of the request, or null for pfns beyond the space
 * (the kernel WARNs there).
 */
export function reserveIova(iovad: IovaDomain, pfnLo: number, pfnHi: number): IovaNode | null {
  if (
    !Number.isSafeInteger(pfnLo) ||
    !Number.isSafeInteger(pfnHi) ||
    pfnLo < 0 ||
    pfnHi < 0 ||
    pfnLo > maxPfn(iovad.shift) ||
    pfnHi > maxPfn(iovad.shift)
  ) {
    return null;
  }
  let overlap = false;
  // Ranges wholly below pfnLo cannot overlap, so the scan may start at the first that might.
  for (
    let node = treeLowestEndingAtOrAbove(iovad.tree, pfnLo);
    node !== null;
    node = treeNext(node)
  ) {
    if (pfnLo <= node.pfnHi && pfnHi >= node.pfnLo) {
      if (pfnLo < node.pfnLo) node.pfnLo = pfnLo;
      if (pfnHi > node.pfnHi) pfnLo = node.pfnHi + 1;
      if (pfnLo >= node.pfnLo && pfnHi <= node.pfnHi) return node;
      overlap = true;
    } else if (overlap) {
      break;
    }
  }
  const node = createIovaNode(pfnLo, pfnHi);
  treeInsert(iovad.tree, node);
  return node;
}

/** Every range in the tree, lowest first, without the anchor: [pfnLo, pfnHi] pairs. */
export function iovaRanges(iovad: IovaDomain): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let n = treeFirst(iovad.tree); n; n = treeNext(n)) {
    if (n !== iovad.anchor) out.push([n.pfnLo, n.pfnHi]);
  }
  return out;
}

/** Number of ranges in the tree, without the anchor. */
export function iovaRangeCount(iovad: IovaDomain): number {
  return iovad.tree.size - 1;
}

/** iova_pfn(): the pfn of a u64 address. */
export function iovaPfn(iovad: IovaDomain, addr: bigint): number {
  return u64ToPfn(addr, iovad.shift);
}

/** The u64 address of a pfn. */
export function pfnToAddr(iovad: IovaDomain, pfn: number): bigint {
  return pfnToU64(pfn, iovad.shift);
}

/**
 * iova_align(iovad, size + offset): the granule-aligned span holding `size` bytes that start
 * `offset` bytes into a granule.
 */
export function iovaAlignedSpan(iovad: IovaDomain, offset: bigint, size: bigint): bigint {
  // Aligned buffers, the common case, need no new bigints.
  if (offset === 0n && (size & iovad.granuleMask) === 0n) return size;
  return (size + offset + iovad.granuleMask) & ~iovad.granuleMask;
}

/** Whole granules in a byte count (size >> shift). */
export function iovaPages(iovad: IovaDomain, size: bigint): number {
  return u64ToPfn(size, iovad.shift);
}
