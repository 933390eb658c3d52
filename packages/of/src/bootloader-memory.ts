// RAM the bootloader fills in. Many boards ship a blob whose /memory says nothing (the Raspberry
// Pi's `memory@0 { reg = <0 0 0>; }`): the firmware or U-Boot (fdt_fixup_memory_banks()) writes
// the real banks into it before the kernel's early_init_dt_scan_memory() reads them.
// /memreserve/ and /reserved-memory are left as they are: the kernel applies them on top.

import { rootCells } from './memory.js';
import { createNode, type DeviceTree, DtError, type DtNode, readString } from './tree.js';

export interface RamRange {
  start: bigint;
  size: bigint;
}

// A copy of the tree, iteratively: hostile sources can nest deeper than the call stack.
function cloneTree(root: DtNode): DtNode {
  const copy = (node: DtNode, parent: DtNode | null): DtNode => ({
    name: node.name,
    path: node.path,
    parent,
    children: [],
    properties: node.properties.map((p) => ({ name: p.name, value: p.value })),
  });
  const top = copy(root, null);
  const stack: Array<[DtNode, DtNode]> = [[root, top]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [from, to] = item;
    for (const child of from.children) {
      const c = copy(child, to);
      to.children.push(c);
      stack.push([child, c]);
    }
  }
  return top;
}

function encodeCells(values: ReadonlyArray<[bigint, number]>): Uint8Array {
  const cells: number[] = [];
  for (const [value, count] of values) {
    for (let i = count - 1; i >= 0; i--)
      cells.push(Number((value >> BigInt(32 * i)) & 0xffff_ffffn));
  }
  const bytes = new Uint8Array(cells.length * 4);
  const view = new DataView(bytes.buffer);
  for (const [i, c] of cells.entries()) view.setUint32(i * 4, c);
  return bytes;
}

/** The `reg` a bootloader writes for `ram` in the root's cells; big banks split to fit the size cells. */
function memoryReg(ram: readonly RamRange[], addressCells: number, sizeCells: number): Uint8Array {
  const maxAddress = (1n << BigInt(32 * addressCells)) - 1n;
  // One size cell holds at most 4 GiB - 1: the Raspberry Pi firmware writes 2 GiB pieces.
  const piece = sizeCells === 1 ? 1n << 31n : 1n << 63n;
  const entries: Array<[bigint, number]> = [];
  for (const { start, size } of ram) {
    if (size <= 0n) throw new DtError(`RAM at 0x${start.toString(16)} has no size`, '/memory');
    if (start + size - 1n > maxAddress) {
      throw new DtError(
        `RAM 0x${start.toString(16)}+0x${size.toString(16)} does not fit #address-cells = <${addressCells}>`,
        '/memory',
      );
    }
    for (let at = start; at < start + size; at += piece) {
      const len = start + size - at < piece ? start + size - at : piece;
      entries.push([at, addressCells], [len, sizeCells]);
    }
  }
  return encodeCells(entries);
}

/**
 * The tree as the bootloader hands it to the kernel with `ram` filled in: the first root-level
 * memory node's `reg` becomes `ram` (a `memory@START` node is added when there is none); its
 * `linux,usable-memory` and `status` and the other memory nodes go. The input tree is not changed.
 */
export function withBootloaderMemory(tree: DeviceTree, ram: readonly RamRange[]): DeviceTree {
  if (ram.length === 0) return tree;
  const { addressCells, sizeCells } = rootCells(tree);
  if (addressCells < 1 || addressCells > 2 || sizeCells < 1 || sizeCells > 2) {
    throw new DtError(
      `#address-cells ${addressCells} / #size-cells ${sizeCells} out of range for RAM`,
      '/',
    );
  }
  const reg = memoryReg(ram, addressCells, sizeCells);
  const root = cloneTree(tree.root);
  const isMemory = (n: DtNode) => readString(n, 'device_type') === 'memory';
  let memory = root.children.find(isMemory);
  if (!memory) {
    memory = createNode(`memory@${ram[0]!.start.toString(16)}`, root);
    memory.properties.push({ name: 'device_type', value: new TextEncoder().encode('memory\0') });
    root.children.push(memory);
  }
  const kept = memory;
  root.children = root.children.filter((n) => n === kept || !isMemory(n));
  kept.properties = kept.properties.filter(
    (p) => p.name !== 'reg' && p.name !== 'linux,usable-memory' && p.name !== 'status',
  );
  kept.properties.push({ name: 'reg', value: reg });
  // A new blob: the byte layout of the one read no longer applies.
  return { root, memReserve: [...tree.memReserve], header: { ...tree.header } };
}
