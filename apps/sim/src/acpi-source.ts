// Assembling an ACPI platform from its sources: an IORT binary, an IORT spec, or an ACPI platform
// file (no file system: the web page uses it too).
import { type IortTable, type IortTableInput, readIort, writeIort } from '@dmasim/acpi-iort';
import type { KernelLog } from '@dmasim/dma-mapping';
import type { AcpiFirmware, PlatformDescription } from '@dmasim/machine';
import { LoadError, type PlatformSource } from './platform-source.js';
import { yamlReaders } from './yaml-inputs.js';

export interface LoadedAcpi {
  table: IortTable | null;
  /** What the kernel prints on installing the table (bad checksum, node pointer overflow). */
  tableLog: KernelLog;
  /** The firmware as bootMachine() takes it. */
  firmware: AcpiFirmware;
  /** What the platform file adds: RAM, command line, PCI host bridges. */
  platform: PlatformDescription;
}

function fromSpec(spec: IortTableInput): { table: IortTable; tableLog: KernelLog } {
  const read = readIort(writeIort(spec));
  return { table: read.table, tableLog: read.log };
}

function tableFrom(source: PlatformSource): { table: IortTable; tableLog: KernelLog } {
  if (source.kind === 'iort') {
    const read = readIort(source.bytes);
    return { table: read.table, tableLog: read.log };
  }
  if (source.kind === 'acpi-platform') {
    const file = yamlReaders().parseAcpiPlatformFile(source.text, source.path);
    if (file.devices === undefined && file.iort && 'spec' in file.iort) {
      return fromSpec(file.iort.spec);
    }
  }
  throw new LoadError(`${source.path} is not an IORT table (binary, or a spec in YAML/JSON)`);
}

export function isAcpiSource(source: PlatformSource): boolean {
  return source.kind === 'iort' || source.kind === 'acpi-platform';
}

function loaded(
  t: { table: IortTable | null; tableLog: KernelLog },
  rest: Omit<AcpiFirmware, 'kind' | 'iort' | 'iortLog'> = {},
  platform: PlatformDescription = {},
): LoadedAcpi {
  return {
    ...t,
    firmware: { kind: 'acpi', iort: t.table, iortLog: t.tableLog, ...rest },
    platform,
  };
}

/**
 * What an ACPI source says about the machine; `readBeside` reads a file the platform file names
 * (relative to it): from disk in the CLI, from the dropped files in the page.
 */
export function acpiFromSource(
  source: PlatformSource,
  readBeside: (relPath: string) => PlatformSource,
): LoadedAcpi {
  if (source.kind === 'iort') return loaded(tableFrom(source));
  if (source.kind !== 'acpi-platform') {
    throw new LoadError(`${source.path} is not an IORT table or an ACPI platform file`);
  }
  const file = yamlReaders().parseAcpiPlatformFile(source.text, source.path);
  let table: { table: IortTable | null; tableLog: KernelLog } = { table: null, tableLog: [] };
  if (file.iort && 'file' in file.iort) table = tableFrom(readBeside(file.iort.file));
  else if (file.iort) table = fromSpec(file.iort.spec);
  const rest: Omit<AcpiFirmware, 'kind' | 'iort' | 'iortLog'> = {};
  if (file.devices) rest.devices = file.devices;
  if (file.its) rest.its = file.its;
  return loaded(table, rest, file.platform);
}
