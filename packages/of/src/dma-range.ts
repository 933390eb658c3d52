// of_dma_get_range() (drivers/of/address.c), identical in 6.7 and 6.10.
import {
  type BusDmaRegion,
  EINVAL,
  ENODEV,
  type KernelLog,
  logDebug,
  logErr,
} from '@dmasim/dma-mapping';
import { dmaParentWalk } from './address.js';
import { OF_BAD_ADDR } from './of-bad-addr.js';
import type { OfContext } from './of-context.js';
import { ofRanges } from './ranges.js';
import { type DtNode, getProperty } from './tree.js';

export interface DmaRangeResult {
  /** 0, -ENODEV (no usable dma-ranges) or -EINVAL (no translatable entry). */
  ret: number;
  /** The bus_dma_region array without its size-0 terminator; null unless ret is 0. */
  map: BusDmaRegion[] | null;
}

/**
 * The node whose non-empty dma-ranges applies to `np`: 'broken' when a node after the first lacks
 * the property (the found_dma_ranges quirk), 'none' when the walk runs off the root.
 */
export function findDmaRangesNode(ctx: OfContext, np: DtNode): DtNode | 'broken' | 'none' {
  let found = false;
  for (const node of dmaParentWalk(ctx, np, 'dma-ranges lookup')) {
    const prop = getProperty(node, 'dma-ranges');
    if (prop && prop.value.length > 0) return node;
    if (found && !prop) return 'broken';
    // Set after the first node whether or not it had the property.
    found = true;
  }
  return 'none';
}

/**
 * of_dma_get_range(np): the range map from the first non-empty dma-ranges at or above `np`.
 * Untranslatable entries are dropped with the kernel's pr_err; size-0 entries are kept as written.
 */
export function ofDmaGetRange(ctx: OfContext, np: DtNode, log: KernelLog = []): DmaRangeResult {
  const node = findDmaRangesNode(ctx, np);
  if (node === 'broken') return { ret: -ENODEV, map: null };
  if (node === 'none') {
    logDebug(log, `no dma-ranges found for node(${np.path})`);
    return { ret: -ENODEV, map: null };
  }
  const map: BusDmaRegion[] = [];
  for (const range of ofRanges(ctx, node, 'dma-ranges', log) ?? []) {
    if (range.cpuAddr === OF_BAD_ADDR) {
      const bus = range.busAddr.toString(16);
      logErr(log, `translation of DMA address(${bus}) to CPU address failed node(${node.path})`);
      continue;
    }
    map.push({ cpuStart: range.cpuAddr, dmaStart: range.busAddr, size: range.size });
  }
  if (map.length === 0) return { ret: -EINVAL, map: null };
  return { ret: 0, map };
}
