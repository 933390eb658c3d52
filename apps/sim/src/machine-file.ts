// From the command line's files to what bootMachine() takes: the firmware (device tree, or IORT
// and ACPI facts) and the platform description (--platform for a device tree; an ACPI platform
// file carries its own).
import type { KernelLog } from '@dmasim/dma-mapping';
import type { Firmware, PlatformDescription } from '@dmasim/machine';
import { loadAcpi } from './acpi-file.js';
import { UsageError } from './args.js';
import { loadDeviceTree, type TreeLoadOptions } from './device-tree-file.js';
import { loadPlatformFile, readInputText } from './load.js';
import { yamlReaders } from './yaml-inputs.js';

export interface MachineSource {
  firmware: Firmware;
  platform: PlatformDescription;
  /** ACPI: what the kernel printed installing the IORT (no device's message). */
  tableLog: KernelLog;
}

export function loadMachineSource(
  file: string,
  platformPath: string | undefined,
  tree: TreeLoadOptions = {},
): MachineSource {
  const source = loadPlatformFile(file);
  if (source.kind === 'iort' || source.kind === 'acpi-platform') {
    if (platformPath !== undefined) {
      throw new UsageError(
        '--platform is for device trees: an ACPI platform file has its own keys',
      );
    }
    const acpi = loadAcpi(file);
    return { firmware: acpi.firmware, platform: acpi.platform, tableLog: acpi.tableLog };
  }
  const platform =
    platformPath === undefined
      ? {}
      : yamlReaders().parsePlatformFile(readInputText(platformPath), platformPath);
  return {
    firmware: { kind: 'device-tree', tree: loadDeviceTree(file, tree) },
    platform,
    tableLog: [],
  };
}
