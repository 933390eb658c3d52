// Loading an ACPI platform for the CLI: an IORT binary, an IORT spec, or an ACPI platform file.
import {
  type AcpiPlatformDescription,
  type IortTable,
  type IortTableInput,
  readIort,
  writeIort,
} from '@dmasim/acpi-iort';
import type { KernelLog } from '@dmasim/dma-mapping';
import { parseAcpiPlatformFile } from './acpi-platform-file.js';
import { LoadError, loadBesideFile, loadPlatformFile, type PlatformSource } from './load.js';

export interface LoadedAcpi {
  table: IortTable | null;
  /** What the kernel prints on installing the table (bad checksum, node pointer overflow). */
  tableLog: KernelLog;
  /** Undefined when the file is only a table: the table's default platform applies. */
  description?: AcpiPlatformDescription;
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
    const file = parseAcpiPlatformFile(source.text, source.path);
    if (file.description === undefined && file.iort && 'spec' in file.iort) {
      return fromSpec(file.iort.spec);
    }
  }
  throw new LoadError(`${source.path} is not an IORT table (binary, or a spec in YAML/JSON)`);
}

export function isAcpiSource(source: PlatformSource): boolean {
  return source.kind === 'iort' || source.kind === 'acpi-platform';
}

/** Load what `path` says about an ACPI machine. */
export function loadAcpi(path: string): LoadedAcpi {
  const source = loadPlatformFile(path);
  if (source.kind === 'iort') return tableFrom(source);
  if (source.kind !== 'acpi-platform') {
    throw new LoadError(`${path} is not an IORT table or an ACPI platform file`);
  }
  const file = parseAcpiPlatformFile(source.text, path);
  let loaded: LoadedAcpi = { table: null, tableLog: [] };
  if (file.iort && 'file' in file.iort) loaded = tableFrom(loadBesideFile(path, file.iort.file));
  else if (file.iort) loaded = fromSpec(file.iort.spec);
  if (file.description) loaded.description = file.description;
  return loaded;
}
