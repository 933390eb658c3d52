export type { ArchDmaHooks, ArchName, LegacyArchArgs } from './arch-hook.js';
export {
  type BusDmaRegion,
  DMA_MAPPING_ERROR,
  dmaRangeMapMax,
  dmaRangeMapMin,
  liveRegions,
  PHYS_ADDR_ERROR,
  translateDmaToPhys,
  translatePhysToDma,
} from './bus-dma-region.js';
export {
  createDevice,
  type Device,
  type DeviceBus,
  type DeviceDmaParms,
  type DmaMaskPointer,
  getDmaMask,
  type IommuFwspec,
  type NewDevice,
  type PciIdentity,
  setDmaMask,
} from './device.js';
export { DmasimError } from './dmasim-error.js';
export * from './errno.js';
export {
  DEFAULT_KERNEL_RELEASE,
  isKernelReleaseName,
  KERNEL_CHANGES,
  KERNEL_RELEASE_NAMES,
  type KernelChange,
  type KernelChangeId,
  type KernelRelease,
  type KernelReleaseName,
  kernelChange,
  kernelRelease,
} from './kernel-release.js';
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
export * from './mapping.js';
export {
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
  U32_MAX,
  U64_MAX,
  u64,
} from './u64.js';
