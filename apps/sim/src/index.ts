export { inspectAcpi, parseAcpiPciRequest } from './inspect-acpi.js';
export {
  configureDtPlatform,
  type DtInspectOptions,
  type DtPlatform,
  type PciRequest,
  parsePciRequest,
  treeArch,
} from './inspect-dt.js';
export { inspectDeviceTree } from './inspect-platform.js';
export {
  buildIommuPlatform,
  type IommuPlatform,
  type IommuPlatformOptions,
  type ProbedDevice,
} from './iommu-platform.js';
export { main } from './main.js';
export { type PlatformFile, PlatformFileError, parsePlatformFile } from './platform-file.js';
export { type DeviceReport, deviceReport, type InspectReport, pciPath } from './report.js';
export { formatInspectTable } from './table.js';
