// The platform file (--platform FILE.yaml|json for a device tree; the ACPI platform file shares
// its keys): what firmware does not describe (PCI topology, the drivers' masks, RAM a bootloader
// fills in) plus the kernel command line. Read into @dmasim/machine's PlatformDescription.
import {
  DmasimError,
  PciAddressError,
  parseBdf,
  parseDevfn,
  parseU64,
  U64_MAX,
} from '@dmasim/dma-mapping';
import type { PcieType } from '@dmasim/iommu-core';
import type {
  MemoryRange,
  PciFunctionSpec,
  PciHostSpec,
  PlatformDescription,
} from '@dmasim/machine';
import { checkInput } from './input-check.js';
import { isRecord, parseYamlExact } from './iort-spec.js';
import { PLATFORM_FILE } from './schema/input.js';

/** A device tree's platform file, as @dmasim/machine takes it. */
export type PlatformFile = PlatformDescription;

export class PlatformFileError extends DmasimError {
  static override readonly code: string = 'DMASIM_PLATFORM_FILE';
  override name = 'PlatformFileError';
  constructor(
    message: string,
    readonly where: string,
  ) {
    super(`${where}: ${message}`);
  }
}

const PCIE_KINDS: readonly PcieType[] = [
  'root-port',
  'endpoint',
  'downstream',
  'upstream',
  'bridge',
  'pci-pcie-bridge',
];
const PCI_FUNCTION_FIELDS = [
  'bdf',
  'driver',
  'driverMask',
  'msi',
  'bridge',
  'acs',
  'pcie',
  'aliases',
  'dmaAliases',
  'pcieBridgeAlias',
];

export function checkFields(raw: Record<string, unknown>, known: readonly string[], where: string) {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      throw new PlatformFileError(`unknown field "${key}" (known: ${known.join(', ')})`, where);
    }
  }
}

/** An integer (YAML read exactly: bigint) in [0, max]. */
export function intField(v: unknown, field: string, max: number, where: string): number {
  const n =
    typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : null;
  if (n === null || n < 0n || n > BigInt(max)) {
    throw new PlatformFileError(`${field} must be an integer from 0 to ${max}`, where);
  }
  return Number(n);
}

