export {
  ID_SINGLE_MAPPING,
  IORT_NODE_TYPES,
  IORT_TYPE_CODE,
  IortError,
  IortLoopError,
  iortFwnodeName,
  nodeAt,
  nodeLabel,
  nodeTypeCode,
  parseIortFwnodeName,
  type ExtraBytes,
  type IortIdMapping,
  type IortKnownNodeType,
  type IortNode,
  type IortNodeType,
  type IortTable,
  type ItsGroupNode,
  type MemoryAccessProperties,
  type NamedComponentNode,
  type PmcgNode,
  type RmrDescriptor,
  type RmrNode,
  type RootComplexNode,
  type SmmuNode,
  type SmmuV3Node,
  type UnknownNode,
} from './iort-model.js';
export { NODE_POINTER_OVERFLOW, acpiChecksum, readIort, type IortReadResult } from './iort-reader.js';
export {
  writeIort,
  type IortNodeInput,
  type IortTableInput,
  type NumInput,
  type U64Input,
} from './iort-writer.js';
export { dumpIort } from './iort-dump.js';
export {
  IORT_IOMMU_TYPE,
  IORT_MSI_TYPE,
  iortGetIdMappingIndex,
  iortIdMap,
  iortNodeGetId,
  iortNodeMapId,
  iortNodeMapPlatformId,
  type IdMapOutcome,
  type NodeGetIdOutcome,
  type NodeMapOutcome,
} from './id-mapping.js';
export {
  acpiCompanion,
  findNamedComponent,
  findRootComplex,
  iortFindDevNode,
  iortScanNode,
} from './node-lookup.js';
export {
  iortIommuConfigureId,
  iortIommuXlate,
  type IortIommuResult,
  type NcProperties,
  type SmmuDriverState,
} from './iommu-configure.js';
export { acpiIortDmaGetMaxCpuAddress, iortDmaGetRanges, type IortDmaRange } from './dma-limits.js';
export {
  iortFindRmrs,
  iortIommuGetResvRegions,
  iortMsiResvRegions,
  type RmrOptions,
  type RmrRegion,
} from './rmr.js';
export {
  acpiArchDmaSetup,
  acpiDmaConfigureId,
  acpiDmaGetRange,
  acpiGetDmaAttr,
  acpiIommuConfigureId,
  type AcpiCompanionInfo,
  type AcpiDmaConfigureResult,
  type AcpiDmaContext,
  type AcpiIommuOptions,
  type AcpiIommuResult,
  type AcpiNamespace,
  type DevDmaAttr,
  type DmaResource,
  type DmaRangeResult,
} from './acpi-dma.js';
export {
  configureAcpiPlatform,
  defaultAcpiPlatform,
  pciDevicePath,
  type AcpiConfiguredDevice,
  type AcpiDeviceSpec,
  type AcpiPlatformDescription,
  type AcpiPlatformOptions,
  type PciEndpointSpec,
} from './platform.js';
