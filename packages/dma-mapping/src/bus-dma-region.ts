import { addU64, subU64, U64_MAX } from './u64.js';

/** struct bus_dma_region: one entry of dev->dma_range_map (6.8+ layout, no offset field). */
export interface BusDmaRegion {
  cpuStart: bigint;
  dmaStart: bigint;
  size: bigint;
}

/** DMA_MAPPING_ERROR: (dma_addr_t)~0. */
export const DMA_MAPPING_ERROR = U64_MAX;
/** (phys_addr_t)-1, what dma_to_phys returns without a match. */
export const PHYS_ADDR_ERROR = U64_MAX;

/** The entries a consumer sees: everything before the first size-0 terminator. */
export function liveRegions(map: readonly BusDmaRegion[]): readonly BusDmaRegion[] {
  const end = map.findIndex((r) => r.size === 0n);
  return end < 0 ? map : map.slice(0, end);
}

/** dma_range_map_min(): lowest dma_start, U64_MAX for an empty map. */
export function dmaRangeMapMin(map: readonly BusDmaRegion[]): bigint {
  let acc = U64_MAX;
  for (const r of liveRegions(map)) if (r.dmaStart < acc) acc = r.dmaStart;
  return acc;
}

/** dma_range_map_max(): highest inclusive end (dma_start + size - 1, wrapping), 0 when empty. */
export function dmaRangeMapMax(map: readonly BusDmaRegion[]): bigint {
  let acc = 0n;
  for (const r of liveRegions(map)) {
    const end = subU64(addU64(r.dmaStart, r.size), 1n);
    if (end > acc) acc = end;
  }
  return acc;
}

/** translate_phys_to_dma(): first region containing phys, else DMA_MAPPING_ERROR. */
export function translatePhysToDma(map: readonly BusDmaRegion[], phys: bigint): bigint {
  for (const r of liveRegions(map)) {
    const off = subU64(phys, r.cpuStart);
    if (phys >= r.cpuStart && off < r.size) return addU64(r.dmaStart, off);
  }
  return DMA_MAPPING_ERROR;
}

/** translate_dma_to_phys(): first region containing dma, else (phys_addr_t)-1. */
export function translateDmaToPhys(map: readonly BusDmaRegion[], dma: bigint): bigint {
  for (const r of liveRegions(map)) {
    const off = subU64(dma, r.dmaStart);
    if (dma >= r.dmaStart && off < r.size) return addU64(r.cpuStart, off);
  }
  return PHYS_ADDR_ERROR;
}
