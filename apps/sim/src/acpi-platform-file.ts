// The ACPI platform file (YAML or JSON), in the DT platform file's grouped shape: the IORT (a
// file beside it, or inline), RAM as the UEFI memory map gives it, the kernel command line,
// the DSDT's facts about devices (_CCA, _DMA, _CRS), the MADT's ITSes, and the PCI host bridges
// with their functions (same keys as the DT platform file).
import type { AcpiDeviceSpec, IortTableInput } from '@dmasim/acpi-iort';
import type { GicIts, PlatformDescription } from '@dmasim/machine';
import { checkInput } from './input-check.js';
import { iortSpecFromDocument, isRecord, parseYamlExact } from './iort-spec.js';
import {
  checkFields,
  intField,
  PlatformFileError,
  parseCmdlineField,
  parseMemory,
  parsePciHosts,
  u64Field,
} from './platform-file.js';
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

const TOP_FIELDS = ['iort', 'iortSpec', 'memory', 'cmdline', 'devices', 'its', 'pci'];
const DEVICE_FIELDS = ['path', 'parent', 'cca', 'dma', 'crs', 'initialMask'];
const DMA_FIELDS = ['start', 'end', 'offset'];

function stringField(v: unknown, field: string, where: string): string {
  if (typeof v !== 'string' || v === '') {
    throw new PlatformFileError(`${field} must be a non-empty string`, where);
  }
  return v;
}

function acpiPath(v: unknown, field: string, where: string): string {
  const path = stringField(v, field, where);
  if (!path.startsWith('\\')) {
    throw new PlatformFileError(`${field} must be a full ACPI path such as "\\_SB_.DEV0"`, where);
  }
  return path;
}

function parseDevice(raw: unknown, where: string): AcpiDeviceSpec {
  if (!isRecord(raw)) throw new PlatformFileError('an ACPI device must be a mapping', where);
  checkFields(raw, DEVICE_FIELDS, where);
  const out: AcpiDeviceSpec = { path: acpiPath(raw.path, 'path', where) };
  if (raw.parent !== undefined) out.parent = acpiPath(raw.parent, 'parent', where);
  if (raw.cca !== undefined) {
    if (raw.cca !== 0n && raw.cca !== 1n) throw new PlatformFileError('cca must be 0 or 1', where);
    out.cca = raw.cca === 1n ? 1 : 0;
  }
  if (raw.crs !== undefined) {
    if (typeof raw.crs !== 'boolean')
      throw new PlatformFileError('crs must be true or false', where);
    out.crs = raw.crs;
  }
  if (raw.initialMask !== undefined)
    out.initialMask = u64Field(raw.initialMask, 'initialMask', where);
  if (raw.dma !== undefined) {
    if (!Array.isArray(raw.dma)) {
      throw new PlatformFileError('dma must be a list of { start, end, offset } windows', where);
    }
    out.dma = raw.dma.map((w, i) => {
      const at = `${where}.dma[${i}]`;
      if (!isRecord(w)) throw new PlatformFileError('a _DMA window must be a mapping', at);
      checkFields(w, DMA_FIELDS, at);
      const window = { start: u64Field(w.start, 'start', at), end: u64Field(w.end, 'end', at) };
      return w.offset === undefined
        ? window
        : { ...window, offset: u64Field(w.offset, 'offset', at) };
    });
  }
  return out;
}

function parseIts(raw: unknown, where: string): GicIts[] {
  if (!Array.isArray(raw)) throw new PlatformFileError('its must be a list', where);
  return raw.map((r, i) => {
    const at = `${where}[${i}]`;
    if (!isRecord(r)) throw new PlatformFileError('an ITS must be a mapping { id, base }', at);
    checkFields(r, ['id', 'base'], at);
    return { id: intField(r.id, 'id', 0xffffffff, at), base: u64Field(r.base, 'base', at) };
  });
}

/**
 * Parse an ACPI platform file. A document with `nodes` at the top is a bare IORT spec; anything
 * else is a platform file with `iort: FILE` or `iortSpec: {...}` and the keys above.
 */
export function parseAcpiPlatformFile(text: string, fileName = 'platform'): AcpiPlatformFile {
  const doc = parseYamlExact(text, fileName);
  if (!isRecord(doc)) throw new PlatformFileError('the top level must be a mapping', fileName);
  if ('nodes' in doc) return { iort: { spec: iortSpecFromDocument(doc, fileName) }, platform: {} };
  checkFields(doc, TOP_FIELDS, fileName);
  let iort: AcpiPlatformFile['iort'] = null;
  if (doc.iort !== undefined && doc.iortSpec !== undefined) {
    throw new PlatformFileError(
      'give either iort (a file) or iortSpec (inline), not both',
      fileName,
    );
  }
  if (doc.iort !== undefined) iort = { file: stringField(doc.iort, 'iort', fileName) };
  if (doc.iortSpec !== undefined) {
    iort = { spec: iortSpecFromDocument(doc.iortSpec, `${fileName}: iortSpec`) };
  }
  const rawDevices = doc.devices ?? [];
  if (!Array.isArray(rawDevices))
    throw new PlatformFileError('devices must be a list', `${fileName}: devices`);
  const devices = rawDevices.map((d, i) => parseDevice(d, `${fileName}: devices[${i}]`));
  const seen = new Set<string>();
  devices.forEach((d, i) => {
    if (seen.has(d.path)) {
      throw new PlatformFileError(`path ${d.path} is listed twice`, `${fileName}: devices[${i}]`);
    }
    seen.add(d.path);
  });
  for (const [i, d] of devices.entries()) {
    if (d.parent !== undefined && !seen.has(d.parent)) {
      throw new PlatformFileError(
        `parent ${d.parent} is not a listed device`,
        `${fileName}: devices[${i}]`,
      );
    }
  }
  const platform: PlatformDescription = { pci: parsePciHosts(doc.pci, `${fileName}: pci`, true) };
  const cmdline = parseCmdlineField(doc.cmdline, `${fileName}: cmdline`);
  if (cmdline !== undefined) platform.cmdline = cmdline;
  const memory = parseMemory(doc.memory, `${fileName}: memory`);
  if (memory) platform.memory = memory;
  const out: AcpiPlatformFile = { iort, devices, platform };
  if (doc.its !== undefined) out.its = parseIts(doc.its, `${fileName}: its`);
  // After the reader's own, more specific checks: what they let through must match the schema.
  checkInput(ACPI_PLATFORM_FILE, doc, fileName, (m, where) => new PlatformFileError(m, where));
  return out;
}
