// A radix IO page table as io-pgtable-arm (LPAE stage 1) and the VT-d / AMD-Vi tables build it:
// sparse, with only leaf entries and table pages recorded, so counting table pages per level and
// mapping large ranges stay cheap.
import { EINVAL, ERANGE } from '@dmasim/dma-mapping';
import type { IotlbStats } from './domain.js';
import { EEXIST } from './errno-extra.js';

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

export interface RadixLeaf {
  paddr: bigint;
  prot: number;
}

export interface RadixPageTable {
  kind: 'radix';
  format: RadixFormat;
  levels: number;
  /** leaves[l]: entry index (iova >> levelShift(l)) → leaf, for level l (0 is the root). */
  leaves: Map<number, RadixLeaf>[];
  /** tables[l]: indices (iova >> (levelShift(l) + bits per level)) of the tables at level l. */
  tables: Set<number>[];
}

function bitsPerLevel(format: RadixFormat): number {
  // A table is one granule of 8-byte descriptors.
  return format.granuleShift - 3;
}

export function newRadixPageTable(format: RadixFormat): RadixPageTable {
  const bits = bitsPerLevel(format);
  const levels = Math.max(1, Math.ceil((format.ias - format.granuleShift) / bits));
  const leaves: Map<number, RadixLeaf>[] = [];
  const tables: Set<number>[] = [];
  for (let l = 0; l < levels; l++) {
    leaves.push(new Map());
    tables.push(new Set());
  }
  tables[0]!.add(0);
  return { kind: 'radix', format, levels, leaves, tables };
}

function levelShift(pt: RadixPageTable, level: number): number {
  return pt.format.granuleShift + bitsPerLevel(pt.format) * (pt.levels - 1 - level);
}

/** Bytes one entry at `level` covers (ARM_LPAE_BLOCK_SIZE). */
export function radixLevelSize(pt: RadixPageTable, level: number): bigint {
  return 1n << BigInt(levelShift(pt, level));
}

function entryIndex(pt: RadixPageTable, iova: bigint, level: number): number {
  return Number(iova >> BigInt(levelShift(pt, level)));
}

function levelForSize(pt: RadixPageTable, size: bigint): number {
  for (let l = 0; l < pt.levels; l++) if (radixLevelSize(pt, l) === size) return l;
  return -1;
}

/** Table pages allocated at each level, root first. */
export function radixTablePages(pt: RadixPageTable): number[] {
  return pt.tables.map((t) => t.size);
}

/** Sum of the sizes of all live leaf entries. */
export function radixMappedBytes(pt: RadixPageTable): bigint {
  let total = 0n;
  for (let l = 0; l < pt.levels; l++) total += BigInt(pt.leaves[l]!.size) * radixLevelSize(pt, l);
  return total;
}

