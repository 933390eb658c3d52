// A radix IO page table as io-pgtable-arm (LPAE stage 1) and the VT-d / AMD-Vi tables build it:
// table pages of 2^(granuleShift - 3) entries walked from the root by index, as the hardware
// walks them. Walks use page-frame numbers as plain numbers (the format check below keeps every
// pfn an exact double); output addresses stay bigint, stored as given, so iova_to_phys hands
// back what map stored without converting.
import { DmasimError, EINVAL, ERANGE } from '@dmasim/dma-mapping';
import type { IotlbStats } from './domain.js';
import { EEXIST } from './errno-extra.js';
import { u64ToPfn } from './pfn.js';

export interface RadixFormat {
  /** log2 of the smallest page (12 for a 4 KiB granule). */
  granuleShift: number;
  /** Input address bits the table translates (the domain's IAS). */
  ias: number;
  /** Output address bits. */
  oas: number;
  /**
   * Unmapping part of a block: 'split' (io-pgtable-arm before 6.14: replace the block by a
   * next-level table that keeps the rest) or 'whole' (VT-d and AMD-Vi: drop the whole block
   * and report its size).
   */
  partialBlockUnmap: 'split' | 'whole';
}

/** A format the model cannot walk with exact page-frame numbers. */
export class RadixFormatError extends DmasimError {
  static override readonly code: string = 'IO_PGTABLE_FORMAT';
  constructor(
    readonly format: RadixFormat,
    message: string,
  ) {
    super(`io-pgtable granule shift ${format.granuleShift}, ias ${format.ias}: ${message}`);
    this.name = 'RadixFormatError';
  }
}

/** One table page: each entry is empty, a leaf (page or block), or points to the next level. */
interface RadixTable {
  /** Output address of each leaf entry; undefined where the entry is not a leaf. */
  paddr: (bigint | undefined)[];
  prot: Int32Array;
  /** Next-level tables; null in last-level tables, which hold only pages. */
  next: (RadixTable | undefined)[] | null;
}

export interface LevelLeaves {
  /** Live leaf entries (pages or blocks) at this level. */
  size: number;
}

export interface RadixPageTable {
  kind: 'radix';
  format: RadixFormat;
  levels: number;
  root: RadixTable;
  /** Live leaf entries per level, root first. */
  leaves: LevelLeaves[];
  /** Table pages allocated per level, root first. */
  tablePages: number[];
  // Derived from the format once, so that walks need no bigint shifts.
  /** Entries per table page. */
  entries: number;
  /** Granules one entry covers, per level (ARM_LPAE_BLOCK_SIZE / granule). */
  entryGranules: number[];
  /** Bytes one entry covers, per level (ARM_LPAE_BLOCK_SIZE), and that minus one. */
  entryBytes: bigint[];
  entryMasks: bigint[];
  /** The smallest page: entryBytes of the last level. */
  granule: bigint;
  /** 2^ias and 2^oas: the first input and output addresses out of reach. */
  inputLimit: bigint;
  outputLimit: bigint;
}

function bitsPerLevel(format: RadixFormat): number {
  // A table is one granule of 8-byte descriptors.
  return format.granuleShift - 3;
}

function newTable(entries: number, lastLevel: boolean): RadixTable {
  return {
    paddr: new Array<bigint | undefined>(entries).fill(undefined),
    prot: new Int32Array(entries),
    next: lastLevel ? null : new Array<RadixTable | undefined>(entries).fill(undefined),
  };
}

export function newRadixPageTable(format: RadixFormat): RadixPageTable {
  const bits = bitsPerLevel(format);
  if (!Number.isInteger(bits) || bits < 1 || format.ias - format.granuleShift > 52) {
    throw new RadixFormatError(format, 'input page-frame numbers would not be exact');
  }
  const levels = Math.max(1, Math.ceil((format.ias - format.granuleShift) / bits));
  const entries = 2 ** bits;
  const entryGranules: number[] = [];
  const entryBytes: bigint[] = [];
  for (let l = 0; l < levels; l++) {
    const granuleBits = bits * (levels - 1 - l);
    entryGranules.push(2 ** granuleBits);
    entryBytes.push(1n << BigInt(format.granuleShift + granuleBits));
  }
  return {
    kind: 'radix',
    format,
    levels,
    root: newTable(entries, levels === 1),
    leaves: entryGranules.map(() => ({ size: 0 })),
    tablePages: entryGranules.map((_, l) => (l === 0 ? 1 : 0)),
    entries,
    entryGranules,
    entryBytes,
    entryMasks: entryBytes.map((b) => b - 1n),
    granule: entryBytes[levels - 1]!,
    inputLimit: 1n << BigInt(format.ias),
    outputLimit: 1n << BigInt(format.oas),
  };
}

