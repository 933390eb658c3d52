// The ACPI platform file (YAML or JSON): the IORT (a file beside it, or inline) plus what the
// DSDT would say about the devices that use it — _CCA, _DMA, PCI endpoints by segment and BDF.
import type {
  AcpiDeviceSpec,
  AcpiPlatformDescription,
  IortTableInput,
  PciEndpointSpec,
} from '@dmasim/acpi-iort';
import { U64_MAX } from '@dmasim/dma-mapping';
import { iortSpecFromDocument, isRecord, parseYamlExact } from './iort-spec.js';
import { PlatformFileError } from './platform-file.js';

export interface AcpiPlatformFile {
  /**
   * Where the IORT comes from: a file named relative to the platform file (a binary, or a spec
   * in YAML/JSON), a spec written inline, or none (no IORT: only _DMA and _CCA apply).
   */
  iort: { file: string } | { spec: IortTableInput } | null;
  /** Absent for a bare IORT spec: the default platform of the table is used. */
  description?: AcpiPlatformDescription;
}

const TOP_FIELDS = ['iort', 'iortSpec', 'devices', 'pci'];
const DEVICE_FIELDS = ['path', 'parent', 'cca', 'dma', 'crs', 'initialMask'];
const DMA_FIELDS = ['start', 'end', 'offset'];
const PCI_FIELDS = ['segment', 'bdf', 'aliases', 'bridge', 'initialMask'];

function checkFields(raw: Record<string, unknown>, known: readonly string[], where: string) {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      throw new PlatformFileError(`unknown field "${key}" (known: ${known.join(', ')})`, where);
    }
  }
}

function u64Field(v: unknown, field: string, where: string): bigint {
  let n: bigint | null = null;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'string' && /^\s*(0[xX][0-9a-fA-F_]+|[0-9_]+)\s*$/.test(v)) {
    n = BigInt(v.trim().replaceAll('_', ''));
  }
  if (n === null || n < 0n || n > U64_MAX) {
    throw new PlatformFileError(
      `${field} must be a 64-bit number, got ${JSON.stringify(String(v))}`,
      where,
    );
  }
  return n;
}

function intField(v: unknown, field: string, max: number, where: string): number {
  const n = typeof v === 'bigint' ? v : null;
  if (n === null || n < 0n || n > BigInt(max)) {
    throw new PlatformFileError(`${field} must be an integer from 0 to ${max}`, where);
  }
  return Number(n);
}

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

/** "BB:DD.F" or a RID number → RID. */
function ridField(v: unknown, where: string): number {
  if (typeof v === 'bigint') return intField(v, 'bdf', 0xffff, where);
  const m =
    typeof v === 'string' ? /^([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec(v) : null;
  if (!m)
    throw new PlatformFileError(
      `bdf must look like "00:01.0", got ${JSON.stringify(String(v))}`,
      where,
    );
  const dev = Number.parseInt(m[2]!, 16);
  if (dev > 0x1f) throw new PlatformFileError(`device number ${dev} is above 31`, where);
  return (Number.parseInt(m[1]!, 16) << 8) | (dev << 3) | Number(m[3]);
}

function parseEndpoint(raw: unknown, where: string): PciEndpointSpec {
  if (!isRecord(raw)) throw new PlatformFileError('a PCI endpoint must be a mapping', where);
  checkFields(raw, PCI_FIELDS, where);
  const out: PciEndpointSpec = {
    segment: raw.segment === undefined ? 0 : intField(raw.segment, 'segment', 0xffff, where),
    bdf: ridField(raw.bdf, where),
  };
  if (raw.aliases !== undefined) {
    if (!Array.isArray(raw.aliases) || raw.aliases.length === 0) {
      throw new PlatformFileError('aliases must be a non-empty list of requester IDs', where);
    }
    out.aliases = raw.aliases.map((a, i) => intField(a, `aliases[${i}]`, 0xffff, where));
  }
  if (raw.bridge !== undefined) out.bridge = acpiPath(raw.bridge, 'bridge', where);
  if (raw.initialMask !== undefined)
    out.initialMask = u64Field(raw.initialMask, 'initialMask', where);
  return out;
}

/**
 * Parse an ACPI platform file. A document with `nodes` at the top is a bare IORT spec; anything
 * else is a platform file with `iort: FILE` or `iortSpec: {...}`, `devices` and `pci`.
 */
export function parseAcpiPlatformFile(text: string, fileName = 'platform'): AcpiPlatformFile {
  const doc = parseYamlExact(text, fileName);
  if (!isRecord(doc)) throw new PlatformFileError('the top level must be a mapping', fileName);
  if ('nodes' in doc) return { iort: { spec: iortSpecFromDocument(doc, fileName) } };
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
  const list = (key: 'devices' | 'pci') => {
    const v = doc[key] ?? [];
    if (!Array.isArray(v))
      throw new PlatformFileError(`${key} must be a list`, `${fileName}: ${key}`);
    return v as unknown[];
  };
  const devices = list('devices').map((d, i) => parseDevice(d, `${fileName}: devices[${i}]`));
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
  const pci = list('pci').map((p, i) => parseEndpoint(p, `${fileName}: pci[${i}]`));
  return { iort, description: { devices, pci } };
}
