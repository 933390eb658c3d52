import { type KernelRelease, kernelRelease } from '@dmasim/dma-mapping';
import { buildPhandleIndex, type DeviceTree, type DtNode, walkNodes } from './tree.js';

/**
 * Per-tree lookups built once: phandle → node (of_find_node_by_phandle) and path → node, and the
 * kernel release whose drivers/of reads the tree (address translation differs between releases).
 */
export interface OfContext {
  tree: DeviceTree;
  phandles: Map<number, DtNode>;
  byPath: Map<string, DtNode>;
  kernel: KernelRelease;
}

export function createOfContext(
  tree: DeviceTree,
  kernel: KernelRelease = kernelRelease(),
): OfContext {
  const byPath = new Map<string, DtNode>();
  for (const node of walkNodes(tree.root)) byPath.set(node.path, node);
  return { tree, phandles: buildPhandleIndex(tree), byPath, kernel };
}

/** of_find_node_by_phandle() */
export function findNodeByPhandle(ctx: OfContext, phandle: number): DtNode | undefined {
  return ctx.phandles.get(phandle);
}

/** dev->of_node: the node a device's fwNode path names, if it is a DT path. */
export function nodeOfPath(ctx: OfContext, path: string | null): DtNode | null {
  if (path === null) return null;
  return ctx.byPath.get(path) ?? null;
}
