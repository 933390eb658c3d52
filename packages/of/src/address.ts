// Address translation of drivers/of/address.c: __of_translate_address(), of_translate_one(),
// of_translate_address(), of_translate_dma_address() and __of_get_dma_parent().
import { type KernelLog, type KernelRelease, logErr } from '@dmasim/dma-mapping';
import { type OfBus, ofMatchBus, propertyCells, readNumber } from './bus.js';
import { OfCycleError } from './errors.js';
import { OF_BAD_ADDR } from './of-bad-addr.js';
import type { OfContext } from './of-context.js';
import { parsePhandleWithArgs, propertyMatchString } from './phandle-args.js';
import { DtError, type DtNode, getProperty } from './tree.js';

export { OF_BAD_ADDR };

/** OF_MAX_ADDR_CELLS */
export const OF_MAX_ADDR_CELLS = 4;

export type RangesProperty = 'ranges' | 'dma-ranges';
export type ParentLookup = (ctx: OfContext, node: DtNode) => DtNode | null;

/** OF_CHECK_COUNTS(na, ns): 1 <= na <= 4 and ns > 0. */
export function cellCountsValid(na: number, ns: number): boolean {
  return na > 0 && na <= OF_MAX_ADDR_CELLS && ns > 0;
}

/** of_get_parent() */
export function ofGetParent(_ctx: OfContext, node: DtNode): DtNode | null {
  return node.parent;
}

/**
 * __of_get_dma_parent(): the target of the `interconnects` entry named "dma-mem" when there is
 * one and it parses with #interconnect-cells; otherwise the tree parent.
 */
export function ofGetDmaParent(ctx: OfContext, node: DtNode): DtNode | null {
  const index = propertyMatchString(node, 'interconnect-names', 'dma-mem');
  if (index < 0) return node.parent;
  const parsed = parsePhandleWithArgs(ctx, node, 'interconnects', '#interconnect-cells', index);
  return parsed.spec ? parsed.spec.np : node.parent;
}

/**
 * Walks `start` and its DMA parents (of_get_next_dma_parent), throwing OfCycleError where the
 * kernel's loop would never end; `lookup` names the walk in that error ("<lookup> from <start>").
 */
export function* dmaParentWalk(ctx: OfContext, start: DtNode, lookup: string): Generator<DtNode> {
  const seen = new Set<DtNode>();
  for (let node: DtNode | null = start; node; node = ofGetDmaParent(ctx, node)) {
    if (seen.has(node)) throw new OfCycleError(node.path, `${lookup} from ${start.path}`);
    seen.add(node);
    yield node;
  }
}

// of_translate_one(): one level up through `dev`'s ranges/dma-ranges. false means "cannot".
function translateOne(
  dev: DtNode,
  bus: OfBus,
  pbus: OfBus,
  addr: number[],
  na: number,
  ns: number,
  pna: number,
  rprop: RangesProperty,
  kernel: KernelRelease,
): boolean {
  const prop = getProperty(dev, rprop);
  // A missing "dma-ranges" counts as empty (1:1); a missing "ranges" stops translation.
  if (!prop && rprop === 'ranges') return false;
  let offset: bigint;
  if (!prop || prop.value.length === 0) {
    offset = readNumber(addr, 0, na);
    // Before of-address-preserve-flags-1to1 the flags cell is zeroed too, so a later flags
    // compare fails; with it the parent bus's flag cells pass through.
    const keep = kernel.has('of-address-preserve-flags-1to1') ? pbus.flagCells : 0;
    for (let i = keep; i < pna; i++) addr[i] = 0;
  } else {
    const ranges = propertyCells(prop);
    const entry = na + pna + ns;
    offset = OF_BAD_ADDR;
    let at = 0;
    for (; at + entry <= ranges.length; at += entry) {
      offset = bus.map(addr, ranges, at, na, ns, pna);
      if (offset !== OF_BAD_ADDR) break;
    }
    if (offset === OF_BAD_ADDR) return false;
    for (let i = 0; i < pna; i++) addr[i] = ranges[at + na + i]!;
  }
  pbus.translate(addr, offset, pna);
  return true;
}

/**
 * __of_translate_address(): translate the `na` cells of `inAddr` (an address in `node`'s parent
 * bus) up to the root. OF_BAD_ADDR when a level has no matching range, bad cell counts, or
 * `node` is the root. Indirect (logic PIO) hosts are not modelled.
 */
export function translateAddress(
  ctx: OfContext,
  node: DtNode,
  getParent: ParentLookup,
  inAddr: readonly number[],
  rprop: RangesProperty,
  log?: KernelLog,
): bigint {
  let dev = node;
  let parent = getParent(ctx, dev);
  if (!parent) return OF_BAD_ADDR;
  let bus = ofMatchBus(parent);
  let { na, ns } = bus.countCells(dev);
  if (!cellCountsValid(na, ns)) return OF_BAD_ADDR;
  if (inAddr.length < na) {
    throw new DtError(`address has ${inAddr.length} cells, the bus needs ${na}`, node.path);
  }
  const addr = inAddr.slice(0, na);
  const seen = new Set<DtNode>([dev]);
  for (;;) {
    dev = parent;
    if (seen.has(dev)) throw new OfCycleError(dev.path, `translation of ${node.path}`);
    seen.add(dev);
    parent = getParent(ctx, dev);
    if (!parent) return readNumber(addr, 0, na);
    const pbus = ofMatchBus(parent);
    const { na: pna, ns: pns } = pbus.countCells(dev);
    if (!cellCountsValid(pna, pns)) {
      if (log) logErr(log, `Bad cell count for ${dev.path}`);
      return OF_BAD_ADDR;
    }
    while (addr.length < pna) addr.push(0);
    if (!translateOne(dev, bus, pbus, addr, na, ns, pna, rprop, ctx.kernel)) return OF_BAD_ADDR;
    addr.length = pna;
    na = pna;
    ns = pns;
    bus = pbus;
  }
}

/** of_translate_address(): through the parents' `ranges`. */
export function ofTranslateAddress(
  ctx: OfContext,
  node: DtNode,
  inAddr: readonly number[],
  log?: KernelLog,
): bigint {
  return translateAddress(ctx, node, ofGetParent, inAddr, 'ranges', log);
}

/** of_translate_dma_address(): through the DMA parents' `dma-ranges` (missing = 1:1). */
export function ofTranslateDmaAddress(
  ctx: OfContext,
  node: DtNode,
  inAddr: readonly number[],
  log?: KernelLog,
): bigint {
  return translateAddress(ctx, node, ofGetDmaParent, inAddr, 'dma-ranges', log);
}