/** Bytes one entry at `level` covers (ARM_LPAE_BLOCK_SIZE). */
export function radixLevelSize(pt: RadixPageTable, level: number): bigint {
  return pt.entryBytes[level]!;
}

function levelForSize(pt: RadixPageTable, size: bigint): number {
  for (let l = 0; l < pt.levels; l++) if (pt.entryBytes[l] === size) return l;
  return -1;
}

function inputInRange(pt: RadixPageTable, iova: bigint): boolean {
  return iova >= 0n && iova < pt.inputLimit;
}

/** The input pfn of an in-range iova (exact: below 2^52 by the format check). */
function inputPfn(pt: RadixPageTable, iova: bigint): number {
  return u64ToPfn(iova, pt.format.granuleShift);
}

/** Index of pfn's entry within its table at `level`. */
function entryIndex(pt: RadixPageTable, pfn: number, level: number): number {
  // & first takes its operand modulo 2^32, exactly for integers: the low index bits survive.
  return Math.floor(pfn / pt.entryGranules[level]!) & (pt.entries - 1);
}

/** A bigint count of entries, capped at one table's worth (no call goes past one table). */
function entriesCapped(pt: RadixPageTable, count: bigint): number {
  return count < BigInt(pt.entries) ? Number(count) : pt.entries;
}

/** Table pages allocated at each level, root first. */
export function radixTablePages(pt: RadixPageTable): number[] {
  return [...pt.tablePages];
}

/** Sum of the sizes of all live leaf entries. */
export function radixMappedBytes(pt: RadixPageTable): bigint {
  let total = 0n;
  for (let l = 0; l < pt.levels; l++) total += BigInt(pt.leaves[l]!.size) * pt.entryBytes[l]!;
  return total;
}

/** __arm_lpae_free_pgtable(): forget a table at `level` and everything below it. */
function freeTable(pt: RadixPageTable, table: RadixTable, level: number): void {
  pt.tablePages[level]!--;
  for (let i = 0; i < pt.entries; i++) {
    if (table.paddr[i] !== undefined) pt.leaves[level]!.size--;
    const child = table.next?.[i];
    if (child !== undefined) freeTable(pt, child, level + 1);
  }
}

/**
 * The table holding pfn's entry at `target`, allocating missing tables on the way down; null
 * when a block on the way already maps the address ("unmap first").
 */
function tableForMap(pt: RadixPageTable, pfn: number, target: number): RadixTable | null {
  let table = pt.root;
  for (let l = 0; l < target; l++) {
    const i = entryIndex(pt, pfn, l);
    if (table.paddr[i] !== undefined) return null;
    const next = table.next!;
    let child = next[i];
    if (child === undefined) {
      child = newTable(pt.entries, l + 1 === pt.levels - 1);
      next[i] = child;
      pt.tablePages[l + 1]!++;
    }
    table = child;
  }
  return table;
}

/**
 * Map up to `count` entries of level `target` from pfn on, never past the end of the table
 * holding the first: the entries mapped, or -EEXIST (nothing mapped) over a live leaf.
 */
function mapEntries(
  pt: RadixPageTable,
  pfn: number,
  paddr: bigint,
  target: number,
  count: number,
  prot: number,
  stats: IotlbStats,
): number {
  const table = tableForMap(pt, pfn, target);
  if (table === null) return -EEXIST;
  const start = entryIndex(pt, pfn, target);
  const n = Math.min(count, pt.entries - start);
  for (let i = 0; i < n; i++) if (table.paddr[start + i] !== undefined) return -EEXIST;
  const pgsize = pt.entryBytes[target]!;
  let out = paddr;
  for (let i = 0; i < n; i++) {
    const e = start + i;
    // A (possibly emptied) table where a block goes is freed first, as arm_lpae_init_pte does.
    const child = table.next?.[e];
    if (child !== undefined) {
      freeTable(pt, child, target + 1);
      table.next![e] = undefined;
      stats.tlbFlushWalk++;
    }
    table.paddr[e] = out;
    table.prot[e] = prot;
    if (i + 1 < n) out += pgsize;
  }
  pt.leaves[target]!.size += n;
  return n;
}

