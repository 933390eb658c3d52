// What dtc adds to an overlay (/plugin/) source: __fixups__ for references to labels outside
// it, __local_fixups__ for phandle cells that point inside it (generate_fixups_tree(),
// generate_local_fixups_tree()). __symbols__ (dtc -@) is not generated.

import {
  addChild,
  childrenNamed,
  fullPath,
  getNodeByRef,
  getProperty,
  type LiveNode,
  liveNodes,
  liveProps,
  newNode,
} from './dts-livetree.js';

/** build_root_node(): the existing live child of that name, or a new one at the end. */
function childNamed(parent: LiveNode, name: string): LiveNode {
  const existing = childrenNamed(parent, name).find((c) => !c.deleted);
  if (existing) return existing;
  const node = newNode(name, parent.pos);
  addChild(parent, node);
  return node;
}

function appendToProperty(node: LiveNode, name: string, bytes: number[]): void {
  let prop = getProperty(node, name);
  if (!prop) {
    prop = { name, data: { bytes: [], markers: [] }, labels: [], deleted: false, pos: node.pos };
    node.props.push(prop);
  }
  for (const b of bytes) prop.data.bytes.push(b);
}

interface Reference {
  node: LiveNode;
  propName: string;
  offset: number;
  ref: string;
  resolved: boolean;
}

function phandleReferences(root: LiveNode): Reference[] {
  const refs: Reference[] = [];
  for (const node of liveNodes(root)) {
    for (const prop of liveProps(node)) {
      for (const m of prop.data.markers) {
        if (m.kind !== 'phandle') continue;
        const resolved = getNodeByRef(root, m.ref) !== undefined;
        refs.push({ node, propName: prop.name, offset: m.offset, ref: m.ref, resolved });
      }
    }
  }
  return refs;
}

export function generatePluginFixups(root: LiveNode): void {
  const external = phandleReferences(root).filter((r) => !r.resolved);
  if (external.length > 0) {
    const fixups = childNamed(root, '__fixups__');
    for (const r of external) {
      const entry = `${fullPath(r.node)}:${r.propName}:${r.offset}`;
      appendToProperty(fixups, r.ref, [...[...entry].map((c) => c.charCodeAt(0) & 0xff), 0]);
    }
  }
  // Computed after __fixups__ exists, as dtc walks the tree again for the local fixups.
  const local = phandleReferences(root).filter((r) => r.resolved);
  if (local.length === 0) return;
  const localRoot = childNamed(root, '__local_fixups__');
  for (const r of local) {
    const names: string[] = [];
    for (let n: LiveNode | null = r.node; n?.parent; n = n.parent) names.push(n.name);
    let mirror = localRoot;
    for (let i = names.length - 1; i >= 0; i--) mirror = childNamed(mirror, names[i]!);
    const o = r.offset;
    appendToProperty(mirror, r.propName, [o >>> 24, (o >>> 16) & 0xff, (o >>> 8) & 0xff, o & 0xff]);
  }
}
