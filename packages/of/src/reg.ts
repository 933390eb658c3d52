// __of_get_address() and of_property_read_reg() (drivers/of/address.c): untranslated reg entries.
import { EINVAL } from '@dmasim/dma-mapping';
import { OF_MAX_ADDR_CELLS } from './address.js';
import { ofMatchBus, ofNAddrCells, propertyCells, readNumber } from './bus.js';
import { type DtNode, getProperty } from './tree.js';

/** One entry of a node's reg (or, under PCI, assigned-addresses) as the parent bus counts it. */
export interface RegEntry {
  /** The entry's address cells, untranslated (input for of_translate_address). */
  cells: number[];
  size: bigint;
  /** The parent bus's get_flags() for the entry (IORESOURCE_*). */
  flags: number;
}

/** __of_get_address(np, index, -1): entry `index`, or null as the kernel returns NULL. */
export function ofGetAddress(node: DtNode, index: number): RegEntry | null {
  const parent = node.parent;
  if (!parent || index < 0) return null;
  const bus = ofMatchBus(parent);
  const prop = getProperty(node, bus.addresses);
  if (!prop) return null;
  const { na, ns } = bus.countCells(node);
  if (na <= 0 || na > OF_MAX_ADDR_CELLS || ns < 0) return null;
  const cells = propertyCells(prop);
  const one = na + ns;
  const at = index * one;
  if (at + one > cells.length) return null;
  return {
    cells: cells.slice(at, at + na),
    size: readNumber(cells, at + na, ns),
    flags: bus.getFlags(cells, at),
  };
}

export type ReadRegResult = { ret: 0; addr: bigint; size: bigint } | { ret: number };

/**
 * of_property_read_reg(): the untranslated address and size of reg entry `index`. The address is
 * read with of_n_addr_cells(np), as the kernel does, not with the bus's count.
 */
export function ofPropertyReadReg(node: DtNode, index: number): ReadRegResult {
  const entry = ofGetAddress(node, index);
  if (!entry) return { ret: -EINVAL };
  const na = ofNAddrCells(node);
  return {
    ret: 0,
    addr: readNumber(entry.cells, 0, Math.min(na, entry.cells.length)),
    size: entry.size,
  };
}
