export { type AddressAxis, type AxisSegment, segmentedAxis } from './address-axis.js';
export { cpuMapLanes, drawCpuMap } from './draw-cpu-map.js';
export { drawDevice } from './draw-device.js';
export { drawIovaSpace, iovaLanes } from './draw-iova.js';
export { type Finding, formatFindings, hasErrors, type Severity, sortFindings } from './finding.js';
export {
  cpuMapSection,
  deviceDiffHtml,
  deviceSections,
  devicesTable,
  findingsTable,
  iommuSections,
  kernelMessages,
  memoryTable,
  REPORT_CSS,
  renderReportHtml,
} from './html-report.js';
export { type DtLintOptions, lintDeviceTree } from './lint-dt.js';
export { type IortLintOptions, lintIort } from './lint-iort.js';
export type {
  HexRange,
  NamedRange,
  PlatformView,
  ViewDevice,
  ViewIommuGroup,
  ViewMemory,
  ViewRangeEntry,
} from './platform-view.js';
export { type DeviceReach, type DmaWindow, deviceReach } from './reach.js';
export { escapeXml } from './svg.js';
export type { U64Range } from './u64-range.js';
