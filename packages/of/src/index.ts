export {
  type DeviceTree,
  type DtNode,
  type DtProperty,
  DtError,
  type MemReserveEntry,
  findNodeByPath,
  getProperty,
  isAvailable,
  isCompatible,
  readCells,
  readString,
  readStrings,
  readU32,
  walkNodes,
} from './tree.js';
export { FdtError, parseFdt } from './fdt.js';
export { DtsError, type DtsReadOptions } from './dts-lexer.js';
export { parseDts } from './dts-parser.js';
export { writeFdt } from './fdt-writer.js';
export { type OfContext, createOfContext, findNodeByPhandle } from './of-context.js';
export { OF_BAD_ADDR } from './of-bad-addr.js';
export { ofTranslateAddress, ofTranslateDmaAddress } from './address.js';
export { type OfRange, ofRanges } from './ranges.js';
export { type DmaRangeResult, ofDmaGetRange } from './dma-range.js';
export { ofDmaIsCoherent } from './coherent.js';
export { PHYS_ADDR_MAX, ofDmaGetMaxCpuAddress } from './max-cpu-address.js';
export { type ReadRegResult, ofPropertyReadReg } from './reg.js';
export { type OfResource, type ResourceResult, ofAddressToResource } from './resource.js';
export { type MapIdResult, ofMapId } from './of-map-id.js';
export {
  type OfIommuDriverState,
  type OfIommuDrivers,
  ofIommuConfigure,
  ofIommuConfigureLegacy,
} from './of-iommu.js';
export {
  type OfDmaConfigureOptions,
  ofDmaConfigure,
  ofDmaConfigureId,
} from './of-dma-configure.js';
export {
  type OfPciEndpoint,
  type OfPlatformDevice,
  createPciEndpoint,
  ofPciDmaConfigure,
  ofPciEndpoints,
  ofPlatformDmaConfigure,
  ofPlatformPopulate,
  pciDeviceName,
  pciHostBridges,
} from './platform.js';
