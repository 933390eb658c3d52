// of_dma_is_coherent() (drivers/of/address.c), identical in 6.7 and 6.10.
import { dmaParentWalk } from './address.js';
import type { OfContext } from './of-context.js';
import { type DtNode, hasProperty } from './tree.js';

/**
 * The nearest of `np` and its DMA parents carrying dma-coherent (→ true) or dma-noncoherent
 * (→ false), dma-coherent checked first on each node; otherwise dma_default_coherent.
 */
export function ofDmaIsCoherent(ctx: OfContext, np: DtNode, defaultCoherent: boolean): boolean {
  for (const node of dmaParentWalk(ctx, np, 'coherency lookup')) {
    if (hasProperty(node, 'dma-coherent')) return true;
    if (hasProperty(node, 'dma-noncoherent')) return false;
  }
  return defaultCoherent;
}