export interface MapPagesResult {
  ret: number;
  mapped: bigint;
}

/**
 * map_pages() of a radix table (arm_lpae_map_pages): map up to `count` pages of `pgsize`, but
 * never past the end of the table holding the first one; the core calls again for the rest.
 */
export function radixMapPages(
  pt: RadixPageTable,
  iova: bigint,
  paddr: bigint,
  pgsize: bigint,
  count: bigint,
  prot: number,
  stats: IotlbStats,
): MapPagesResult {
  stats.mapPagesCalls++;
  const target = levelForSize(pt, pgsize);
  if (target < 0 || count <= 0n) return { ret: -EINVAL, mapped: 0n };
  if (!inputInRange(pt, iova) || paddr < 0n || paddr >= pt.outputLimit) {
    return { ret: -ERANGE, mapped: 0n };
  }
  const pfn = inputPfn(pt, iova);
  const n = mapEntries(pt, pfn, paddr, target, entriesCapped(pt, count), prot, stats);
  return n < 0 ? { ret: n, mapped: 0n } : { ret: 0, mapped: BigInt(n) * pgsize };
}

/**
 * radixMapPages() of one smallest page (pgsize = granule, count = 1), the DMA API's common
 * case, without the result object: 0 or the negative errno.
 */
export function radixMapGranule(
  pt: RadixPageTable,
  iova: bigint,
  paddr: bigint,
  prot: number,
  stats: IotlbStats,
): number {
  stats.mapPagesCalls++;
  if (!inputInRange(pt, iova) || paddr < 0n || paddr >= pt.outputLimit) return -ERANGE;
  const n = mapEntries(pt, inputPfn(pt, iova), paddr, pt.levels - 1, 1, prot, stats);
  // The one entry mapped, or a negative errno.
  return n === 1 ? 0 : n;
}

/** Bytes of n entries at `level`, without a multiplication for the single-entry case. */
function entriesBytes(pt: RadixPageTable, level: number, n: number): bigint {
  return n === 1 ? pt.entryBytes[level]! : BigInt(n) * pt.entryBytes[level]!;
}

/**
 * arm_lpae_split_blk_unmap(): replace the block at entry idx of `table` (at `level`) by a table
 * one level down that maps the same range; when the unmap targets that next level, leave out
 * the unmapped entries and return their bytes; otherwise return null and let the walk continue
 * into the new table.
 */
function splitBlock(
  pt: RadixPageTable,
  table: RadixTable,
  level: number,
  idx: number,
  pfn: number,
  target: number,
  count: number,
  stats: IotlbStats,
): bigint | null {
  const child = level + 1;
  let skipFrom = -1;
  let skipCount = 0;
  if (target === child) {
    skipFrom = entryIndex(pt, pfn, child);
    skipCount = Math.min(count, pt.entries - skipFrom);
  }
  const blockPaddr = table.paddr[idx]!;
  const blockProt = table.prot[idx]!;
  table.paddr[idx] = undefined;
  pt.leaves[level]!.size--;
  const split = newTable(pt.entries, child === pt.levels - 1);
  table.next![idx] = split;
  pt.tablePages[child]!++;
  const childBytes = pt.entryBytes[child]!;
  let kept = 0;
  for (let i = 0; i < pt.entries; i++) {
    if (i >= skipFrom && i < skipFrom + skipCount) continue;
    split.paddr[i] = blockPaddr + BigInt(i) * childBytes;
    split.prot[i] = blockProt;
    kept++;
  }
  pt.leaves[child]!.size += kept;
  if (skipFrom < 0) return null;
  stats.tlbAddPage += skipCount;
  return entriesBytes(pt, child, skipCount);
}

/**
 * __arm_lpae_unmap() from the root: clear up to `count` entries of level `target` within one
 * table, stopping at the first empty one; the bytes unmapped (0 when the first entry is empty).
 * A larger block on the way is split or dropped whole per the format.
 */
