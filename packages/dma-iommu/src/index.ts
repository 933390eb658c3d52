export {
  IOVA_ANCHOR_PFN,
  type IovaDomain,
  IovaDomainError,
  type IovaNode,
  type IovaStats,
  allocIova,
  findIova,
  freeIova,
  initIovaDomain,
  iovaPfn,
  iovaRangeCount,
  iovaRanges,
  maxPfn,
  pfnToAddr,
  removeIova,
  reserveIova,
} from './iova-allocator.js';
export {
  IOVA_DEPOT_DELAY_MS,
  IOVA_MAG_SIZE,
  IOVA_RANGE_CACHE_MAX_SIZE,
  type IovaRcacheStats,
  type IovaRcaches,
  type SimClock,
  allocIovaFast,
  cachedPfns,
  depotSizes,
  fastAllocLength,
  freeCpuCachedIovas,
  freeGlobalCachedIovas,
  freeIovaFast,
  initIovaRcaches,
  orderBase2,
  runDepotWork,
} from './iova-rcache.js';
export {
  DMA_ATTR_PRIVILEGED,
  DMA_ATTR_SKIP_CPU_SYNC,
  type DmaDirection,
  DmaIommuError,
  type DmaIommuStats,
  type IommuDmaCookie,
  type IommuDmaDevice,
  type MsiPage,
  type NewIommuDmaDevice,
  type PciHostBridgeWindows,
  type PciInboundWindow,
  type PciOutboundWindow,
  type SwiotlbHook,
  createIommuDmaDevice,
  getCookie,
  iommuGetDmaCookie,
} from './cookie.js';
export {
  type FlushQueue,
  type FlushQueueStats,
  IOVA_DEFAULT_FQ_SIZE,
  IOVA_DEFAULT_FQ_TIMEOUT_MS,
  IOVA_SINGLE_FQ_SIZE,
  IOVA_SINGLE_FQ_TIMEOUT_MS,
  flushQueueDepth,
} from './flush-queue.js';
export {
  type PciReservation,
  pciWindowReservations,
} from './iova-reserve.js';
export {
  type InitDomainOptions,
  type LegacyDmaWindow,
  type SetupDmaOpsOptions,
  iommuDmaInitDomain,
  iommuSetupDmaOps,
  iovaFloor,
} from './init-domain.js';
export { iommuDmaAllocIova, iommuDmaFreeIova } from './dma-iova.js';
export {
  dmaGetMask,
  dmaInfoToProt,
  iommuDmaAlloc,
  iommuDmaFree,
  iommuDmaMapPage,
  iommuDmaMapResource,
  iommuDmaUnmapPage,
  iommuDmaUnmapResource,
} from './map.js';
export {
  type ScatterEntry,
  type ScatterList,
  iommuDmaMapSg,
  iommuDmaUnmapSg,
  newScatterList,
} from './map-sg.js';
export { iommuDmaGetMsiPage, iommuDmaMsiAddress } from './msi.js';
export { iommuDmaAdvanceClock } from './timers.js';
export { type DmaIommuDomainStats, dmaIommuDomainStats } from './stats.js';
export {
  type IovaRange,
  type IovaRestriction,
  type IovaView,
  type RestrictionKind,
  type UsableRanges,
  type UsableRangesInput,
  subtractRanges,
  usableIovaRanges,
  usableRangesForDevice,
} from './usable-ranges.js';
