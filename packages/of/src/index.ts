export { ofTranslateAddress, ofTranslateDmaAddress } from './address.js';
export { ofDmaIsCoherent } from './coherent.js';
export { type DmaRangeResult, ofDmaGetRange } from './dma-range.js';
export { DtsError, type DtsReadOptions } from './dts-lexer.js';
export { parseDts } from './dts-parser.js';
export { FdtError, parseFdt } from './fdt.js';
export { writeFdt } from './fdt-writer.js';
export { ofDmaGetMaxCpuAddress, PHYS_ADDR_MAX } from './max-cpu-address.js';
export { OF_BAD_ADDR } from './of-bad-addr.js';
export { createOfContext, findNodeByPhandle, type OfContext } from './of-context.js';
export {
  type OfDmaConfigureOptions,
  ofDmaConfigure,
  ofDmaConfigureId,
} from './of-dma-configure.js';
export {
  type OfIommuDriverState,
  type OfIommuDrivers,
  ofIommuConfigure,
  ofIommuConfigureLegacy,
} from './of-iommu.js';
export { type MapIdResult, ofMapId } from './of-map-id.js';
export {
  createPciEndpoint,
  type OfPciEndpoint,
  type OfPlatformDevice,
  ofPciDmaConfigure,
  ofPciEndpoints,
  ofPlatformDmaConfigure,
  ofPlatformPopulate,
  pciDeviceName,
  pciHostBridges,
} from './platform.js';
export { type OfRange, ofRanges } from './ranges.js';
export { ofPropertyReadReg, type ReadRegResult } from './reg.js';
export { type OfResource, ofAddressToResource, type ResourceResult } from './resource.js';
export {
  type DeviceTree,
  DtError,
  type DtNode,
  type DtProperty,
  findNodeByPath,
  getProperty,
  isAvailable,
  isCompatible,
  type FdtLayout,
  type MemReserveEntry,
  readCells,
  readString,
  readStrings,
  readU32,
  walkNodes,
} from './tree.js';
