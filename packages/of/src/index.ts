export {
  ofGetDmaParent,
  ofTranslateAddress,
  ofTranslateDmaAddress,
  type RangesProperty,
} from './address.js';
export { type RamRange, withBootloaderMemory } from './bootloader-memory.js';
export {
  IORESOURCE_IO,
  IORESOURCE_MEM,
  IORESOURCE_MEM_64,
  IORESOURCE_PREFETCH,
  ofBusNAddrCells,
  ofBusNSizeCells,
  ofMatchBus,
  ofNAddrCells,
  ofNSizeCells,
} from './bus.js';
export { ofDmaIsCoherent } from './coherent.js';
export { type DmaRangeResult, findDmaRangesNode, ofDmaGetRange } from './dma-range.js';
export { DtsError, type DtsReadOptions, DtsSizeError, MAX_DTS_INPUT_BYTES } from './dts-lexer.js';
export { parseDts } from './dts-parser.js';
export { type EarlyClaim, ofEarlyInitClaims, ofIrqFindParent } from './early-init.js';
export { EARLY_INIT_TABLE, type EarlyInitEntry, type EarlyInitKind } from './early-init-table.js';
export { OfCellCountError, OfCycleError } from './errors.js';
export { FdtError, parseFdt } from './fdt.js';
export { writeFdt } from './fdt-writer.js';
export { ofDmaGetMaxCpuAddress, PHYS_ADDR_MAX } from './max-cpu-address.js';
export {
  type DtMemoryBank,
  type ReservedMemoryRegion,
  type ReservedMemoryScan,
  readMemoryBanks,
  readReservedMemory,
} from './memory.js';
export { OF_BAD_ADDR } from './of-bad-addr.js';
export { createOfContext, findNodeByPhandle, nodeOfPath, type OfContext } from './of-context.js';
export {
  type OfDmaConfigureOptions,
  ofDmaConfigure,
  ofDmaConfigureId,
} from './of-dma-configure.js';
export type { OfIommuLegacyResult } from './of-iommu.js';
export {
  type OfIommuDriverState,
  type OfIommuDrivers,
  ofIommuConfigure,
  ofIommuConfigureLegacy,
} from './of-iommu.js';
export { type OfIommuResvOptions, ofIommuGetResvRegions } from './of-iommu-resv.js';
export type { MapIdTarget } from './of-map-id.js';
export { type MapIdResult, ofMapId } from './of-map-id.js';
export {
  type OfPciFunction,
  type OfPciHostEnumeration,
  ofPciEnumerateHost,
  ofPciGetDevfn,
  type PciBusRange,
  type PciePortType,
  type PciFunctionHint,
} from './pci-enumerate.js';
export { type PhandleArgs, parsePhandleWithArgs } from './phandle-args.js';
export {
  createPciEndpoint,
  DEFAULT_BUS_COMPATIBLES,
  type OfPciEndpoint,
  type OfPlatformDevice,
  type OfPopulateOptions,
  ofDeviceMakeBusId,
  ofPciDmaConfigure,
  ofPciEndpoints,
  ofPlatformDmaConfigure,
  ofPlatformPopulate,
  pciDomainOf,
  pciHostBridges,
} from './platform.js';
export { type OfRange, ofRanges } from './ranges.js';
export { ofPropertyReadReg, type ReadRegResult } from './reg.js';
export { type OfResource, ofAddressToResource, type ResourceResult } from './resource.js';
export {
  defaultRestrictedPoolInit,
  ofDmaSetRestrictedBuffer,
  type RestrictedPoolInit,
} from './restricted-pool.js';
export {
  type DeviceTree,
  DtError,
  type DtNode,
  type DtProperty,
  DtReferenceCycleError,
  type FdtLayout,
  findNodeByPath,
  getProperty,
  isAvailable,
  isCompatible,
  MAX_ALIAS_HOPS,
  MAX_DT_NODES,
  type MemReserveEntry,
  readCells,
  readString,
  readStrings,
  readU32,
  walkNodes,
} from './tree.js';
