// The ACPI platform file (YAML or JSON), in the DT platform file's grouped shape: the IORT (a
// file beside it, or inline), RAM as the UEFI memory map gives it, the kernel command line,
// the DSDT's facts about devices (_CCA, _DMA, _CRS), the MADT's ITSes, and the PCI host bridges
// with their functions (same keys as the DT platform file).
import type { AcpiDeviceSpec, IortTableInput } from '@dmasim/acpi-iort';
import type { GicIts, PlatformDescription } from '@dmasim/machine';
import { decodeInput, parseInputDocument } from './input-check.js';
import { iortSpecFromDocument } from './iort-spec.js';
import { platformFileError } from './platform-file.js';
import { ACPI_PLATFORM_FILE } from './schema/input.js';

export interface AcpiPlatformFile {
  /**
   * Where the IORT comes from: a file named relative to the platform file (a binary, or a spec
   * in YAML/JSON), a spec written inline, or none (no IORT: only _DMA and _CCA apply).
   */
  iort: { file: string } | { spec: IortTableInput } | null;
  /** DSDT facts; absent for a bare IORT spec (the table's default platform is used). */
  devices?: AcpiDeviceSpec[];
  its?: GicIts[];
  platform: PlatformDescription;
}

/**
 * Parse an ACPI platform file. A document with `nodes` at the top is a bare IORT spec; anything
 * else is a platform file with `iort: FILE` or `iortSpec: {...}` and the keys of
 * ACPI_PLATFORM_FILE (schema/input.ts).
 */
export function parseAcpiPlatformFile(text: string, fileName = 'platform'): AcpiPlatformFile {
  const parsed = parseInputDocument(text, fileName, platformFileError);
  const top = parsed.value;
  if (typeof top === 'object' && top !== null && !Array.isArray(top) && 'nodes' in top) {
    return { iort: { spec: iortSpecFromDocument(parsed) }, platform: {} };
  }
  const { value: doc, where } = decodeInput(ACPI_PLATFORM_FILE, parsed);
  if (doc.iort !== undefined && doc.iortSpec !== undefined) {
    throw platformFileError('give either iort (a file) or iortSpec (inline), not both', fileName);
  }
  const iort: AcpiPlatformFile['iort'] =
    doc.iort !== undefined
      ? { file: doc.iort }
      : doc.iortSpec !== undefined
        ? { spec: doc.iortSpec as IortTableInput }
        : null;
  const devices: AcpiDeviceSpec[] = doc.devices ?? [];
  const seen = new Set<string>();
  devices.forEach((d, i) => {
    if (seen.has(d.path)) {
      throw platformFileError(`${d.path} is listed twice`, where(['devices', i, 'path']));
    }
    seen.add(d.path);
  });
  devices.forEach((d, i) => {
    if (d.parent !== undefined && !seen.has(d.parent)) {
      throw platformFileError(
        `${d.parent} is not a listed device`,
        where(['devices', i, 'parent']),
      );
    }
  });
  const platform: PlatformDescription = { pci: doc.pci ?? [] };
  if (doc.cmdline !== undefined) platform.cmdline = doc.cmdline;
  if (doc.memory !== undefined) platform.memory = doc.memory;
  const out: AcpiPlatformFile = { iort, devices, platform };
  if (doc.its !== undefined) out.its = doc.its;
  return out;
}
