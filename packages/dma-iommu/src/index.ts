export {
  createIommuDmaDevice,
  DmaIommuError,
  type DmaIommuStats,
  getCookie,
  type IommuDmaCookie,
  type IommuDmaDevice,
  iommuGetDmaCookie,
  type MsiPage,
  type NewIommuDmaDevice,
  type PciHostBridgeWindows,
  type PciInboundWindow,
  type PciOutboundWindow,
  type SwiotlbHook,
} from './cookie.js';
export { iommuDmaAllocIova, iommuDmaFreeIova } from './dma-iova.js';
export { createDmaIommuOps, type DmaIommuOpsContext } from './dma-ops.js';
export {
  type FlushQueue,
  type FlushQueueStats,
  IOVA_DEFAULT_FQ_SIZE,
  IOVA_DEFAULT_FQ_TIMEOUT_MS,
  IOVA_SINGLE_FQ_SIZE,
  IOVA_SINGLE_FQ_TIMEOUT_MS,
} from './flush-queue.js';
export {
  type InitDomainOptions,
  iommuDmaInitDomain,
  iommuSetupDmaOps,
  iovaFloor,
  type LegacyDmaWindow,
  type SetupDmaOpsOptions,
} from './init-domain.js';
export {
  allocIova,
  findIova,
  freeIova,
  type IovaDomain,
  IovaDomainError,
  type IovaNode,
  type IovaStats,
  initIovaDomain,
  iovaPfn,
  iovaRanges,
  pfnToAddr,
  removeIova,
  reserveIova,
} from './iova-allocator.js';
export {
  allocIovaFast,
  freeCpuCachedIovas,
  freeGlobalCachedIovas,
  freeIovaFast,
  type IovaRcacheStats,
  type IovaRcaches,
  initIovaRcaches,
  type SimClock,
} from './iova-rcache.js';
export {
  type PciReservation,
  pciWindowReservations,
} from './iova-reserve.js';
export {
  dmaInfoToProt,
  iommuDmaAlloc,
  iommuDmaFree,
  iommuDmaMapPage,
  iommuDmaMapResource,
  iommuDmaUnmapPage,
  iommuDmaUnmapResource,
} from './map.js';
export { iommuDmaMapSg, iommuDmaUnmapSg } from './map-sg.js';
export { iommuDmaGetMsiPage, iommuDmaMsiAddress } from './msi.js';
export { type DmaIommuDomainStats, dmaIommuDomainStats } from './stats.js';
export { iommuDmaAdvanceClock } from './timers.js';
export {
  type IovaRestriction,
  type IovaView,
  type RestrictionKind,
  subtractRanges,
  type UsableRanges,
  type UsableRangesInput,
  usableIovaRanges,
  usableRangesForDevice,
} from './usable-ranges.js';
