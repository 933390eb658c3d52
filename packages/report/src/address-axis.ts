// A segmented address axis: the span between consecutive interesting addresses gets a width that
// grows with the log of its size, so a 4 KiB window and a 16 EiB hole are both visible. Inside a
// segment the scale is linear; exact values go in tables and hover titles.

export interface AxisSegment {
  start: bigint;
  /** Exclusive (may be 2^64). */
  end: bigint;
  x0: number;
  x1: number;
}

export interface AddressAxis {
  segments: AxisSegment[];
  /** The breakpoints, ascending, from the first start to the last (exclusive) end. */
  points: bigint[];
  left: number;
  right: number;
  /** x of an address (an exclusive end may be passed as the end of the last segment). */
  x(addr: bigint): number;
}

const MIN_SEGMENT_PX = 16;

function bitLength(n: bigint): number {
  return n <= 0n ? 0 : n.toString(2).length;
}

/** A segment's share of the width: 1 for tiny spans, up to ~56 for the whole 64-bit space. */
function segmentWeight(size: bigint): number {
  return Math.max(1, bitLength(size) - 8);
}

/** The axis over `points` (addresses; duplicates fine), drawn between x = left and x = right. */
export function segmentedAxis(points: readonly bigint[], left: number, right: number): AddressAxis {
  const sorted = [...new Set(points)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (sorted.length === 0) sorted.push(0n);
  if (sorted.length === 1) sorted.push(sorted[0]! + 0x1000n);
  const spans = sorted.slice(1).map((end, i) => ({ start: sorted[i]!, end }));
  const width = right - left;
  const minPx = Math.min(MIN_SEGMENT_PX, width / spans.length);
  const weights = spans.map((s) => segmentWeight(s.end - s.start));
  const total = weights.reduce((a, b) => a + b, 0);
  const spare = width - minPx * spans.length;
  let x = left;
  const segments: AxisSegment[] = spans.map((s, i) => {
    const w = minPx + (spare * weights[i]!) / total;
    const seg = { start: s.start, end: s.end, x0: x, x1: x + w };
    x += w;
    return seg;
  });
  const axisX = (addr: bigint): number => {
    const first = segments[0]!;
    if (addr <= first.start) return first.x0;
    for (const seg of segments) {
      if (addr < seg.end) {
        const frac = Number(((addr - seg.start) * 1_000_000n) / (seg.end - seg.start)) / 1e6;
        return seg.x0 + frac * (seg.x1 - seg.x0);
      }
    }
    return segments.at(-1)!.x1;
  };
  return { segments, points: sorted, left, right, x: axisX };
}
