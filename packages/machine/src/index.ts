export { defaultHostBridge } from './acpi-configure.js';
export { type KernelCmdline, parseKernelCmdline } from './cmdline.js';
export { defaultCmaBytes, type FirmwareReservation } from './dt-memory.js';
export type {
  AcpiFirmware,
  DeviceTreeFirmware,
  Firmware,
  GicIts,
  MemoryRange,
  PciFunctionSpec,
  PciHostSpec,
  PlatformDescription,
} from './firmware.js';
export {
  type BootOptions,
  bootMachine,
  findDevice,
  type Machine,
  type MachineLogEntry,
  type PciRequest,
  treeArch,
} from './machine.js';
export type { MachineDevice } from './machine-device.js';
