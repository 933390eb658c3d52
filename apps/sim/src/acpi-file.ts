// Loading an ACPI platform from disk for the CLI.
import { acpiFromSource, type LoadedAcpi } from './acpi-source.js';
import { loadBesideFile, loadPlatformFile } from './load.js';

export { isAcpiSource, type LoadedAcpi } from './acpi-source.js';

/** Load what `path` says about an ACPI machine. */
export function loadAcpi(path: string): LoadedAcpi {
  return acpiFromSource(loadPlatformFile(path), (rel) => loadBesideFile(path, rel));
}
