export {
  AMD_HT_RANGE_END,
  AMD_HT_RANGE_START,
  AMD_MSI_RANGE_END,
  AMD_MSI_RANGE_START,
  type AmdViOptions,
  amdViInstance,
} from './amd-vi.js';
export {
  type ArmSmmuModel,
  type ArmSmmuOptions,
  armSmmuInstance,
  armSmmuVersion,
} from './arm-smmu.js';
export {
  type CmdlineParam,
  cmdlineParams,
  type IommuCmdline,
  kstrtobool,
  parseIommuCmdline,
} from './cmdline.js';
export {
  type GroupMemberPolicy,
  groupDefaultDomainType,
  type IommuPolicy,
  type IommuPolicyInput,
  iommuSubsysInit,
} from './default-domain.js';
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
  type PageTableSpec,
} from './domain.js';
export { EEXIST } from './errno-extra.js';
export {
  IOMMU_FWSPEC_PCI_RC_ATS,
  iommuFwspecAddIds,
  iommuFwspecFree,
  iommuFwspecInit,
} from './fwspec.js';
export { type GenericIommuOptions, genericIommuInstance } from './generic-iommu.js';
export {
  deviceGroup,
  type GroupRegistry,
  groupOf,
  type IommuGroup,
  newGroupRegistry,
  pciDeviceGroup,
} from './group.js';
export {
  type IntelVtdOptions,
  IOAPIC_RANGE_END,
  IOAPIC_RANGE_START,
  intelVtdInstance,
} from './intel-vtd.js';
export type { IntervalMapping, IntervalMappings } from './interval-mappings.js';
export {
  type RadixFormat,
  RadixFormatError,
  type RadixPageTable,
} from './io-pgtable.js';
export {
  IORT_NODE_SMMU,
  IORT_NODE_SMMU_V3,
  IommuFirmwareError,
  type IortSmmuNode,
  iommuDriverForCompatible,
  iommuInstanceFromCompatible,
  iommuInstanceFromIortNode,
} from './iommu-factory.js';
export {
  deviceResvRegions,
  type IommuDriverKind,
  type IommuInstance,
  SZ_1G,
  SZ_2M,
  SZ_4K,
} from './iommu-instance.js';
export {
  IommuModelError,
  iommuIovaToPhys,
  iommuMap,
  iommuMappedBytes,
  iommuPgsize,
  iommuTablePages,
  iommuUnmap,
  iommuUnmapFast,
  minPageSize,
  type PageSizeChoice,
} from './iommu-map.js';
export {
  type IommuIotlbGather,
  iommuIotlbGatherAddRange,
  iommuIotlbGatherInit,
  iotlbGatherIsEmpty,
  newIotlbGather,
} from './iotlb-gather.js';
export {
  type PciDmaAlias,
  pciDmaAliasRids,
  pciForEachDmaAlias,
} from './pci-dma-alias.js';
export {
  acsRequestedAtScan,
  type PcieType,
  type PciTopology,
  type PciTopologyDevice,
  PciTopologyError,
} from './pci-topology.js';
export { pfnToU64, u64ToPfn } from './pfn.js';
export {
  createIommuCore,
  type IommuCore,
  iommuCreateDeviceDirectMappings,
  iommuProbeDevice,
  logIommuConfigureResult,
  type ProbeInput,
  type ProbeResult,
  type SetupDmaOps,
} from './probe.js';
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
export {
  type SmmuGranule,
  type SmmuV3Options,
  smmuV3Instance,
} from './smmu-v3.js';
export {
  groupResvRegions,
  type IovaRange,
  iommufdIovaRanges,
  sysfsGroups,
  sysfsGroupType,
  sysfsReservedRegions,
} from './sysfs.js';
export {
  QEMU_VIRT_VIOMMU_RESV,
  type VirtioIommuOptions,
  virtioIommuInstance,
} from './virtio-iommu.js';
