// Early boot allocations: memblock_find_in_range_node() top-down (and the bottom-up variant CMA
// tries above 4 GiB), enough to place CMA and the swiotlb pool where the kernel does.

import type { RamBank } from './memory-zones.js';
import { PAGE_SIZE } from './memory-zones.js';

/** memblock.memory and memblock.reserved. */
export interface Memblock {
  memory: readonly RamBank[];
  reserved: RamBank[];
}

export function createMemblock(
  memory: readonly RamBank[],
  reserved: readonly RamBank[] = [],
): Memblock {
  return { memory, reserved: reserved.map((r) => ({ start: r.start, size: r.size })) };
}

/** Free ranges: memory minus reserved, ascending, [start, end) pairs. */
export function freeRanges(mb: Memblock): Array<[bigint, bigint]> {
  const reserved = [...mb.reserved].sort((a, b) =>
    a.start < b.start ? -1 : a.start > b.start ? 1 : 0,
  );
  const out: Array<[bigint, bigint]> = [];
  for (const bank of mb.memory) {
    let cur = bank.start;
    const end = bank.start + bank.size;
    for (const r of reserved) {
      const rEnd = r.start + r.size;
      if (rEnd <= cur || r.start >= end) continue;
      if (r.start > cur) out.push([cur, r.start]);
      if (rEnd > cur) cur = rEnd;
    }
    if (cur < end) out.push([cur, end]);
  }
  return out;
}

function roundDown(x: bigint, align: bigint): bigint {
  return x - (x % align);
}

function roundUp(x: bigint, align: bigint): bigint {
  return roundDown(x + align - 1n, align);
}

/**
 * memblock_alloc_range_nid(): find `size` bytes aligned to `align` inside [start, end) of free
 * memory, highest first (or lowest first with bottomUp), and reserve them. null when none fits.
 * As in the kernel, `end` is used as given: callers passing an inclusive limit lose its last byte.
 */
export function memblockAlloc(
  mb: Memblock,
  size: bigint,
  align: bigint,
  start: bigint,
  end: bigint,
  bottomUp = false,
): bigint | null {
  const lo = start > BigInt(PAGE_SIZE) ? start : BigInt(PAGE_SIZE);
  const hi = end > lo ? end : lo;
  const ranges = freeRanges(mb);
  if (bottomUp) {
    for (const [rs, re] of ranges) {
      const s = roundUp(rs > lo ? rs : lo, align);
      const e = re < hi ? re : hi;
      if (s + size <= e) return reserve(mb, s, size);
    }
    return null;
  }
  for (let i = ranges.length - 1; i >= 0; i--) {
    const [rs, re] = ranges[i] as [bigint, bigint];
    const s = rs > lo ? rs : lo;
    const e = re < hi ? re : hi;
    if (e < size) continue;
    const cand = roundDown(e - size, align);
    if (cand >= s) return reserve(mb, cand, size);
  }
  return null;
}

function reserve(mb: Memblock, start: bigint, size: bigint): bigint {
  mb.reserved.push({ start, size });
  return start;
}
