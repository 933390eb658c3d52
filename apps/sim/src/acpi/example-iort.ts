// The bundled ACPI example, read from its one source: apps/sim/examples/example-acpi.iort.yaml
// (the IORT spec in writer form) and example-acpi.platform.yaml (the ACPI devices using it).
import type { IortTableInput } from '@dmasim/acpi-iort';
import { type LoadedAcpi, loadAcpi } from '../acpi-file.js';
import { parseIortSpec } from '../iort-spec.js';
import { LoadError, loadPlatformFile } from '../load.js';

const examples = decodeURIComponent(new URL('../../examples/', import.meta.url).pathname);

export const exampleIortSpecPath = `${examples}example-acpi.iort.yaml`;
export const exampleIortBinPath = `${examples}example-acpi.iort.bin`;
export const examplePlatformPath = `${examples}example-acpi.platform.yaml`;

function text(path: string): string {
  const source = loadPlatformFile(path);
  if (source.kind !== 'acpi-platform') throw new LoadError(`${path} is not YAML`);
  return source.text;
}

/**
 * A root complex behind an SMMUv3 with a 48-bit memory address limit, a named component with a
 * 32-bit limit and one SINGLE mapping, an RMR (table revision 5), and one firmware mistake the
 * kernel warns about: a second NC with memory_address_limit 0.
 */
export const exampleIortSpec: IortTableInput = parseIortSpec(
  text(exampleIortSpecPath),
  exampleIortSpecPath,
);

/** The example machine as bootMachine() takes it: the table, DSDT facts and PCI hosts. */
export const exampleAcpi: LoadedAcpi = loadAcpi(examplePlatformPath);
