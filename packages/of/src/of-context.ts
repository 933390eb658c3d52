import { buildPhandleIndex, type DeviceTree, type DtNode, walkNodes } from './tree.js';

/** Per-tree lookups built once: phandle → node (of_find_node_by_phandle) and path → node. */
export interface OfContext {
  tree: DeviceTree;
  phandles: Map<number, DtNode>;
  byPath: Map<string, DtNode>;
}

export function createOfContext(tree: DeviceTree): OfContext {
  const byPath = new Map<string, DtNode>();
  for (const node of walkNodes(tree.root)) byPath.set(node.path, node);
  return { tree, phandles: buildPhandleIndex(tree), byPath };
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
