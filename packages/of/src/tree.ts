// The unflattened device tree (struct device_node / struct property) and its lookups.
import { DmasimError } from '@dmasim/dma-mapping';

export interface DtProperty {
  name: string;
  /** Raw big-endian bytes exactly as in the blob. */
  value: Uint8Array;
}

export interface DtNode {
  /** Full unit name, e.g. "pcie@10000000"; "" for the root. */
  name: string;
  /** Absolute path, e.g. "/soc/pcie@10000000"; "/" for the root. */
  path: string;
  parent: DtNode | null;
  children: DtNode[];
  properties: DtProperty[];
}

export interface MemReserveEntry {
  address: bigint;
  size: bigint;
}

/**
 * Where the blocks of the blob a tree was read from sat, so that writing the tree back
 * reproduces that blob byte for byte (libfdt-made blobs order strings differently from dtc,
 * some are padded). Absent for trees built from DTS, which get dtc's default layout.
 */
export interface FdtLayout {
  /** The blob as read, `totalSize` bytes: the bytes outside the four blocks are written back as-is. */
  blob: Uint8Array;
  totalSize: number;
  offMemRsvmap: number;
  offDtStruct: number;
  offDtStrings: number;
  sizeDtStruct: number;
  sizeDtStrings: number;
  /** Reserve map entries before the terminating (0, 0) entry. */
  memReserveCount: number;
  /** The strings block as read; property names are looked up in it first. */
  strings: Uint8Array;
}

export interface DeviceTree {
  root: DtNode;
  memReserve: MemReserveEntry[];
  /** FDT header fields kept for byte-exact round trips. */
  header: { version: number; lastCompVersion: number; bootCpuidPhys: number };
  /** Set by parseFdt(); writeFdt() reuses it when the tree still fits it. */
  layout?: FdtLayout;
}

/** A typed error pointing at where the tree is wrong: a node path (and property). */
export class DtError extends DmasimError {
  static override readonly code: string = 'DT_INVALID';
  override name = 'DtError';
  constructor(
    message: string,
    readonly nodePath: string,
    readonly property?: string,
  ) {
    super(`${nodePath}${property ? `:${property}` : ''}: ${message}`);
  }
}

export function createNode(name: string, parent: DtNode | null): DtNode {
  const path = parent === null ? '/' : parent.path === '/' ? `/${name}` : `${parent.path}/${name}`;
  return { name, path, parent, children: [], properties: [] };
}

export function getProperty(node: DtNode, name: string): DtProperty | undefined {
  return node.properties.find((p) => p.name === name);
}

export function hasProperty(node: DtNode, name: string): boolean {
  return getProperty(node, name) !== undefined;
}

/** The node name without its unit address ("pcie@10000000" → "pcie"), as of_node_name_eq compares. */
export function nodeBaseName(node: DtNode): string {
  const at = node.name.indexOf('@');
  return at < 0 ? node.name : node.name.slice(0, at);
}

/** All big-endian u32 cells of a property; a length that is not a multiple of 4 is an error. */
export function readCells(node: DtNode, prop: DtProperty): number[] {
  if (prop.value.length % 4 !== 0) {
    throw new DtError(`length ${prop.value.length} is not a multiple of 4`, node.path, prop.name);
  }
  const view = new DataView(prop.value.buffer, prop.value.byteOffset, prop.value.byteLength);
  const cells: number[] = [];
  for (let i = 0; i < prop.value.length; i += 4) cells.push(view.getUint32(i));
  return cells;
}

/** of_property_read_u32(): the first cell, or undefined when absent or too short. */
export function readU32(node: DtNode, name: string): number | undefined {
  const prop = getProperty(node, name);
  if (!prop || prop.value.length < 4) return undefined;
  return new DataView(prop.value.buffer, prop.value.byteOffset, 4).getUint32(0);
}

// One decoder for every string property: constructing one per call dominated whole-corpus runs.
const latin1 = new TextDecoder('latin1');

/** The NUL-separated strings of a string-list property (compatible, reg-names, ...). */
export function readStrings(node: DtNode, name: string): string[] {
  const prop = getProperty(node, name);
  if (!prop || prop.value.length === 0) return [];
  const text = latin1.decode(prop.value);
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export function readString(node: DtNode, name: string): string | undefined {
  return readStrings(node, name)[0];
}

/** of_device_is_compatible() reduced to a yes/no match on any listed string. */
export function isCompatible(node: DtNode, compatible: string): boolean {
  return readStrings(node, 'compatible').includes(compatible);
}

/** of_device_is_available(): status absent, "okay" or "ok". */
export function isAvailable(node: DtNode): boolean {
  const status = readString(node, 'status');
  return status === undefined || status === 'okay' || status === 'ok';
}

/** Depth-first pre-order walk, the order of the blob's structure block. */
export function* walkNodes(node: DtNode): Generator<DtNode> {
  yield node;
  for (const child of node.children) yield* walkNodes(child);
}

/** of_find_node_by_path() for absolute paths and alias-prefixed paths ("serial0", "serial0/x"). */
export function findNodeByPath(tree: DeviceTree, path: string): DtNode | undefined {
  let start = tree.root;
  let rest = path;
  if (!path.startsWith('/')) {
    const slash = path.indexOf('/');
    const alias = slash < 0 ? path : path.slice(0, slash);
    const aliases = tree.root.children.find((c) => c.name === 'aliases');
    const target = aliases ? readString(aliases, alias) : undefined;
    if (!target) return undefined;
    const aliased = findNodeByPath(tree, target);
    if (!aliased) return undefined;
    start = aliased;
    rest = slash < 0 ? '' : path.slice(slash);
  }
  let node: DtNode | undefined = start;
  for (const part of rest.split('/').filter((p) => p.length > 0)) {
    // A component without a unit address matches a unique child by base name, as the kernel does.
    const current: DtNode = node;
    node =
      current.children.find((c) => c.name === part) ??
      (part.includes('@') ? undefined : current.children.find((c) => nodeBaseName(c) === part));
    if (!node) return undefined;
  }
  return node;
}

/** The phandle a node carries ("phandle", or the legacy "linux,phandle"). */
export function nodePhandle(node: DtNode): number | undefined {
  return readU32(node, 'phandle') ?? readU32(node, 'linux,phandle');
}

/** phandle → node index for of_find_node_by_phandle(); built once per tree. */
export function buildPhandleIndex(tree: DeviceTree): Map<number, DtNode> {
  const index = new Map<number, DtNode>();
  for (const node of walkNodes(tree.root)) {
    const ph = nodePhandle(node);
    if (ph !== undefined && ph !== 0 && ph !== 0xffffffff && !index.has(ph)) index.set(ph, node);
  }
  return index;
}
