export { provideInputs } from './load.js';
export { main } from './main.js';
export { PlatformFileError, parsePlatformFile } from './platform-file.js';
export { type DeviceReport, deviceReport, type InspectReport, inspectReport } from './report.js';
export { stdout } from './stdout.js';
export { formatInspectTable } from './table.js';
