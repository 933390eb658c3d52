export {
  U32_MAX,
  U64_MAX,
  addU64,
  dmaBitMask,
  hex,
  ilog2,
  maskForEnd,
  maxU64,
  minNotZero,
  minU64,
  parseU64,
  subU64,
  u64,
} from './u64.js';
export * from './errno.js';
export {
  FW_BUG,
  type KernelLog,
  type LogEntry,
  type LogLevel,
  logDebug,
  logErr,
  logInfo,
  logWarn,
} from './log.js';
export {
  type BusDmaRegion,
  DMA_MAPPING_ERROR,
  PHYS_ADDR_ERROR,
  dmaRangeMapMax,
  dmaRangeMapMin,
  liveRegions,
  translateDmaToPhys,
  translatePhysToDma,
} from './bus-dma-region.js';
export {
  type Device,
  type DeviceBus,
  type DmaMaskPointer,
  type IommuFwspec,
  type NewDevice,
  type PciIdentity,
  createDevice,
  getDmaMask,
  setDmaMask,
} from './device.js';
export type { ArchDmaHooks, ArchName, KernelVersion, LegacyArchArgs } from './arch-hook.js';
