// Inclusive u64 ranges: the arithmetic the reach computation and the drawings share.
import { maxU64, minU64, parseU64 } from '@dmasim/dma-mapping';
import type { HexRange } from './platform-view.js';

export interface U64Range {
  start: bigint;
  /** Inclusive. */
  end: bigint;
}

export function parseRange(r: HexRange): U64Range {
  return { start: parseU64(r.start), end: parseU64(r.end) };
}

export function rangesOverlap(a: U64Range, b: U64Range): boolean {
  return a.start <= b.end && b.start <= a.end;
}

export function intersect(a: U64Range, b: U64Range): U64Range | null {
  const start = maxU64(a.start, b.start);
  const end = minU64(a.end, b.end);
  return start <= end ? { start, end } : null;
}

/** Sorted, with touching or overlapping ranges merged. */
export function normalizeRanges(ranges: readonly U64Range[]): U64Range[] {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: U64Range[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last && r.start <= last.end + 1n) {
      if (r.end > last.end) last.end = r.end;
    } else out.push({ ...r });
  }
  return out;
}

/** `from` minus every range of `holes`. */
export function subtract(from: readonly U64Range[], holes: readonly U64Range[]): U64Range[] {
  const out: U64Range[] = [];
  const sortedHoles = normalizeRanges(holes);
  for (const r of normalizeRanges(from)) {
    let cursor = r.start;
    let done = false;
    for (const h of sortedHoles) {
      if (h.end < cursor || h.start > r.end) continue;
      if (h.start > cursor) out.push({ start: cursor, end: h.start - 1n });
      if (h.end >= r.end) {
        done = true;
        break;
      }
      cursor = h.end + 1n;
    }
    if (!done) out.push({ start: cursor, end: r.end });
  }
  return out;
}