function unmapEntries(
  pt: RadixPageTable,
  pfn: number,
  target: number,
  count: number,
  stats: IotlbStats,
): bigint {
  let table = pt.root;
  for (let l = 0; l < target; l++) {
    const i = entryIndex(pt, pfn, l);
    if (table.paddr[i] !== undefined) {
      if (pt.format.partialBlockUnmap === 'whole') {
        table.paddr[i] = undefined;
        pt.leaves[l]!.size--;
        stats.tlbAddPage++;
        return pt.entryBytes[l]!;
      }
      const done = splitBlock(pt, table, l, i, pfn, target, count, stats);
      if (done !== null) return done;
    }
    const child = table.next![i];
    if (child === undefined) return 0n;
    table = child;
  }
  const start = entryIndex(pt, pfn, target);
  const n = Math.min(count, pt.entries - start);
  const leaves = pt.leaves[target]!;
  let i = 0;
  for (; i < n; i++) {
    const e = start + i;
    if (table.paddr[e] !== undefined) {
      table.paddr[e] = undefined;
      leaves.size--;
      stats.tlbAddPage++;
      continue;
    }
    const child = table.next?.[e];
    if (child === undefined) break;
    freeTable(pt, child, target + 1);
    table.next![e] = undefined;
    stats.tlbFlushWalk++;
  }
  return i === 0 ? 0n : entriesBytes(pt, target, i);
}

/**
 * unmap_pages() of a radix table (__arm_lpae_unmap): clear up to `count` entries of `pgsize`
 * within one table, stopping at the first empty one; returns the bytes unmapped (0 when the
 * first entry is empty). A larger block on the way is split or dropped whole per the format.
 */
export function radixUnmapPages(
  pt: RadixPageTable,
  iova: bigint,
  pgsize: bigint,
  count: bigint,
  stats: IotlbStats,
): bigint {
  stats.unmapPagesCalls++;
  const target = levelForSize(pt, pgsize);
  if (target < 0 || count <= 0n || !inputInRange(pt, iova)) return 0n;
  return unmapEntries(pt, inputPfn(pt, iova), target, entriesCapped(pt, count), stats);
}

/** radixUnmapPages() of one smallest page (pgsize = granule, count = 1). */
export function radixUnmapGranule(pt: RadixPageTable, iova: bigint, stats: IotlbStats): bigint {
  stats.unmapPagesCalls++;
  if (!inputInRange(pt, iova)) return 0n;
  return unmapEntries(pt, inputPfn(pt, iova), pt.levels - 1, 1, stats);
}

/** iommu_iova_to_phys() on a radix table: null where nothing is mapped. */
export function radixIovaToPhys(pt: RadixPageTable, iova: bigint): bigint | null {
  if (!inputInRange(pt, iova)) return null;
  const pfn = inputPfn(pt, iova);
  let table = pt.root;
  for (let l = 0; l < pt.levels; l++) {
    const i = entryIndex(pt, pfn, l);
    const out = table.paddr[i];
    if (out !== undefined) return out + (iova & pt.entryMasks[l]!);
    const child = table.next?.[i];
    if (child === undefined) return null;
    table = child;
  }
  return null;
}

/** A live leaf entry: the iova range it maps (bytes) and the output address of its start. */
export interface MappedExtent {
  start: bigint;
  size: bigint;
  paddr: bigint;
}

/**
 * The first live leaf (page or block) that ends after `iova` and starts before `limit`, by a walk
 * from the root that skips empty entries and absent tables: the cost is the table entries
 * passed, not the pages of the range.
 */
export function radixNextLeaf(
  pt: RadixPageTable,
  iova: bigint,
  limit: bigint,
): MappedExtent | null {
  if (iova >= pt.inputLimit || limit <= iova) return null;
  const from = iova < 0n ? 0n : iova;
  const visit = (table: RadixTable, level: number, base: bigint): MappedExtent | null => {
    const bytes = pt.entryBytes[level]!;
    const first = from > base ? Number((from - base) / bytes) : 0;
    for (let i = first; i < pt.entries; i++) {
      const start = base + BigInt(i) * bytes;
      if (start >= limit) return null;
      const paddr = table.paddr[i];
      if (paddr !== undefined) return { start, size: bytes, paddr };
      const child = table.next?.[i];
      if (child !== undefined) {
        // Recursion over the table's levels (at most a handful), not over the input.
        const found = visit(child, level + 1, start);
        if (found !== null) return found;
      }
    }
    return null;
  };
  return visit(pt.root, 0, 0n);
}
