// Free-page bookkeeping shared by the page allocator and CMA: sorted free extents of page
// frame numbers (plain numbers), first fit from the top or from the bottom.
import { DmasimError } from '@dmasim/dma-mapping';

/** Freeing pages that are (partly) free already: a double free in the caller. */
export class DoubleFreeError extends DmasimError {
  static override readonly code: string = 'DOUBLE_FREE';
  override name = 'DoubleFreeError';
  constructor(
    readonly pfn: number,
    readonly count: number,
  ) {
    super(`pfn ${pfn.toString(16)}+${count}: pages are already free (double free)`);
  }
}

/** Free [start, end) page-frame extents, ascending and non-touching. */
export interface Extents {
  starts: number[];
  ends: number[];
}

export function createExtents(ranges: ReadonlyArray<readonly [number, number]>): Extents {
  const ext: Extents = { starts: [], ends: [] };
  for (const [s, e] of [...ranges].sort((a, b) => a[0] - b[0])) if (e > s) freePages(ext, s, e - s);
  return ext;
}

export function freePageCount(ext: Extents): number {
  let n = 0;
  for (let i = 0; i < ext.starts.length; i++)
    n += (ext.ends[i] as number) - (ext.starts[i] as number);
  return n;
}

/**
 * Take `count` pages aligned to `align` pages from [lo, hi). Highest block first unless
 * `bottomUp`. Returns the first pfn, or -1.
 */
export function allocPages(
  ext: Extents,
  count: number,
  align: number,
  lo: number,
  hi: number,
  bottomUp: boolean,
): number {
  const n = ext.starts.length;
  if (bottomUp) {
    for (let i = 0; i < n; i++) {
      const s = Math.max(ext.starts[i] as number, lo);
      const e = Math.min(ext.ends[i] as number, hi);
      const cand = Math.ceil(s / align) * align;
      if (cand + count <= e) return take(ext, i, cand, count);
    }
    return -1;
  }
  for (let i = n - 1; i >= 0; i--) {
    const s = Math.max(ext.starts[i] as number, lo);
    const e = Math.min(ext.ends[i] as number, hi);
    if (e - count < s) continue;
    const cand = Math.floor((e - count) / align) * align;
    if (cand >= s) return take(ext, i, cand, count);
  }
  return -1;
}

function take(ext: Extents, i: number, start: number, count: number): number {
  const s = ext.starts[i] as number;
  const e = ext.ends[i] as number;
  const end = start + count;
  if (start === s && end === e) {
    ext.starts.splice(i, 1);
    ext.ends.splice(i, 1);
  } else if (start === s) ext.starts[i] = end;
  else if (end === e) ext.ends[i] = start;
  else {
    ext.ends[i] = start;
    ext.starts.splice(i + 1, 0, end);
    ext.ends.splice(i + 1, 0, e);
  }
  return start;
}

/** Give pages back, merging with neighbours. Overlap with free pages is a double free. */
export function freePages(ext: Extents, start: number, count: number): void {
  const end = start + count;
  let i = 0;
  while (i < ext.starts.length && (ext.starts[i] as number) < start) i++;
  const prevEnd = i > 0 ? (ext.ends[i - 1] as number) : Number.NEGATIVE_INFINITY;
  const nextStart = i < ext.starts.length ? (ext.starts[i] as number) : Number.POSITIVE_INFINITY;
  if (prevEnd > start || nextStart < end) {
    throw new DoubleFreeError(start, count);
  }
  const mergePrev = prevEnd === start;
  const mergeNext = nextStart === end;
  if (mergePrev && mergeNext) {
    ext.ends[i - 1] = ext.ends[i] as number;
    ext.starts.splice(i, 1);
    ext.ends.splice(i, 1);
  } else if (mergePrev) ext.ends[i - 1] = end;
  else if (mergeNext) ext.starts[i] = start;
  else {
    ext.starts.splice(i, 0, start);
    ext.ends.splice(i, 0, end);
  }
}
