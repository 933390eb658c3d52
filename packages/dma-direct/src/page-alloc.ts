// The buddy allocator as dma-direct sees it: gfp_zone() picks the highest zone a request may use,
// the zonelist falls back to lower zones, blocks are 2^order pages aligned to their size.
// Plus the default CMA area (dma_alloc_contiguous() / cma_alloc_aligned()).

import { GFP_DMA, GFP_DMA32 } from '@dmasim/dma-mapping';
import { allocPages, createExtents, type Extents, freePages } from './extent-allocator.js';
import type { MemoryLayout, ZoneName } from './memory-zones.js';
import { PAGE_SHIFT, ZONE_NAMES } from './memory-zones.js';

/** MAX_PAGE_ORDER (6.8+ name of MAX_ORDER) with 4 KiB pages. */
export const MAX_PAGE_ORDER = 10;
/** CONFIG_CMA_ALIGNMENT default. */
const CMA_ALIGNMENT = 8;

export interface PageAllocator {
  layout: MemoryLayout;
  free: Extents;
  /** Which end of a zone the model hands out first: the kernel's choice is not deterministic. */
  topDown: boolean;
}

export interface CmaArea {
  base: bigint;
  size: bigint;
  free: Extents;
}

export function createPageAllocator(
  layout: MemoryLayout,
  freeRanges: ReadonlyArray<readonly [bigint, bigint]>,
  topDown: boolean,
): PageAllocator {
  const pfns = freeRanges.map(([s, e]) => [Number((s + 4095n) >> 12n), Number(e >> 12n)] as const);
  return { layout, free: createExtents(pfns), topDown };
}

export function createCmaArea(base: bigint, size: bigint): CmaArea {
  const start = Number(base >> 12n);
  return { base, size, free: createExtents([[start, start + Number(size >> 12n)]]) };
}

/** get_order() */
export function getOrder(size: bigint): number {
  const pages = (size + 4095n) >> 12n;
  let order = 0;
  while (1n << BigInt(order) < pages) order++;
  return order;
}

/** gfp_zone(): the highest zone index a request may come from (0 DMA, 1 DMA32, 2 Normal). */
export function gfpZone(layout: MemoryLayout, gfp: number): number {
  if (gfp & GFP_DMA && layout.zones.DMA.configured) return 0;
  if (gfp & GFP_DMA32 && layout.zones.DMA32.configured) return 1;
  return 2;
}

/** alloc_pages(): first pfn of 2^order pages, and the zone they came from; null when none. */
export function allocZonePages(
  pa: PageAllocator,
  gfp: number,
  order: number,
): { pfn: number; zone: ZoneName } | null {
  if (order > MAX_PAGE_ORDER) return null;
  const count = 2 ** order;
  for (let z = gfpZone(pa.layout, gfp); z >= 0; z--) {
    const name = ZONE_NAMES[z] as ZoneName;
    const span = pa.layout.zones[name];
    if (span.start === null || span.end === null) continue;
    const lo = Number(span.start >> BigInt(PAGE_SHIFT));
    const hi = Number((span.end + 1n) >> BigInt(PAGE_SHIFT));
    const pfn = allocPages(pa.free, count, count, lo, hi, !pa.topDown);
    if (pfn >= 0) return { pfn, zone: name };
  }
  return null;
}

export function freeZonePages(pa: PageAllocator, pfn: number, order: number): void {
  freePages(pa.free, pfn, 2 ** order);
}

/** cma_alloc_aligned(): lowest free run of whole pages, aligned to min(order, 8). */
export function cmaAllocAligned(cma: CmaArea, size: bigint): number {
  const count = Number((size + 4095n) >> 12n);
  const align = 2 ** Math.min(getOrder(size), CMA_ALIGNMENT);
  return allocPages(cma.free, count, align, 0, Number.MAX_SAFE_INTEGER, true);
}

/** cma_release(): false when the pages are not from this area. */
export function cmaRelease(cma: CmaArea, phys: bigint, size: bigint): boolean {
  if (phys < cma.base || phys >= cma.base + cma.size) return false;
  freePages(cma.free, Number(phys >> 12n), Number((size + 4095n) >> 12n));
  return true;
}