/** A u64, as an integer or as text ("0x8000_0000"). */
export function u64Field(v: unknown, field: string, where: string): bigint {
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

function boolField(v: unknown, field: string, where: string): boolean {
  if (typeof v !== 'boolean') throw new PlatformFileError(`${field} must be true or false`, where);
  return v;
}

/** "BB:DD.F": the host bridge gives the segment. */
function hostBdf(text: string): string {
  parseBdf(text);
  if (text.split(':').length > 2)
    throw new PciAddressError(text, "write BB:DD.F: the host bridge's segment applies");
  return text;
}

/** A PCI address field, read by `parse` (parseBdf, parseDevfn); its error names the text. */
function pciField<T>(v: unknown, field: string, parse: (text: string) => T, where: string): T {
  if (typeof v !== 'string')
    throw new PlatformFileError(`${field} must be a string, got ${JSON.stringify(v)}`, where);
  try {
    return parse(v);
  } catch (e) {
    if (e instanceof PciAddressError) throw new PlatformFileError(`${field}: ${e.message}`, where);
    throw e;
  }
}

function parsePciFunction(raw: unknown, where: string): PciFunctionSpec {
  if (!isRecord(raw)) throw new PlatformFileError('a PCI device must be a mapping', where);
  checkFields(raw, PCI_FUNCTION_FIELDS, where);
  const out: PciFunctionSpec = { bdf: pciField(raw.bdf, 'bdf', hostBdf, where) };
  if (raw.driver !== undefined) out.driver = boolField(raw.driver, 'driver', where);
  if (raw.driverMask !== undefined) {
    try {
      out.driverMask = intField(raw.driverMask, 'driverMask', 64, where);
    } catch {
      throw new PlatformFileError('driverMask must be a bit count from 0 to 64', where);
    }
  }
  if (raw.msi !== undefined) out.msi = boolField(raw.msi, 'msi', where);
  if (raw.bridge !== undefined) {
    const b = raw.bridge;
    if (!isRecord(b) || b.secondary === undefined || b.subordinate === undefined) {
      throw new PlatformFileError('bridge needs numeric secondary and subordinate', where);
    }
    const secondary = intField(b.secondary, 'bridge.secondary', 255, where);
    const subordinate = intField(b.subordinate, 'bridge.subordinate', 255, where);
    if (secondary > subordinate)
      throw new PlatformFileError('bridge bus range is empty or out of 0..255', where);
    out.bridge = { secondary, subordinate };
  }
  if (raw.acs !== undefined) out.acs = boolField(raw.acs, 'acs', where);
  if (raw.pcie !== undefined) {
    if (!PCIE_KINDS.includes(raw.pcie as never)) {
      throw new PlatformFileError(`pcie must be one of ${PCIE_KINDS.join(', ')}`, where);
    }
    out.pcie = raw.pcie as PciFunctionSpec['pcie'];
  }
  if (raw.aliases !== undefined) {
    if (!Array.isArray(raw.aliases) || raw.aliases.length === 0) {
      throw new PlatformFileError('aliases must be a non-empty list of requester IDs', where);
    }
    out.aliases = raw.aliases.map((a, i) => intField(a, `aliases[${i}]`, 0xffff, where));
  }
  if (raw.dmaAliases !== undefined) {
    if (!Array.isArray(raw.dmaAliases))
      throw new PlatformFileError('dmaAliases must be a list', where);
    out.dmaAliases = raw.dmaAliases.map((a, i) =>
      pciField(a, `dmaAliases[${i}]`, parseDevfn, where),
    );
  }
  if (raw.pcieBridgeAlias !== undefined)
    out.pcieBridgeAlias = boolField(raw.pcieBridgeAlias, 'pcieBridgeAlias', where);
  return out;
}

/**
 * The `pci` list: host bridges with their functions. `acpi` allows (and checks) the ACPI host
 * keys: the host bridge's ACPI path, its segment and preserveConfig.
 */
export function parsePciHosts(raw: unknown, where: string, acpi: boolean): PciHostSpec[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new PlatformFileError('pci must be a list', where);
  return raw.map((h, i): PciHostSpec => {
    const at = `${where}[${i}]`;
    if (!isRecord(h) || typeof h.host !== 'string' || h.host === '')
      throw new PlatformFileError('needs a host', at);
    checkFields(
      h,
      acpi ? ['host', 'segment', 'preserveConfig', 'devices'] : ['host', 'devices'],
      at,
    );
    if (acpi && !h.host.startsWith('\\')) {
      throw new PlatformFileError('host must be a full ACPI path such as "\\_SB_.PCI0"', at);
    }
    const devices = h.devices ?? [];
    if (!Array.isArray(devices)) throw new PlatformFileError('devices must be a list', at);
    const host: PciHostSpec = {
      host: h.host,
      devices: devices.map((d, j) => parsePciFunction(d, `${at}.devices[${j}]`)),
    };
    if (h.segment !== undefined) host.segment = intField(h.segment, 'segment', 0xffff, at);
    if (h.preserveConfig !== undefined)
      host.preserveConfig = boolField(h.preserveConfig, 'preserveConfig', at);
    return host;
  });
}

/** "START:SIZE" (hex or decimal, K/M/G/T suffixes): one bank of RAM, as --memory takes it. */
export function parseRamRange(text: string): MemoryRange {
  const m = /^([^:]+):([^:]+)$/.exec(text.trim());
  if (!m) throw new SyntaxError(`RAM wants START:SIZE (e.g. 0x0:4G), got "${text}"`);
  const range = { start: parseU64(m[1]!), size: parseU64(m[2]!) };
  if (range.size === 0n) throw new SyntaxError(`RAM "${text}" has no size`);
  return range;
}

/** `memory`: RAM banks, each "START:SIZE" or `{ start, size }` (numbers or text such as "4G"). */
export function parseMemory(raw: unknown, where: string): MemoryRange[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) throw new PlatformFileError('memory must be a list', where);
  const number = (v: unknown, at: string) => {
    if (typeof v === 'bigint' && v >= 0n) return v;
    if (typeof v === 'string') return parseU64(v);
    throw new PlatformFileError('start and size must be numbers or strings like "4G"', at);
  };
  return raw.map((bank, i) => {
    const at = `${where}[${i}]`;
    try {
      if (typeof bank === 'string') return parseRamRange(bank);
      if (!isRecord(bank))
        throw new PlatformFileError('a bank is "START:SIZE" or {start, size}', at);
      checkFields(bank, ['start', 'size'], at);
      const range = { start: number(bank.start, at), size: number(bank.size, at) };
      if (range.size === 0n) throw new PlatformFileError('size is 0', at);
      if (range.start + range.size - 1n > U64_MAX)
        throw new PlatformFileError('the bank runs past 2^64', at);
      return range;
    } catch (e) {
      if (e instanceof PlatformFileError) throw e;
      throw new PlatformFileError((e as Error).message, at);
    }
  });
}

/** `cmdline`: one string. */
export function parseCmdlineField(raw: unknown, where: string): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new PlatformFileError('cmdline must be a string', where);
  return raw;
}

/** Parse a DT platform file's text (YAML, of which JSON is a subset). */
export function parsePlatformFile(text: string, fileName = 'platform'): PlatformDescription {
  const doc = parseYamlExact(text, fileName);
  if (doc === null || doc === undefined) return {};
  if (!isRecord(doc)) throw new PlatformFileError('the top level must be a mapping', fileName);
  checkFields(doc, ['cmdline', 'memory', 'pci'], fileName);
  const out: PlatformDescription = { pci: parsePciHosts(doc.pci, `${fileName}: pci`, false) };
  const cmdline = parseCmdlineField(doc.cmdline, `${fileName}: cmdline`);
  if (cmdline !== undefined) out.cmdline = cmdline;
  const memory = parseMemory(doc.memory, `${fileName}: memory`);
  if (memory) out.memory = memory;
  // The reader's own checks come first (their messages are the most specific); what they let
  // through must still be what the schema for editors says.
  checkInput(PLATFORM_FILE, doc, fileName, (m, where) => new PlatformFileError(m, where));
  return out;
}