/** __arm_lpae_free_pgtable(): drop a table and everything below it. */
function freeTable(pt: RadixPageTable, level: number, tableIndex: number): void {
  pt.tables[level]!.delete(tableIndex);
  const entries = 1 << bitsPerLevel(pt.format);
  const base = tableIndex * entries;
  const leaves = pt.leaves[level]!;
  const children = pt.tables[level + 1];
  for (let i = 0; i < entries; i++) {
    leaves.delete(base + i);
    if (children?.has(base + i)) freeTable(pt, level + 1, base + i);
  }
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
  if (target < 0 || count === 0n) return { ret: -EINVAL, mapped: 0n };
  if (iova >> BigInt(pt.format.ias) !== 0n || paddr >> BigInt(pt.format.oas) !== 0n) {
    return { ret: -ERANGE, mapped: 0n };
  }
  // Walk down, allocating missing tables; a block on the way means "unmap first".
  for (let l = 0; l < target; l++) {
    const idx = entryIndex(pt, iova, l);
    if (pt.leaves[l]!.has(idx)) return { ret: -EEXIST, mapped: 0n };
    pt.tables[l + 1]!.add(idx);
  }
  const entries = 1 << bitsPerLevel(pt.format);
  const start = entryIndex(pt, iova, target);
  const room = BigInt(entries - (start % entries));
  const n = Number(count < room ? count : room);
  const leaves = pt.leaves[target]!;
  for (let i = 0; i < n; i++) {
    if (leaves.has(start + i)) return { ret: -EEXIST, mapped: 0n };
  }
  const children = pt.tables[target + 1];
  for (let i = 0; i < n; i++) {
    // A (possibly emptied) table where a block goes is freed first, as arm_lpae_init_pte does.
    if (children?.has(start + i)) {
      freeTable(pt, target + 1, start + i);
      stats.tlbFlushWalk++;
    }
    leaves.set(start + i, { paddr: paddr + BigInt(i) * pgsize, prot });
  }
  return { ret: 0, mapped: BigInt(n) * pgsize };
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
  if (target < 0 || count === 0n || iova >> BigInt(pt.format.ias) !== 0n) return 0n;
  const entries = 1 << bitsPerLevel(pt.format);
  for (let l = 0; l < target; l++) {
    const idx = entryIndex(pt, iova, l);
    const block = pt.leaves[l]!.get(idx);
    if (block !== undefined) {
      if (pt.format.partialBlockUnmap === 'whole') {
        pt.leaves[l]!.delete(idx);
        stats.tlbAddPage++;
        return radixLevelSize(pt, l);
      }
      const done = splitBlock(pt, l, idx, block, iova, pgsize, count, stats);
      if (done !== null) return done;
      continue;
    }
    if (!pt.tables[l + 1]!.has(idx)) return 0n;
  }
  const start = entryIndex(pt, iova, target);
  const room = BigInt(entries - (start % entries));
  const n = Number(count < room ? count : room);
  const leaves = pt.leaves[target]!;
  const children = pt.tables[target + 1];
  let i = 0;
  for (; i < n; i++) {
    const e = start + i;
    if (leaves.delete(e)) {
      stats.tlbAddPage++;
    } else if (children?.has(e)) {
      freeTable(pt, target + 1, e);
      stats.tlbFlushWalk++;
    } else {
      break;
    }
  }
  return BigInt(i) * pgsize;
}

/**
 * arm_lpae_split_blk_unmap(): replace the block at (level, idx) by a table one level down that
 * maps the same range; when the unmap size is that level's size, leave out the unmapped entries
 * and return their bytes; otherwise return null and let the walk continue into the new table.
 */
function splitBlock(
  pt: RadixPageTable,
  level: number,
  idx: number,
  block: RadixLeaf,
  iova: bigint,
  size: bigint,
  count: bigint,
  stats: IotlbStats,
): bigint | null {
  const entries = 1 << bitsPerLevel(pt.format);
  const child = level + 1;
  const childSize = radixLevelSize(pt, child);
  let skipFrom = -1;
  let skipCount = 0;
  if (size === childSize) {
    skipFrom = entryIndex(pt, iova, child) % entries;
    const room = BigInt(entries - skipFrom);
    skipCount = Number(count < room ? count : room);
  }
  pt.leaves[level]!.delete(idx);
  pt.tables[child]!.add(idx);
  const leaves = pt.leaves[child]!;
  const base = idx * entries;
  for (let i = 0; i < entries; i++) {
    if (skipFrom >= 0 && i >= skipFrom && i < skipFrom + skipCount) continue;
    leaves.set(base + i, { paddr: block.paddr + BigInt(i) * childSize, prot: block.prot });
  }
  if (skipFrom < 0) return null;
  stats.tlbAddPage += skipCount;
  return BigInt(skipCount) * size;
}

/** iommu_iova_to_phys() on a radix table: null where nothing is mapped. */
export function radixIovaToPhys(pt: RadixPageTable, iova: bigint): bigint | null {
  if (iova >> BigInt(pt.format.ias) !== 0n) return null;
  for (let l = 0; l < pt.levels; l++) {
    const idx = entryIndex(pt, iova, l);
    const leaf = pt.leaves[l]!.get(idx);
    if (leaf !== undefined) return leaf.paddr + (iova & (radixLevelSize(pt, l) - 1n));
    if (!pt.tables[l + 1]?.has(idx)) return null;
  }
  return null;
}
