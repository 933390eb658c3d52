// The unflattened device tree (struct device_node / struct property) and its lookups.
import { DmasimError } from '@dmasim/dma-mapping';

export interface DtProperty {
  name: string;
  /** Raw big-endian bytes exactly as in the blob (replace them, never write into them). */
  value: Uint8Array;
  /**
   * `value` as NUL-separated strings, kept by readStrings() with the bytes they came from (a
   * replaced value is decoded afresh). Matching reads `compatible` many times per node (bus match
   * tables, early init, IOMMU drivers); decoding it each time was the largest cost of a
   * whole-directory inspect.
   */
  decoded?: { from: Uint8Array; strings: readonly string[] };
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

/** The big-endian u32 at `at` in `bytes` (the caller checked the length). */
export function beU32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0
  );
}

/** of_property_read_u32(): the first cell, or undefined when absent or too short. */
export function readU32(node: DtNode, name: string): number | undefined {
  return firstU32(getProperty(node, name));
}

// One decoder for every string property: constructing one per call dominated whole-corpus runs.
const latin1 = new TextDecoder('latin1');

/** Longer values, or any byte past ASCII, go through the decoder. */
const SHORT_ASCII_VALUE = 64;

/** The NUL-separated strings of `value`; a trailing NUL ends the last string, it adds none. */
function decodeStrings(value: Uint8Array): readonly string[] {
  if (value.length <= SHORT_ASCII_VALUE) {
    const short = shortAsciiStrings(value);
    if (short) return short;
  }
  const parts = latin1.decode(value).split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

// Most string properties are a few ASCII words: read byte by byte, since a decoder call costs
// more than such a string. null when a byte is past ASCII.
function shortAsciiStrings(value: Uint8Array): string[] | null {
  const parts: string[] = [];
  let part = '';
  for (let i = 0; i < value.length; i++) {
    const byte = value[i]!;
    if (byte >= 0x80) return null;
    if (byte === 0) {
      parts.push(part);
      part = '';
    } else part += String.fromCharCode(byte);
  }
  if (part !== '') parts.push(part);
  return parts;
}

/** The NUL-separated strings of a string-list property (compatible, reg-names, ...). */
export function readStrings(node: DtNode, name: string): readonly string[] {
  const prop = getProperty(node, name);
  if (!prop || prop.value.length === 0) return [];
  const { value } = prop;
  if (prop.decoded?.from !== value) prop.decoded = { from: value, strings: decodeStrings(value) };
  return prop.decoded.strings;
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
  // An explicit stack: a tree's depth is input, and generator recursion costs stack per level.
  const pending = [node];
  for (let n = pending.pop(); n; n = pending.pop()) {
    yield n;
    for (let i = n.children.length - 1; i >= 0; i--) pending.push(n.children[i]!);
  }
}

/**
 * A reference walk came back to where it had been (an alias naming itself through other
 * aliases, ...): the kernel would recurse until its stack overflows. `chain` is the walk.
 */
export class DtReferenceCycleError extends DtError {
  static override readonly code: string = 'DT_REFERENCE_CYCLE';
  override name = 'DtReferenceCycleError';
  constructor(
    nodePath: string,
    property: string,
    readonly chain: readonly string[],
  ) {
    super(`reference cycle: ${chain.join(' -> ')}`, nodePath, property);
  }
}

/**
 * The most nodes a device tree may have: 100,000, ten times the largest real one (a few
 * thousand). The kernel has no such limit; the model's per-node state (the tree, the OF context,
 * a report line per device) does, and this keeps a hostile tree's cost to a few hundred MiB.
 */
export const MAX_DT_NODES = 100_000;

/** Aliases may name aliases; more hops than this are refused as a cycle would be. */
export const MAX_ALIAS_HOPS = 64;

/**
 * of_find_node_by_path() for absolute paths and alias-prefixed paths ("serial0", "serial0/x").
 * An alias whose value is itself alias-relative is followed iteratively; a cycle, or a chain
 * longer than MAX_ALIAS_HOPS, is a DtReferenceCycleError naming the chain.
 */
export function findNodeByPath(tree: DeviceTree, path: string): DtNode | undefined {
  const aliases = tree.root.children.find((c) => c.name === 'aliases');
  // Resolve the alias prefixes first: each hop swaps "alias/rest" for "target/rest".
  const suffixes: string[] = [];
  const chain: string[] = [];
  let current = path;
  while (!current.startsWith('/')) {
    const slash = current.indexOf('/');
    const alias = slash < 0 ? current : current.slice(0, slash);
    if (chain.includes(alias) || chain.length >= MAX_ALIAS_HOPS) {
      throw new DtReferenceCycleError('/aliases', alias, [...chain, alias]);
    }
    chain.push(alias);
    const target = aliases ? readString(aliases, alias) : undefined;
    if (!target) return undefined;
    suffixes.push(slash < 0 ? '' : current.slice(slash));
    current = target;
  }
  let node: DtNode | undefined = tree.root;
  const rest = [current, ...suffixes.reverse()].join('');
  for (const part of rest.split('/').filter((p) => p.length > 0)) {
    // A component without a unit address matches a unique child by base name, as the kernel does.
    const parent: DtNode = node;
    node =
      parent.children.find((c) => c.name === part) ??
      (part.includes('@') ? undefined : parent.children.find((c) => nodeBaseName(c) === part));
    if (!node) return undefined;
  }
  return node;
}

/** The phandle a node carries ("phandle", or the legacy "linux,phandle"). */
export function nodePhandle(node: DtNode): number | undefined {
  // One pass over the properties for both names: this runs on every node of every tree.
  let phandle: DtProperty | undefined;
  let legacy: DtProperty | undefined;
  for (const p of node.properties) {
    if (p.name === 'phandle') phandle ??= p;
    else if (p.name === 'linux,phandle') legacy ??= p;
  }
  return firstU32(phandle) ?? firstU32(legacy);
}

function firstU32(prop: DtProperty | undefined): number | undefined {
  return prop && prop.value.length >= 4 ? beU32(prop.value, 0) : undefined;
}

/** phandle → node index for of_find_node_by_phandle(); built once per tree. */
export function buildPhandleIndex(tree: DeviceTree): Map<number, DtNode> {
  return phandleIndex(walkNodes(tree.root));
}

/** The phandle index over `nodes` (tree order: the first node with a phandle keeps it). */
export function phandleIndex(nodes: Iterable<DtNode>): Map<number, DtNode> {
  const index = new Map<number, DtNode>();
  for (const node of nodes) {
    const ph = nodePhandle(node);
    if (ph !== undefined && ph !== 0 && ph !== 0xffffffff && !index.has(ph)) index.set(ph, node);
  }
  return index;
}
