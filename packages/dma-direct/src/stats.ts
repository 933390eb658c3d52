// Counters a run of the DMA layer accumulates: a plain object, cheap to bump on the hot path.

import type { ZoneName } from './memory-zones.js';

export interface DmaStats {
  /** Successful streaming mappings (map_page, each mapped sg segment). */
  maps: number;
  unmaps: number;
  /** Streaming mappings served from a swiotlb pool. */
  bounces: number;
  /** swiotlb_bounce() copies and the bytes they moved. */
  bounceCopies: number;
  bounceBytes: number;
  /** Streaming mappings that returned DMA_MAPPING_ERROR (or an sg error). */
  mapFailures: number;
  /** Coherent allocations that returned NULL. */
  allocFailures: number;
  /** Slots in use in every swiotlb pool together, and the most ever in use. */
  swiotlbUsedSlots: number;
  swiotlbHighWater: number;
  /** Coherent allocations by the zone their memory is in. */
  allocsPerZone: Record<ZoneName, number>;
  /** Coherent allocations served by CMA / by a restricted swiotlb pool. */
  allocsFromCma: number;
  allocsFromSwiotlb: number;
  /** Coherent allocations a non-coherent device got remapped uncached. */
  remappedAllocs: number;
  frees: number;
  /** arch_sync_dma_for_device() / arch_sync_dma_for_cpu() calls. */
  cacheMaintenanceForDevice: number;
  cacheMaintenanceForCpu: number;
}

export function createStats(): DmaStats {
  return {
    maps: 0,
    unmaps: 0,
    bounces: 0,
    bounceCopies: 0,
    bounceBytes: 0,
    mapFailures: 0,
    allocFailures: 0,
    swiotlbUsedSlots: 0,
    swiotlbHighWater: 0,
    allocsPerZone: { DMA: 0, DMA32: 0, Normal: 0 },
    allocsFromCma: 0,
    allocsFromSwiotlb: 0,
    remappedAllocs: 0,
    frees: 0,
    cacheMaintenanceForDevice: 0,
    cacheMaintenanceForCpu: 0,
  };
}
