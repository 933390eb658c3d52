// RAM and reserved memory from the device tree: early_init_dt_scan_memory() (root-level nodes
// with device_type = "memory", reg or linux,usable-memory in the root's cells) and
// fdt_scan_reserved_mem() / __reserved_mem_check_root() / __reserved_mem_reserve_reg().

import type { DeviceTree, DtNode } from './tree.js';
import {
  DtError,
  getProperty,
  hasProperty,
  isAvailable,
  readCells,
  readString,
  readStrings,
  readU32,
} from './tree.js';

export interface DtMemoryBank {
  start: bigint;
  size: bigint;
  /** The /memory node it came from. */
  node: string;
}

export interface ReservedMemoryRegion {
  path: string;
  /** Node name, e.g. "linux,cma" or "restricted-dma@50000000". */
  name: string;
  /** Static regions: their reg entries. Empty for dynamic ones. */
  reg: Array<{ start: bigint; size: bigint }>;
  /** Dynamic regions: the `size` property (null for static ones). */
  size: bigint | null;
  alignment: bigint | null;
  allocRanges: Array<{ start: bigint; size: bigint }>;
  compatible: string[];
  noMap: boolean;
  reusable: boolean;
  cmaDefault: boolean;
  dmaDefault: boolean;
  restrictedDmaPool: boolean;
  sharedDmaPool: boolean;
}

export interface ReservedMemoryScan {
  regions: ReservedMemoryRegion[];
  /** pr_err/pr_info lines the kernel prints while scanning. */
  log: string[];
}

function cellsToU64(cells: readonly number[], from: number, count: number): bigint {
  let v = 0n;
  for (let i = 0; i < count; i++) v = (v << 32n) | BigInt(cells[from + i] as number);
  return BigInt.asUintN(64, v);
}

/** dt_root_addr_cells / dt_root_size_cells: the root's values, defaulting to 2 and 1. */
export function rootCells(tree: DeviceTree): { addressCells: number; sizeCells: number } {
  return {
    addressCells: readU32(tree.root, '#address-cells') ?? 2,
    sizeCells: readU32(tree.root, '#size-cells') ?? 1,
  };
}

function readPairs(
  node: DtNode,
  name: string,
  ac: number,
  sc: number,
): Array<{ start: bigint; size: bigint }> | null {
  const prop = getProperty(node, name);
  if (!prop) return null;
  const cells = readCells(node, prop);
  const out: Array<{ start: bigint; size: bigint }> = [];
  for (let i = 0; i + ac + sc <= cells.length; i += ac + sc) {
    out.push({ start: cellsToU64(cells, i, ac), size: cellsToU64(cells, i + ac, sc) });
  }
  return out;
}

/** early_init_dt_scan_memory(): RAM banks from the root's memory nodes, in tree order. */
export function readMemoryBanks(tree: DeviceTree): DtMemoryBank[] {
  const { addressCells, sizeCells } = rootCells(tree);
  if (addressCells < 1 || addressCells > 2 || sizeCells < 1 || sizeCells > 2) {
    throw new DtError(
      `#address-cells ${addressCells} / #size-cells ${sizeCells} out of range for RAM`,
      '/',
    );
  }
  const banks: DtMemoryBank[] = [];
  for (const node of tree.root.children) {
    if (readString(node, 'device_type') !== 'memory' || !isAvailable(node)) continue;
    const entries =
      readPairs(node, 'linux,usable-memory', addressCells, sizeCells) ??
      readPairs(node, 'reg', addressCells, sizeCells) ??
      [];
    for (const e of entries) if (e.size !== 0n) banks.push({ ...e, node: node.path });
  }
  return banks;
}

/** fdt_scan_reserved_mem(): the /reserved-memory children the kernel would act on. */
export function readReservedMemory(tree: DeviceTree): ReservedMemoryScan {
  const log: string[] = [];
  const parent = tree.root.children.find((c) => c.name === 'reserved-memory');
  if (!parent) return { regions: [], log };
  const root = rootCells(tree);
  const ac = readU32(parent, '#address-cells');
  const sc = readU32(parent, '#size-cells');
  // __reserved_mem_check_root(): same cells as the root and an identity `ranges`.
  if (ac !== root.addressCells || sc !== root.sizeCells || !hasProperty(parent, 'ranges')) {
    log.push('Reserved memory: unsupported node format, ignoring');
    return { regions: [], log };
  }
  const regions: ReservedMemoryRegion[] = [];
  for (const node of parent.children) {
    if (!isAvailable(node)) continue;
    const compatible = readStrings(node, 'compatible');
    const regProp = getProperty(node, 'reg');
    let reg: Array<{ start: bigint; size: bigint }> = [];
    if (regProp) {
      if (regProp.value.length % (4 * (ac + sc)) !== 0 || regProp.value.length === 0) {
        log.push(`Reserved memory: invalid reg property in '${node.name}', skipping node.`);
        continue;
      }
      reg = readPairs(node, 'reg', ac, sc) ?? [];
    }
    const sizeProp = getProperty(node, 'size');
    let size: bigint | null = null;
    if (!regProp) {
      if (!sizeProp) continue;
      if (sizeProp.value.length !== 4 * sc) {
        log.push(`Reserved memory: invalid size property in '${node.name}' node.`);
        continue;
      }
      size = cellsToU64(readCells(node, sizeProp), 0, sc);
    }
    const alignProp = getProperty(node, 'alignment');
    regions.push({
      path: node.path,
      name: node.name,
      reg,
      size,
      alignment: alignProp
        ? cellsToU64(readCells(node, alignProp), 0, alignProp.value.length / 4)
        : null,
      allocRanges: readPairs(node, 'alloc-ranges', ac, sc) ?? [],
      compatible: [...compatible],
      noMap: hasProperty(node, 'no-map'),
      reusable: hasProperty(node, 'reusable'),
      cmaDefault: hasProperty(node, 'linux,cma-default'),
      dmaDefault: hasProperty(node, 'linux,dma-default'),
      restrictedDmaPool: compatible.includes('restricted-dma-pool'),
      sharedDmaPool: compatible.includes('shared-dma-pool'),
    });
  }
  return { regions, log };
}
