// translate_phys_to_dma() / translate_dma_to_phys() for dev->dma_range_map, with the same
// first-match answer as the kernel's linear walk but logarithmic cost on large maps: the map is
// cut once into disjoint pieces, each owned by the first region covering it.

import {
  type BusDmaRegion,
  DMA_MAPPING_ERROR,
  liveRegions,
  PHYS_ADDR_ERROR,
} from '@dmasim/dma-mapping';

const TWO64 = 1n << 64n;
const U64 = TWO64 - 1n;
/** Maps this small are walked linearly: cheaper than a search. */
const LINEAR_MAX = 8;

interface Piece {
  /** Piece starts, ascending; piece i is [starts[i], starts[i+1]) (the last ends at 2^64). */
  starts: bigint[];
  /** Owning region index per piece, -1 where no region covers. */
  owner: Int32Array;
}

interface RangeIndex {
  live: readonly BusDmaRegion[];
  byCpu: Piece | null;
  byDma: Piece | null;
}

const cache = new WeakMap<readonly BusDmaRegion[], RangeIndex>();

function indexFor(map: readonly BusDmaRegion[]): RangeIndex {
  let idx = cache.get(map);
  if (!idx) {
    idx = { live: liveRegions(map), byCpu: null, byDma: null };
    cache.set(map, idx);
  }
  return idx;
}

/** Cut [start, start+size) ranges (clipped at 2^64) into pieces owned by the lowest index. */
function buildPieces(live: readonly BusDmaRegion[], key: 'cpuStart' | 'dmaStart'): Piece {
  const n = live.length;
  const events: Array<{ at: bigint; open: boolean; i: number }> = [];
  for (let i = 0; i < n; i++) {
    const r = live[i] as BusDmaRegion;
    const start = r[key];
    const end = start + r.size > TWO64 ? TWO64 : start + r.size;
    if (end <= start) continue;
    events.push({ at: start, open: true, i });
    events.push({ at: end, open: false, i });
  }
  events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  // Active set as a min-heap of region indices with lazy deletion.
  const heap: number[] = [];
  const activeCount = new Int32Array(n);
  const push = (v: number) => {
    heap.push(v);
    let c = heap.length - 1;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if ((heap[p] as number) <= v) break;
      heap[c] = heap[p] as number;
      c = p;
    }
    heap[c] = v;
  };
  const pop = () => {
    const last = heap.pop() as number;
    if (heap.length === 0) return;
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const m = r < heap.length && (heap[r] as number) < (heap[l] as number) ? r : l;
      if ((heap[m] as number) >= last) break;
      heap[c] = heap[m] as number;
      c = m;
    }
    heap[c] = last;
  };
  const top = () => {
    while (heap.length > 0 && (activeCount[heap[0] as number] as number) === 0) pop();
    return heap.length > 0 ? (heap[0] as number) : -1;
  };
  const starts: bigint[] = [0n];
  const owners: number[] = [-1];
  let e = 0;
  while (e < events.length) {
    const at = (events[e] as { at: bigint }).at;
    while (e < events.length && (events[e] as { at: bigint }).at === at) {
      const ev = events[e] as { open: boolean; i: number };
      if (ev.open) {
        activeCount[ev.i] = (activeCount[ev.i] as number) + 1;
        push(ev.i);
      } else activeCount[ev.i] = (activeCount[ev.i] as number) - 1;
      e++;
    }
    if (at >= TWO64) break;
    const owner = top();
    if (starts[starts.length - 1] === at) owners[owners.length - 1] = owner;
    else if (owners[owners.length - 1] !== owner) {
      starts.push(at);
      owners.push(owner);
    }
  }
  return { starts, owner: Int32Array.from(owners) };
}

function lookup(p: Piece, x: bigint): number {
  const s = p.starts;
  let lo = 0;
  let hi = s.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((s[mid] as bigint) <= x) lo = mid;
    else hi = mid - 1;
  }
  return p.owner[lo] as number;
}

/** translate_phys_to_dma() */
export function physToDmaIndexed(map: readonly BusDmaRegion[], phys: bigint): bigint {
  const idx = indexFor(map);
  const live = idx.live;
  if (live.length <= LINEAR_MAX) {
    for (let i = 0; i < live.length; i++) {
      const r = live[i] as BusDmaRegion;
      if (phys >= r.cpuStart && phys - r.cpuStart < r.size)
        return (r.dmaStart + (phys - r.cpuStart)) & U64;
    }
    return DMA_MAPPING_ERROR;
  }
  if (!idx.byCpu) idx.byCpu = buildPieces(live, 'cpuStart');
  const owner = lookup(idx.byCpu, phys);
  if (owner < 0) return DMA_MAPPING_ERROR;
  const r = live[owner] as BusDmaRegion;
  return (r.dmaStart + (phys - r.cpuStart)) & U64;
}

/** translate_dma_to_phys() */
export function dmaToPhysIndexed(map: readonly BusDmaRegion[], dma: bigint): bigint {
  const idx = indexFor(map);
  const live = idx.live;
  if (live.length <= LINEAR_MAX) {
    for (let i = 0; i < live.length; i++) {
      const r = live[i] as BusDmaRegion;
      if (dma >= r.dmaStart && dma - r.dmaStart < r.size)
        return (r.cpuStart + (dma - r.dmaStart)) & U64;
    }
    return PHYS_ADDR_ERROR;
  }
  if (!idx.byDma) idx.byDma = buildPieces(live, 'dmaStart');
  const owner = lookup(idx.byDma, dma);
  if (owner < 0) return PHYS_ADDR_ERROR;
  const r = live[owner] as BusDmaRegion;
  return (r.cpuStart + (dma - r.dmaStart)) & U64;
}
