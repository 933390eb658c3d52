// Cell counts and bus kinds of drivers/of/address.c: of_n_addr_cells(), of_match_bus() and the
// per-bus map/translate/get_flags callbacks.

import { addU64, type KernelLog, logWarn, subU64 } from '@dmasim/dma-mapping';
import { OF_BAD_ADDR } from './of-bad-addr.js';
import { beU32, type DtNode, type DtProperty, nodeBaseName, readString, readU32 } from './tree.js';

export const IORESOURCE_IO = 0x100;
export const IORESOURCE_MEM = 0x200;
export const IORESOURCE_PREFETCH = 0x2000;
export const IORESOURCE_MEM_64 = 0x100000;

/** OF_ROOT_NODE_ADDR_CELLS_DEFAULT / _SIZE_CELLS_DEFAULT on non-SPARC: 1 and 1 (not DT-spec 2/1). */
export const ROOT_ADDR_CELLS_DEFAULT = 1;
export const ROOT_SIZE_CELLS_DEFAULT = 1;

/** The cells of a property; a trailing partial cell is ignored, as `len / 4` does in the kernel. */
export function propertyCells(prop: DtProperty): number[] {
  const bytes = prop.value;
  const count = Math.floor(bytes.length / 4);
  const cells: number[] = new Array(count);
  for (let i = 0; i < count; i++) cells[i] = beU32(bytes, i * 4);
  return cells;
}

const isU32 = (cell: number) => cell >= 0 && cell <= 0xffff_ffff && Number.isInteger(cell);

/** of_read_number(): fold `n` big-endian cells into a u64; with n > 2 the high cells shift out. */
export function readNumber(cells: readonly number[], start: number, n: number): bigint {
  // One or two u32 cells (nearly every address and size) fit without masking: fewer BigInt steps.
  const hi = cells[start] ?? 0;
  const lo = cells[start + 1] ?? 0;
  if (n === 1 && isU32(hi)) return BigInt(hi);
  if (n === 2 && isU32(hi) && isU32(lo)) return BigInt(hi * 2 ** 32) + BigInt(lo);
  let value = 0n;
  for (let i = 0; i < n; i++)
    value = ((value << 32n) | BigInt(cells[start + i] ?? 0)) & OF_BAD_ADDR;
  return value;
}

function lookUpCells(node: DtNode | null, prop: string, fallback: number): number {
  for (let n = node; n; n = n.parent) {
    const cells = readU32(n, prop);
    if (cells !== undefined) return cells;
  }
  return fallback;
}

/** of_bus_n_addr_cells(): the #address-cells np's children use (np itself, then ancestors). */
export function ofBusNAddrCells(node: DtNode): number {
  return lookUpCells(node, '#address-cells', ROOT_ADDR_CELLS_DEFAULT);
}

/** of_bus_n_size_cells() */
export function ofBusNSizeCells(node: DtNode): number {
  return lookUpCells(node, '#size-cells', ROOT_SIZE_CELLS_DEFAULT);
}

/** of_n_addr_cells(): the #address-cells of np's own address (lookup starts at the parent). */
export function ofNAddrCells(node: DtNode): number {
  return lookUpCells(node.parent ?? node, '#address-cells', ROOT_ADDR_CELLS_DEFAULT);
}

/** of_n_size_cells() */
export function ofNSizeCells(node: DtNode): number {
  return lookUpCells(node.parent ?? node, '#size-cells', ROOT_SIZE_CELLS_DEFAULT);
}

export type OfBusName = 'pci' | 'isa' | 'default-flags' | 'default';

/** struct of_bus: how addresses on a bus are counted, compared with ranges and translated. */
export interface OfBus {
  name: OfBusName;
  /** The property holding a child's addresses: PCI children use "assigned-addresses". */
  addresses: 'reg' | 'assigned-addresses';
  flagCells: 0 | 1;
  countCells(child: DtNode): { na: number; ns: number };
  getFlags(cells: readonly number[], at: number): number;
  /** Offset of `addr` inside one range entry (child cells at `at`), or OF_BAD_ADDR. */
  map(
    addr: readonly number[],
    range: readonly number[],
    at: number,
    na: number,
    ns: number,
    pna: number,
  ): bigint;
  /** Add `offset` into the parent-side address in place. */
  translate(addr: number[], offset: bigint, na: number): void;
}

function defaultCountCells(child: DtNode): { na: number; ns: number } {
  return { na: ofNAddrCells(child), ns: ofNSizeCells(child) };
}

// of_bus_default_map(), with `skip` leading flag cells left out of the comparison.
function rangeOffset(
  addr: readonly number[],
  range: readonly number[],
  at: number,
  na: number,
  ns: number,
  pna: number,
  skip: number,
): bigint {
  const cp = readNumber(range, at + skip, na - skip);
  const size = readNumber(range, at + na + pna, ns);
  const da = readNumber(addr, skip, na - skip);
  // cp + s wraps at 2^64: a range ending exactly there never matches.
  if (da < cp || da >= addU64(cp, size)) return OF_BAD_ADDR;
  return subU64(da, cp);
}

