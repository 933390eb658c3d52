// dtc's in-memory tree while a source is compiled (livetree.c): deleted nodes and properties
// stay in place, marked, so that a later definition with the same name revives them where
// they were; labels and value markers wait for the reference fixups.

import type { Pos } from './dts-lexer.js';
import { createNode, type DeviceTree, type DtNode, type MemReserveEntry } from './tree.js';

export interface Marker {
  offset: number;
  kind: 'label' | 'phandle' | 'path';
  ref: string;
}

export interface LiveData {
  bytes: number[];
  markers: Marker[];
}

export interface LiveLabel {
  name: string;
  deleted: boolean;
}

export interface LiveProp {
  name: string;
  data: LiveData;
  labels: LiveLabel[];
  deleted: boolean;
  pos: Pos;
}

export interface LiveNode {
  name: string;
  labels: LiveLabel[];
  props: LiveProp[];
  children: LiveNode[];
  parent: LiveNode | null;
  deleted: boolean;
  /** 0 until an explicit or assigned phandle is known. */
  phandle: number;
  omitIfUnused: boolean;
  referenced: boolean;
  pos: Pos;
}

export function newNode(name: string, pos: Pos): LiveNode {
  return {
    name,
    labels: [],
    props: [],
    children: [],
    parent: null,
    deleted: false,
    phandle: 0,
    omitIfUnused: false,
    referenced: false,
    pos,
  };
}

/**
 * Bumped by every change that can move a label or a node in or out of the live tree, so that
 * lookups can index the tree once per state instead of walking it once per reference.
 */
let treeVersion = 0;

export function addLabel(labels: LiveLabel[], name: string): void {
  treeVersion++;
  const existing = labels.find((l) => l.name === name);
  if (existing) existing.deleted = false;
  else labels.push({ name, deleted: false });
}

export const liveChildren = (node: LiveNode) => node.children.filter((c) => !c.deleted);
export const liveProps = (node: LiveNode) => node.props.filter((p) => !p.deleted);

export function getProperty(node: LiveNode, name: string): LiveProp | undefined {
  return node.props.find((p) => !p.deleted && p.name === name);
}

export function deleteNode(node: LiveNode): void {
  treeVersion++;
  const pending = [node];
  for (let n = pending.pop(); n; n = pending.pop()) {
    n.deleted = true;
    for (const prop of n.props) deleteProperty(prop);
    for (const l of n.labels) l.deleted = true;
    // One push per child: spreading a child list into push() costs stack per child.
    for (const c of n.children) if (!c.deleted) pending.push(c);
  }
}

function deleteProperty(prop: LiveProp): void {
  prop.deleted = true;
  for (const l of prop.labels) l.deleted = true;
}

/** Children by name, in order; built on first lookup and kept current by addChild(). */
const childIndexes = new WeakMap<LiveNode, Map<string, LiveNode[]>>();

function childIndex(node: LiveNode): Map<string, LiveNode[]> {
  let index = childIndexes.get(node);
  if (!index) {
    index = new Map();
    for (const c of node.children) indexChild(index, c);
    childIndexes.set(node, index);
  }
  return index;
}

function indexChild(index: Map<string, LiveNode[]>, child: LiveNode): void {
  const same = index.get(child.name);
  if (same) same.push(child);
  else index.set(child.name, [child]);
}

/** The children named `name`, deleted or not, in order. */
export function childrenNamed(node: LiveNode, name: string): readonly LiveNode[] {
  return childIndex(node).get(name) ?? [];
}

export function addChild(parent: LiveNode, child: LiveNode): void {
  treeVersion++;
  child.parent = parent;
  parent.children.push(child);
  const index = childIndexes.get(parent);
  if (index) indexChild(index, child);
}

