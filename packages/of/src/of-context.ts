import { type KernelRelease, kernelRelease } from '@dmasim/dma-mapping';
import { type DeviceTree, type DtNode, phandleIndex, walkNodes } from './tree.js';

/**
 * Per-tree lookups built once: every node in tree order, phandle → node
 * (of_find_node_by_phandle) and path → node, and the kernel release whose drivers/of reads the
 * tree (address translation differs between releases).
 */
export interface OfContext {
  tree: DeviceTree;
  /** Every node, depth-first in the blob's structure-block order: the tree walked once. */
  nodes: readonly DtNode[];
  phandles: Map<number, DtNode>;
  byPath: Map<string, DtNode>;
  kernel: KernelRelease;
}

export function createOfContext(
  tree: DeviceTree,
  kernel: KernelRelease = kernelRelease(),
): OfContext {
  const nodes = [...walkNodes(tree.root)];
  const byPath = new Map<string, DtNode>();
  for (const node of nodes) byPath.set(node.path, node);
  return { tree, nodes, phandles: phandleIndex(nodes), byPath, kernel };
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