// of_bus_default_translate(): rewrite the last two cells, zero the rest.
function defaultTranslate(addr: number[], start: number, offset: bigint, na: number): void {
  const a = addU64(readNumber(addr, start, na), offset);
  for (let i = 0; i < na; i++) addr[start + i] = 0;
  if (na > 1) addr[start + na - 2] = Number(a >> 32n);
  if (na > 0) addr[start + na - 1] = Number(a & 0xffff_ffffn);
}

function pciFlags(cells: readonly number[], at: number): number {
  const w = cells[at] ?? 0;
  let flags = 0;
  switch ((w >>> 24) & 3) {
    case 1:
      flags |= IORESOURCE_IO;
      break;
    case 2:
      flags |= IORESOURCE_MEM;
      break;
    case 3:
      flags |= IORESOURCE_MEM | IORESOURCE_MEM_64;
      break;
  }
  if (w & 0x4000_0000) flags |= IORESOURCE_PREFETCH;
  return flags;
}

function isaFlags(cells: readonly number[], at: number): number {
  return (cells[at] ?? 0) & 1 ? IORESOURCE_IO : IORESOURCE_MEM;
}

const SPACE_MASK = IORESOURCE_MEM | IORESOURCE_IO;

const PCI_BUS: OfBus = {
  name: 'pci',
  addresses: 'assigned-addresses',
  flagCells: 1,
  countCells: () => ({ na: 3, ns: 2 }),
  getFlags: pciFlags,
  map(addr, range, at, na, ns, pna) {
    if ((pciFlags(addr, 0) ^ pciFlags(range, at)) & SPACE_MASK) return OF_BAD_ADDR;
    return rangeOffset(addr, range, at, na, ns, pna, 1);
  },
  translate: (addr, offset, na) => defaultTranslate(addr, 1, offset, na - 1),
};

const ISA_BUS: OfBus = {
  name: 'isa',
  addresses: 'reg',
  flagCells: 1,
  countCells: () => ({ na: 2, ns: 1 }),
  getFlags: isaFlags,
  map(addr, range, at, na, ns, pna) {
    if ((isaFlags(addr, 0) ^ isaFlags(range, at)) & SPACE_MASK) return OF_BAD_ADDR;
    return rangeOffset(addr, range, at, na, ns, pna, 1);
  },
  translate: (addr, offset, na) => defaultTranslate(addr, 1, offset, na - 1),
};

// The 3-cell "default-flags" bus (v6.4). Since the v6.6 fix for >2-cell buses its map compares
// the whole flags cell and its translate keeps it, as PCI and ISA do.
const DEFAULT_FLAGS_BUS: OfBus = {
  name: 'default-flags',
  addresses: 'reg',
  flagCells: 1,
  countCells: defaultCountCells,
  getFlags: (cells, at) => cells[at] ?? 0,
  map(addr, range, at, na, ns, pna) {
    if ((addr[0] ?? 0) !== (range[at] ?? 0)) return OF_BAD_ADDR;
    return rangeOffset(addr, range, at, na, ns, pna, 1);
  },
  translate: (addr, offset, na) => defaultTranslate(addr, 1, offset, na - 1),
};

const DEFAULT_BUS: OfBus = {
  name: 'default',
  addresses: 'reg',
  flagCells: 0,
  countCells: defaultCountCells,
  getFlags: () => IORESOURCE_MEM,
  map: (addr, range, at, na, ns, pna) => rangeOffset(addr, range, at, na, ns, pna, 0),
  translate: (addr, offset, na) => defaultTranslate(addr, 0, offset, na),
};

const PCI_DEVICE_TYPES = ['pci', 'pciex', 'vci', 'ht'];

/** Whether `node` is a PCI bus by device_type, or (with the kernel's warning) by the name "pcie". */
export function isPciBusNode(node: DtNode, log?: KernelLog): boolean {
  const type = readString(node, 'device_type');
  if (type !== undefined && PCI_DEVICE_TYPES.includes(type)) return true;
  if (nodeBaseName(node) === 'pcie') {
    if (log) logWarn(log, `${node.path}: Missing device_type`);
    return true;
  }
  return false;
}

/** of_match_bus(): the first bus kind that claims `node`, in the kernel's order. */
export function ofMatchBus(node: DtNode, log?: KernelLog): OfBus {
  if (isPciBusNode(node, log)) return PCI_BUS;
  if (nodeBaseName(node) === 'isa') return ISA_BUS;
  if (ofBusNAddrCells(node) === 3) return DEFAULT_FLAGS_BUS;
  return DEFAULT_BUS;
}
