export {
  configureDtPlatform,
  type DtInspectOptions,
  type DtPlatform,
  inspectDeviceTree,
  type PciRequest,
  parsePciRequest,
  treeArch,
} from './inspect-dt.js';
export { main } from './main.js';
export { type DeviceReport, deviceReport, type InspectReport, pciPath } from './report.js';
export { formatInspectTable } from './table.js';
