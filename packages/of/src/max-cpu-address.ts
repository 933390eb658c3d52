// of_dma_get_max_cpu_address() (drivers/of/address.c), used to size ZONE_DMA.
import { addU64, type KernelLog, subU64, U64_MAX } from '@dmasim/dma-mapping';
import type { OfContext } from './of-context.js';
import { ofRanges } from './ranges.js';
import { type DtNode, getProperty, isAvailable } from './tree.js';

/** PHYS_ADDR_MAX for a 64-bit phys_addr_t. */
export const PHYS_ADDR_MAX = U64_MAX;

/**
 * The lowest "last CPU address reachable by DMA" over `np` (the root when null) and its available
 * descendants. Per node: cpu_end is raised to cpu_addr + size - 1 when cpu_addr + size exceeds it
 * (the kernel's exclusive/inclusive mix, u64 wrapping), starting from 0.
 */
export function ofDmaGetMaxCpuAddress(
  ctx: OfContext,
  np: DtNode | null = null,
  log?: KernelLog,
): bigint {
  const node = np ?? ctx.tree.root;
  let max = PHYS_ADDR_MAX;
  const prop = getProperty(node, 'dma-ranges');
  if (prop && prop.value.length > 0) {
    let cpuEnd = 0n;
    for (const range of ofRanges(ctx, node, 'dma-ranges', log) ?? []) {
      const end = addU64(range.cpuAddr, range.size);
      if (end > cpuEnd) cpuEnd = subU64(end, 1n);
    }
    if (max > cpuEnd) max = cpuEnd;
  }
  for (const child of node.children) {
    if (!isAvailable(child)) continue;
    const sub = ofDmaGetMaxCpuAddress(ctx, child, log);
    if (max > sub) max = sub;
  }
  return max;
}
