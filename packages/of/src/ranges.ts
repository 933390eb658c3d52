// The range parser: of_pci_range_parser_init() / of_pci_dma_range_parser_init() and
// of_pci_range_parser_one() as for_each_of_range() drives it, merging contiguous entries.
import { addU64, type KernelLog } from '@dmasim/dma-mapping';
import { ofTranslateAddress, ofTranslateDmaAddress, type RangesProperty } from './address.js';
import {
  ofBusNAddrCells,
  ofBusNSizeCells,
  ofMatchBus,
  ofNAddrCells,
  propertyCells,
  readNumber,
} from './bus.js';
import { OfCellCountError } from './errors.js';
import type { OfContext } from './of-context.js';
import { type DtNode, getProperty } from './tree.js';

/** struct of_range */
export interface OfRange {
  flags: number;
  /** Child-bus address (for PCI: the 64-bit address after the flags cell). */
  busAddr: bigint;
  /** Parent address translated to a CPU address; OF_BAD_ADDR when untranslatable. */
  cpuAddr: bigint;
  size: bigint;
}

/** Cell layout of one entry of `node`'s ranges/dma-ranges. */
export interface RangeLayout {
  /** Child address cells: of_bus_n_addr_cells(node). */
  na: number;
  /** Parent address cells: of_n_addr_cells(node). */
  pna: number;
  /** Size cells: of_bus_n_size_cells(node). */
  ns: number;
}

export function rangeLayout(node: DtNode): RangeLayout {
  return { na: ofBusNAddrCells(node), pna: ofNAddrCells(node), ns: ofBusNSizeCells(node) };
}

/**
 * Every range of `node`'s `ranges` or `dma-ranges` as for_each_of_range() yields them: entries of
 * na+pna+ns cells (a trailing partial entry is ignored), each absorbing the following entries
 * that have the same flags and continue it in both bus and CPU space. null when the property is
 * absent (-ENOENT). Cell counts that would hang or underflow the kernel's parser throw.
 */
export function ofRanges(
  ctx: OfContext,
  node: DtNode,
  prop: RangesProperty,
  log?: KernelLog,
): OfRange[] | null {
  const property = getProperty(node, prop);
  if (!property) return null;
  const { na, pna, ns } = rangeLayout(node);
  const bus = ofMatchBus(node, log);
  const fc = bus.flagCells;
  const entry = na + pna + ns;
  if (entry <= 0 || na < fc || na > 0x7fff_ffff || pna > 0x7fff_ffff || ns > 0x7fff_ffff) {
    throw new OfCellCountError(
      `cannot parse with #address-cells ${na}, parent #address-cells ${pna}, #size-cells ${ns}`,
      node.path,
      prop,
    );
  }
  const cells = propertyCells(property);
  const translate = prop === 'dma-ranges' ? ofTranslateDmaAddress : ofTranslateAddress;
  const read = (at: number): OfRange => ({
    flags: bus.getFlags(cells, at),
    busAddr: readNumber(cells, at + fc, na - fc),
    cpuAddr: translate(ctx, node, cells.slice(at + na), log),
    size: readNumber(cells, at + na + pna, ns),
  });
  const ranges: OfRange[] = [];
  let at = 0;
  while (at + entry <= cells.length) {
    const range = read(at);
    at += entry;
    while (at + entry <= cells.length) {
      const next = read(at);
      if (next.flags !== range.flags) break;
      if (next.busAddr !== addU64(range.busAddr, range.size)) break;
      if (next.cpuAddr !== addU64(range.cpuAddr, range.size)) break;
      range.size = addU64(range.size, next.size);
      at += entry;
    }
    ranges.push(range);
  }
  return ranges;
}
