export {
  createDomain,
  type DomainGeometry,
  type DomainPageTable,
  type DomainType,
  domainIsPaging,
  domainUsesDmaApi,
  type IommuDomain,
  type IotlbStats,
  iommuFlushIotlbAll,
  iommuIotlbSync,
  type NewDomain,
  newIotlbStats,
  type PageTableSpec,
} from './domain.js';
export { EEXIST } from './errno-extra.js';
export {
  IOMMU_FWSPEC_PCI_RC_ATS,
  iommuFwspecAddIds,
  iommuFwspecFree,
  iommuFwspecInit,
} from './fwspec.js';
export type { IntervalMapping, IntervalMappings } from './interval-mappings.js';
export type { RadixFormat, RadixLeaf, RadixPageTable } from './io-pgtable.js';
export {
  IommuModelError,
  iommuIovaToPhys,
  iommuMap,
  iommuMappedBytes,
  iommuPgsize,
  iommuTablePages,
  iommuUnmap,
  minPageSize,
  type PageSizeChoice,
} from './iommu-map.js';
export {
  formatResvRegions,
  IOMMU_CACHE,
  IOMMU_MMIO,
  IOMMU_NOEXEC,
  IOMMU_PRIV,
  IOMMU_READ,
  IOMMU_WRITE,
  insertResvRegion,
  MSI_IOVA_BASE,
  MSI_IOVA_LENGTH,
  MSI_REGION_PROT,
  mergeResvRegions,
  RESV_TYPES,
  type ReservedRegion,
  type ResvType,
  resvRegionEnd,
  resvTypeName,
} from './resv-region.js';
