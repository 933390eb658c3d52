// Tests' way to the inspect report: boot a firmware with @dmasim/machine, report it.
import type { IortTable } from '@dmasim/acpi-iort';
import { type AcpiFirmware, type BootOptions, bootMachine } from '@dmasim/machine';
import type { DeviceTree } from '@dmasim/of';
import type { LoadedAcpi } from './acpi-file.js';
import { type InspectReport, inspectReport } from './report.js';

/**
 * The keys of an inspect --json device record, either firmware: PCI functions add their RID, and
 * the node describing them when the device tree has one.
 */
export function inspectDeviceKeys(device: Record<string, unknown>): string[] {
  const keys = ['path', 'bus', 'ret', 'rangeMap', 'busDmaLimit', 'dmaMask', 'coherentDmaMask'];
  keys.push('coherent', 'iommu', 'log');
  if (device.bus === 'pci') keys.push('rid', ...('node' in device ? ['node'] : []));
  return keys.sort();
}

export function inspectTree(tree: DeviceTree, options: BootOptions = {}): InspectReport {
  return inspectReport(bootMachine({ kind: 'device-tree', tree }, options));
}

/** A bare IORT (the table's default platform), or a loaded ACPI platform file. */
export function inspectAcpi(
  input: IortTable | LoadedAcpi,
  options: BootOptions = {},
  firmware: Partial<AcpiFirmware> = {},
): InspectReport {
  const loaded: LoadedAcpi | null = 'firmware' in input ? input : null;
  const base: AcpiFirmware = loaded ? loaded.firmware : { kind: 'acpi', iort: input as IortTable };
  return inspectReport(
    bootMachine(
      { ...base, ...firmware },
      { ...options, platform: { ...(loaded?.platform ?? {}), ...(options.platform ?? {}) } },
    ),
  );
}
