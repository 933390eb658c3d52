export {
  type AcpiCompanionInfo,
  type AcpiDmaConfigureResult,
  type AcpiDmaContext,
  type AcpiIommuOptions,
  type AcpiIommuResult,
  type AcpiNamespace,
  acpiArchDmaSetup,
  acpiDmaConfigureId,
  acpiDmaGetRange,
  acpiGetDmaAttr,
  acpiIommuConfigureId,
  type DevDmaAttr,
  type DmaRangeResult,
  type DmaResource,
} from './acpi-dma.js';
export { acpiIortDmaGetMaxCpuAddress, type IortDmaRange, iortDmaGetRanges } from './dma-limits.js';
export {
  type IdMapOutcome,
  IORT_MSI_TYPE,
  iortGetIdMappingIndex,
  iortIdMap,
  iortNodeGetId,
  iortNodeMapId,
  iortNodeMapPlatformId,
  type NodeGetIdOutcome,
  type NodeMapOutcome,
} from './id-mapping.js';
export {
  type IortIommuResult,
  iortIommuConfigureId,
  iortIommuXlate,
  type NcProperties,
  type SmmuDriverState,
} from './iommu-configure.js';
export { dumpIort } from './iort-dump.js';
export {
  type ExtraBytes,
  ID_SINGLE_MAPPING,
  IORT_NODE_TYPES,
  IortError,
  type IortIdMapping,
  type IortKnownNodeType,
  IortLoopError,
  type IortNode,
  type IortNodeType,
  type IortTable,
  type ItsGroupNode,
  iortFwnodeName,
  type MemoryAccessProperties,
  type NamedComponentNode,
  nodeAt,
  nodeLabel,
  type PmcgNode,
  parseIortFwnodeName,
  type RmrDescriptor,
  type RmrNode,
  type RootComplexNode,
  type SmmuNode,
  type SmmuV3Node,
  type UnknownNode,
} from './iort-model.js';
export {
  acpiChecksum,
  type IortReadResult,
  readIort,
} from './iort-reader.js';
export {
  type IortNodeInput,
  type IortTableInput,
  MAX_IORT_WRITE_LENGTH,
  type NumInput,
  type U64Input,
  writeIort,
} from './iort-writer.js';
export {
  acpiCompanion,
  findNamedComponent,
  findRootComplex,
  iortFindDevNode,
  iortScanNode,
} from './node-lookup.js';
export {
  type AcpiConfiguredDevice,
  type AcpiDeviceSpec,
  type AcpiPlatformDescription,
  type AcpiPlatformOptions,
  configureAcpiPlatform,
  defaultAcpiPlatform,
  type PciEndpointSpec,
  pciDevicePath,
} from './platform.js';
export {
  iortFindRmrs,
  iortIommuGetResvRegions,
  iortMsiResvRegions,
  type RmrOptions,
  type RmrRegion,
} from './rmr.js';
