export {
  IOMMU_FWSPEC_PCI_RC_ATS,
  iommuFwspecAddIds,
  iommuFwspecFree,
  iommuFwspecInit,
} from './fwspec.js';