/** merge_nodes(): the later definition's properties overwrite in place or append; children merge by name. */
export function mergeNodes(oldNode: LiveNode, newNode: LiveNode): void {
  const work: [LiveNode, LiveNode][] = [[oldNode, newNode]];
  for (let next = 0; next < work.length; next++) {
    const pair = work[next]!;
    const [into, from] = pair;
    treeVersion++;
    into.deleted = false;
    for (const l of from.labels) addLabel(into.labels, l.name);
    for (const prop of from.props) {
      if (prop.deleted) {
        const victim = into.props.find((p) => p.name === prop.name);
        if (victim) deleteProperty(victim);
        continue;
      }
      const same = into.props.find((p) => p.name === prop.name);
      if (same) {
        for (const l of prop.labels) addLabel(same.labels, l.name);
        same.data = prop.data;
        same.deleted = false;
        same.pos = prop.pos;
      } else {
        into.props.push(prop);
      }
    }
    // Children merge in order. A first-in first-out work list instead of recursion keeps
    // the order of successive merges into one node, which is all the result depends on.
    for (const child of from.children) {
      if (child.deleted) {
        const victim = childrenNamed(into, child.name)[0];
        if (victim) deleteNode(victim);
        continue;
      }
      const same = childrenNamed(into, child.name)[0];
      if (same) work.push([same, child]);
      else addChild(into, child);
    }
  }
}

export function fullPath(node: LiveNode): string {
  const parts: string[] = [];
  for (let n: LiveNode | null = node; n?.parent; n = n.parent) parts.push(n.name);
  return `/${parts.reverse().join('/')}`;
}

/** Live labels → the first live node carrying each, in pre-order; rebuilt when the tree changes. */
const labelIndexes = new WeakMap<LiveNode, { version: number; labels: Map<string, LiveNode> }>();

/** get_node_by_label(): the first live node in pre-order with that live label. */
export function getNodeByLabel(root: LiveNode, label: string): LiveNode | undefined {
  let cached = labelIndexes.get(root);
  if (cached?.version !== treeVersion) {
    const labels = new Map<string, LiveNode>();
    for (const n of liveNodes(root)) {
      for (const l of n.labels) if (!l.deleted && !labels.has(l.name)) labels.set(l.name, n);
    }
    cached = { version: treeVersion, labels };
    labelIndexes.set(root, cached);
  }
  return cached.labels.get(label);
}

export function getNodeByPath(from: LiveNode, path: string): LiveNode | undefined {
  let node: LiveNode | undefined = from;
  for (const part of path.split('/')) {
    if (part === '') continue;
    node = childrenNamed(node, part).find((c) => !c.deleted);
    if (!node) return undefined;
  }
  return node;
}

/** get_node_by_ref(): "/path", "label" or "label/sub/path". */
export function getNodeByRef(root: LiveNode, ref: string): LiveNode | undefined {
  if (ref === '/') return root;
  if (ref.startsWith('/')) return getNodeByPath(root, ref);
  const slash = ref.indexOf('/');
  const target = getNodeByLabel(root, slash < 0 ? ref : ref.slice(0, slash));
  if (!target || slash < 0) return target;
  return getNodeByPath(target, ref.slice(slash + 1));
}

/** Pre-order over the nodes that are not deleted. */
export function* liveNodes(root: LiveNode): Generator<LiveNode> {
  const pending = [root];
  for (let n = pending.pop(); n; n = pending.pop()) {
    yield n;
    const children = n.children;
    for (let i = children.length - 1; i >= 0; i--) {
      if (!children[i]!.deleted) pending.push(children[i]!);
    }
  }
}

/** The finished tree, leaving out what was deleted. */
export function toDeviceTree(
  root: LiveNode,
  memReserve: MemReserveEntry[],
  bootCpuidPhys: number,
): DeviceTree {
  const outRoot = createNode('', null);
  const pending: [LiveNode, DtNode][] = [[root, outRoot]];
  for (let pair = pending.pop(); pair; pair = pending.pop()) {
    const [live, out] = pair;
    for (const prop of liveProps(live)) {
      out.properties.push({ name: prop.name, value: new Uint8Array(prop.data.bytes) });
    }
    for (const child of liveChildren(live)) {
      const node = createNode(child.name, out);
      out.children.push(node);
      pending.push([child, node]);
    }
  }
  return {
    root: outRoot,
    memReserve,
    header: { version: 17, lastCompVersion: 16, bootCpuidPhys },
  };
}
