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
  /**
   * Built on first use: hashing every node's path cost more than the lookups save when a boot
   * needs none beyond a device's own node (see nodeOfDevice()).
   */
  readonly byPath: Map<string, DtNode>;
  kernel: KernelRelease;
}

export function createOfContext(
  tree: DeviceTree,
  kernel: KernelRelease = kernelRelease(),
): OfContext {
  const nodes = [...walkNodes(tree.root)];
  return new TreeContext(tree, nodes, phandleIndex(nodes), kernel);
}

// A class rather than an object literal with a getter: such a literal's closure kept each tree
// alive through the next young-generation collections, which doubled a directory run's GC time.
class TreeContext implements OfContext {
  private paths: Map<string, DtNode> | undefined;
  constructor(
    readonly tree: DeviceTree,
    readonly nodes: readonly DtNode[],
    readonly phandles: Map<number, DtNode>,
    readonly kernel: KernelRelease,
  ) {}

  get byPath(): Map<string, DtNode> {
    this.paths ??= new Map(this.nodes.map((node) => [node.path, node]));
    return this.paths;
  }
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

/**
 * dev->of_node for a device being configured against `np`: `np` itself when the device was
 * made from it (a platform or AMBA device), without a path lookup; else by its fwNode path.
 */
export function nodeOfDevice(ctx: OfContext, fwNode: string | null, np: DtNode): DtNode | null {
  return fwNode === np.path ? np : nodeOfPath(ctx, fwNode);
}
