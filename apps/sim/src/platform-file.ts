// The platform file (--platform FILE.yaml|json for a device tree; the ACPI platform file shares
// its keys): what firmware does not describe (PCI topology, the drivers' masks, RAM a bootloader
// fills in) plus the kernel command line. Its rules are PLATFORM_FILE (schema/input.ts); read
// into @dmasim/machine's PlatformDescription.
import { DmasimError } from '@dmasim/dma-mapping';
import type { PlatformDescription } from '@dmasim/machine';
import { readInputFile } from './input-check.js';
import { PLATFORM_FILE } from './schema/input.js';

export { parseRamRange, RamRangeError } from './ram-range.js';

/** A device tree's platform file, as @dmasim/machine takes it. */
export type PlatformFile = PlatformDescription;

export class PlatformFileError extends DmasimError {
  static override readonly code: string = 'DMASIM_PLATFORM_FILE';
  override name = 'PlatformFileError';
  constructor(
    message: string,
    /** The file, the line when known, and the key path: "board.yaml:4: pci[0].devices[1]". */
    readonly where: string,
  ) {
    super(`${where}: ${message}`);
  }
}

export const platformFileError = (message: string, where: string) =>
  new PlatformFileError(message, where);

/** Parse a DT platform file's text (YAML, of which JSON is a subset). */
export function parsePlatformFile(text: string, fileName = 'platform'): PlatformDescription {
  const file = readInputFile(PLATFORM_FILE, text, fileName, platformFileError, { empty: {} });
  if (file.empty) return {};
  const value = file.value;
  const out: PlatformDescription = { pci: value.pci ?? [] };
  if (value.cmdline !== undefined) out.cmdline = value.cmdline;
  if (value.memory !== undefined) out.memory = value.memory;
  return out;
}
