// of_address_to_resource() (drivers/of/address.c): a reg entry translated to a CPU resource.
import { addU64, EINVAL, type KernelLog, subU64 } from '@dmasim/dma-mapping';
import { ofTranslateAddress } from './address.js';
import { IORESOURCE_IO, IORESOURCE_MEM } from './bus.js';
import { OF_BAD_ADDR } from './of-bad-addr.js';
import type { OfContext } from './of-context.js';
import { ofGetAddress } from './reg.js';
import { type DtNode, readStrings } from './tree.js';

/** struct resource (the fields OF fills). */
export interface OfResource {
  start: bigint;
  /** Inclusive: start + size - 1 (u64 wrapping). */
  end: bigint;
  flags: number;
  /** reg-names entry, else the node's full name. */
  name: string;
}

export type ResourceResult = { ret: 0; resource: OfResource } | { ret: number; resource: null };

/**
 * of_address_to_resource(np, index). Memory entries are translated through `ranges`; I/O-space
 * entries need a registered PCI/logic PIO range, which is not modelled, so they fail (-EINVAL) as
 * they do when no such range is registered.
 */
export function ofAddressToResource(
  ctx: OfContext,
  node: DtNode,
  index: number,
  log?: KernelLog,
): ResourceResult {
  const entry = ofGetAddress(node, index);
  if (!entry) return { ret: -EINVAL, resource: null };
  if (!(entry.flags & IORESOURCE_MEM) || entry.flags & IORESOURCE_IO) {
    return { ret: -EINVAL, resource: null };
  }
  const start = ofTranslateAddress(ctx, node, entry.cells, log);
  if (start === OF_BAD_ADDR) return { ret: -EINVAL, resource: null };
  const name = readStrings(node, 'reg-names')[index] ?? node.name;
  return {
    ret: 0,
    resource: { start, end: subU64(addU64(start, entry.size), 1n), flags: entry.flags, name },
  };
}
