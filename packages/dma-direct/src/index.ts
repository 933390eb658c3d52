// Until apps/sim prints with hex64 from @dmasim/dma-mapping.
export { hex64 as hex18 } from '@dmasim/dma-mapping';
export {
  createDirectOps,
  dmaAddressingLimited,
  dmaCapable,
  dmaCoherentOk,
  dmaDirectAlloc,
  dmaDirectAllRamMapped,
  dmaDirectFree,
  dmaDirectGetRequiredMask,
  dmaDirectMapPage,
  dmaDirectMapSg,
  dmaDirectMaxMappingSize,
  dmaDirectNeedSync,
  dmaDirectOptimalGfpMask,
  dmaDirectSupported,
  dmaDirectSyncSingleForCpu,
  dmaDirectSyncSingleForDevice,
  dmaDirectUnmapPage,
  dmaDirectUnmapSg,
  dmaToPhys,
  physToDma,
  swiotlbMap,
} from './direct.js';
export { DoubleFreeError } from './extent-allocator.js';
export {
  DMA_MAP_MAX_SECONDS,
  DMA_MAP_MAX_TRANS_DELAY,
  formatMapBenchmark,
  type MapBenchmarkClock,
  type MapBenchmarkOps,
  MapBenchmarkParamError,
  type MapBenchmarkParams,
  type MapBenchmarkResult,
  runMapBenchmark,
  validateMapBenchmarkParams,
} from './map-benchmark.js';
export { createMemblock, freeRanges, type Memblock, memblockAlloc } from './memblock.js';
export {
  computeMemoryLayout,
  formatZoneRanges,
  type MemoryLayout,
  MemoryLayoutError,
  type MemoryLayoutInput,
  normalizeBanks,
  PAGE_SIZE,
  type RamBank,
  ZONE_NAMES,
  type ZoneName,
  type ZoneSpan,
} from './memory-zones.js';
export {
  allocZonePages,
  freeZonePages,
  getOrder,
  MAX_PAGE_ORDER,
  type PageAllocator,
} from './page-alloc.js';
export {
  createPlatform,
  type DirectPlatform,
  type DmaDirectConfig,
  defaultDirectConfig,
  type PlatformInput,
  RestrictedPoolError,
  swiotlbMemOf,
} from './platform.js';
export type { DmaStats } from './stats.js';
export {
  bootDefaultSwiotlb,
  createRestrictedPool,
  parseSwiotlbParam,
  type RestrictedPoolRegion,
  type SwiotlbBoot,
  type SwiotlbContext,
  type SwiotlbParam,
  SwiotlbParamError,
  swiotlbAlloc,
  swiotlbFindPool,
  swiotlbFree,
  swiotlbSyncSingleForCpu,
  swiotlbSyncSingleForDevice,
  swiotlbTblMapSingle,
  swiotlbTblUnmapSingle,
} from './swiotlb.js';
export {
  IO_TLB_DEFAULT_SIZE,
  IO_TLB_SEGSIZE,
  IO_TLB_SHIFT,
  IO_TLB_SIZE,
  MAX_MODELLED_SLABS,
  type SwiotlbMem,
  type SwiotlbPool,
  SwiotlbSizeError,
  swiotlbMaxMappingSize,
} from './swiotlb-pool.js';
export {
  type BufferPlacement,
  gpuAllocWorkload,
  nicRxWorkload,
  nvmeWorkload,
  runWorkload,
  type Workload,
  WorkloadError,
  type WorkloadReport,
  type WorkloadStep,
} from './workload.js';
