// The platform file (--platform FILE.yaml|json): what firmware does not describe — PCI topology,
// drivers' masks — plus kernel command line options.
import { DmasimError, parseU64 } from '@dmasim/dma-mapping';
import type { RamRange } from '@dmasim/of';
import { parse as parseYaml } from 'yaml';
import { type KernelCmdline, parseCmdline } from './cmdline.js';

export interface PlatformPciDevice {
  bdf: string;
  bus: number;
  dev: number;
  fn: number;
  /** What the driver passes to dma_set_mask_and_coherent(); absent: the driver sets none. */
  driverMask?: number;
  msi: boolean;
  bridge?: { secondary: number; subordinate: number };
  acs?: boolean;
  pcie?: 'root-port' | 'endpoint' | 'downstream' | 'upstream' | 'bridge';
  /** Whether a driver binds (only then does the IOMMU core probe it). Default: true. */
  driver: boolean;
}

export interface PlatformPciHost {
  /** DT host bridge node path, or "seg:N" for an ACPI PCI segment. */
  host: string;
  devices: PlatformPciDevice[];
}

export interface PlatformFile {
  cmdline: KernelCmdline;
  /** The command line as written, for parsers of options dmasim passes through. */
  cmdlineText: string;
  pci: PlatformPciHost[];
  /** RAM the bootloader writes into /memory (empty: the blob's own memory nodes). */
  memory: RamRange[];
}

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

const PCIE_KINDS = ['root-port', 'endpoint', 'downstream', 'upstream', 'bridge'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseBdf(text: unknown, where: string): { bus: number; dev: number; fn: number } {
  const m =
    typeof text === 'string' ? /^([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec(text) : null;
  if (!m)
    throw new PlatformFileError(`bdf must look like "00:01.0", got ${JSON.stringify(text)}`, where);
  const dev = Number.parseInt(m[2]!, 16);
  if (dev > 0x1f) throw new PlatformFileError(`device number ${dev} is above 31`, where);
  return { bus: Number.parseInt(m[1]!, 16), dev, fn: Number(m[3]) };
}

function parseDevice(raw: unknown, where: string): PlatformPciDevice {
  if (!isRecord(raw)) throw new PlatformFileError('a PCI device must be a mapping', where);
  const { bus, dev, fn } = parseBdf(raw.bdf, where);
  const out: PlatformPciDevice = {
    bdf: String(raw.bdf),
    bus,
    dev,
    fn,
    msi: raw.msi === true,
    driver: raw.driver !== false,
  };
  if (raw.driverMask !== undefined) {
    const m = raw.driverMask;
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 0 || m > 64) {
      throw new PlatformFileError('driverMask must be a bit count from 0 to 64', where);
    }
    out.driverMask = m;
  }
  if (raw.bridge !== undefined) {
    const b = raw.bridge;
    if (!isRecord(b) || typeof b.secondary !== 'number' || typeof b.subordinate !== 'number') {
      throw new PlatformFileError('bridge needs numeric secondary and subordinate', where);
    }
    if (b.secondary > b.subordinate || b.secondary < 0 || b.subordinate > 255) {
      throw new PlatformFileError('bridge bus range is empty or out of 0..255', where);
    }
    out.bridge = { secondary: b.secondary, subordinate: b.subordinate };
  }
  if (raw.acs !== undefined) {
    if (typeof raw.acs !== 'boolean')
      throw new PlatformFileError('acs must be true or false', where);
    out.acs = raw.acs;
  }
  if (raw.pcie !== undefined) {
    if (!PCIE_KINDS.includes(raw.pcie as never)) {
      throw new PlatformFileError(`pcie must be one of ${PCIE_KINDS.join(', ')}`, where);
    }
    out.pcie = raw.pcie as PlatformPciDevice['pcie'];
  }
  return out;
}

/** "START:SIZE" (hex or decimal, K/M/G/T suffixes): one bank of RAM, as --memory takes it. */
export function parseRamRange(text: string): RamRange {
  const m = /^([^:]+):([^:]+)$/.exec(text.trim());
  if (!m) throw new SyntaxError(`RAM wants START:SIZE (e.g. 0x0:4G), got "${text}"`);
  const range = { start: parseU64(m[1]!), size: parseU64(m[2]!) };
  if (range.size === 0n) throw new SyntaxError(`RAM "${text}" has no size`);
  return range;
}

function parseMemory(raw: unknown, where: string): RamRange[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new PlatformFileError('memory must be a list', where);
  const number = (v: unknown, at: string) => {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === 'string') return parseU64(v);
    throw new PlatformFileError('start and size must be numbers or strings like "4G"', at);
  };
  return raw.map((bank, i) => {
    const at = `${where}[${i}]`;
    try {
      if (typeof bank === 'string') return parseRamRange(bank);
      if (!isRecord(bank))
        throw new PlatformFileError('a bank is "START:SIZE" or {start, size}', at);
      const range = { start: number(bank.start, at), size: number(bank.size, at) };
      if (range.size === 0n) throw new PlatformFileError('size is 0', at);
      return range;
    } catch (e) {
      if (e instanceof PlatformFileError) throw e;
      throw new PlatformFileError((e as Error).message, at);
    }
  });
}

/** Parse a platform file's text (YAML, of which JSON is a subset). */
export function parsePlatformFile(text: string, fileName = 'platform'): PlatformFile {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    // The library's message ends in a code frame: its first line says where.
    throw new PlatformFileError((e as Error).message.split('\n')[0]!.replace(/:$/, ''), fileName);
  }
  if (doc === null || doc === undefined)
    return { cmdline: {}, cmdlineText: '', pci: [], memory: [] };
  if (!isRecord(doc)) throw new PlatformFileError('the top level must be a mapping', fileName);
  if (doc.cmdline !== undefined && typeof doc.cmdline !== 'string') {
    throw new PlatformFileError('cmdline must be a string', `${fileName}: cmdline`);
  }
  const cmdlineText = (doc.cmdline as string | undefined) ?? '';
  const cmdline = parseCmdline(cmdlineText);
  const pciRaw = doc.pci ?? [];
  if (!Array.isArray(pciRaw)) throw new PlatformFileError('pci must be a list', `${fileName}: pci`);
  const pci = pciRaw.map((h, i): PlatformPciHost => {
    const where = `${fileName}: pci[${i}]`;
    if (!isRecord(h) || typeof h.host !== 'string')
      throw new PlatformFileError('needs a host', where);
    const devices = h.devices ?? [];
    if (!Array.isArray(devices)) throw new PlatformFileError('devices must be a list', where);
    return {
      host: h.host,
      devices: devices.map((d, j) => parseDevice(d, `${where}.devices[${j}]`)),
    };
  });
  return { cmdline, cmdlineText, pci, memory: parseMemory(doc.memory, `${fileName}: memory`) };
}
