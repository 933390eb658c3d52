export { type DeviceReport, type InspectReport, deviceReport, pciPath } from './report.js';
export {
  type DtInspectOptions,
  type DtPlatform,
  type PciRequest,
  configureDtPlatform,
  inspectDeviceTree,
  parsePciRequest,
  treeArch,
} from './inspect-dt.js';
export { formatInspectTable } from './table.js';
export { main } from './main.js';
