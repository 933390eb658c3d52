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
export {
  DEVICE_FIELDS,
  type DeviceDiff,
  type DeviceFacts,
  type DeviceField,
  type DiffSummary,
  deviceFacts,
  diffMachines,
  type FieldChange,
  iovaWindow,
  MACHINE_FIELDS,
  type MachineDiff,
  type MachineField,
  machineFacts,
  summarizeDiffs,
} from './machine-diff.js';
