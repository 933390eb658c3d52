// Flattened device tree writer: dtc's dt_to_blob() layout (header, reserve map, structure
// block, strings block) and its strings table, or the layout of the blob a tree was read from.

import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_MAGIC,
  FDT_PROP,
  FDT_V16_HEADER_SIZE,
  FDT_V17_HEADER_SIZE,
  latin1,
} from './fdt.js';
import { type DeviceTree, DtError, type DtNode, type FdtLayout } from './tree.js';

/** A growable big-endian byte buffer. */
class ByteBuffer {
  bytes = new Uint8Array(1024);
  length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  u32(value: number): void {
    this.reserve(4);
    const at = this.length;
    this.bytes[at] = value >>> 24;
    this.bytes[at + 1] = (value >>> 16) & 0xff;
    this.bytes[at + 2] = (value >>> 8) & 0xff;
    this.bytes[at + 3] = value & 0xff;
    this.length += 4;
  }

  data(data: Uint8Array): void {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  /** A name as one byte per char code, then its NUL. */
  name(text: string, nodePath: string): void {
    this.reserve(text.length + 1);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0xff || code === 0) {
        throw new DtError(
          `name ${JSON.stringify(text)} has a character that is not a byte`,
          nodePath,
        );
      }
      this.bytes[this.length++] = code;
    }
    this.bytes[this.length++] = 0;
  }

  /** [start, end) pairs of the alignment padding written so far. */
  readonly padding: number[] = [];

  align4(): void {
    const padded = (this.length + 3) & ~3;
    if (padded === this.length) return;
    this.padding.push(this.length, padded);
    this.reserve(padded - this.length);
    this.bytes.fill(0, this.length, padded);
    this.length = padded;
  }

  result(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

/**
 * dtc's stringtable_insert() (and libfdt's fdt_find_add_string()): a name reuses the first
 * place where it already occurs NUL-terminated, even as the tail of a longer name
 * ("phandle" inside "linux,phandle"); otherwise it is appended.
 */
class StringTable {
  private text: string;
  private readonly offsets = new Map<string, number>();

  constructor(seed = '') {
    this.text = seed;
  }

  offsetOf(name: string): number {
    let offset = this.offsets.get(name);
    if (offset === undefined) {
      offset = this.text.indexOf(`${name}\0`);
      if (offset < 0) {
        offset = this.text.length;
        this.text += `${name}\0`;
      }
      this.offsets.set(name, offset);
    }
    return offset;
  }

  get length(): number {
    return this.text.length;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.text.length);
    for (let i = 0; i < this.text.length; i++) out[i] = this.text.charCodeAt(i);
    return out;
  }
}

/** flatten_tree(): pre-order, properties before children; iterative so depth cannot overflow. */
function flattenStructure(root: DtNode, strings: StringTable): ByteBuffer {
  const out = new ByteBuffer();
  const pending: { node: DtNode; next: number }[] = [];
  const begin = (node: DtNode) => {
    out.u32(FDT_BEGIN_NODE);
    out.name(node.name, node.path);
    out.align4();
    for (const prop of node.properties) {
      if (!/^[\x01-\xff]*$/.test(prop.name)) {
        throw new DtError('property name has a character that is not a byte', node.path, prop.name);
      }
      out.u32(FDT_PROP);
      out.u32(prop.value.length);
      out.u32(strings.offsetOf(prop.name));
      out.data(prop.value);
      out.align4();
    }
    pending.push({ node, next: 0 });
  };
  begin(root);
  while (pending.length > 0) {
    const top = pending[pending.length - 1]!;
    const child = top.node.children[top.next++];
    if (child) {
      begin(child);
    } else {
      out.u32(FDT_END_NODE);
      pending.pop();
    }
  }
  out.u32(FDT_END);
  return out;
}

/**
 * The captured structure block when it differs from the regenerated one only in alignment
 * padding: libfdt edits in place and can leave stale bytes there, which a byte-exact round
 * trip must keep.
 */
function keepCapturedPadding(layout: FdtLayout, struct: ByteBuffer): Uint8Array {
  const fresh = struct.result();
  const captured = layout.blob.subarray(layout.offDtStruct, layout.offDtStruct + fresh.length);
  const pads = struct.padding;
  let from = 0;
  for (let i = 0; i <= pads.length; i += 2) {
    const to = pads[i] ?? fresh.length;
    for (let at = from; at < to; at++) if (fresh[at] !== captured[at]) return fresh;
    from = pads[i + 1] ?? fresh.length;
  }
  return captured;
}

function reserveMap(tree: DeviceTree): Uint8Array {
  const out = new Uint8Array((tree.memReserve.length + 1) * 16);
  const view = new DataView(out.buffer);
  tree.memReserve.forEach((entry, i) => {
    view.setBigUint64(i * 16, BigInt.asUintN(64, entry.address));
    view.setBigUint64(i * 16 + 8, BigInt.asUintN(64, entry.size));
  });
  return out;
}

interface Placement {
  totalSize: number;
  offMemRsvmap: number;
  offDtStruct: number;
  offDtStrings: number;
}

function assemble(
  tree: DeviceTree,
  base: Uint8Array | null,
  place: Placement,
  rsv: Uint8Array,
  struct: Uint8Array,
  strings: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(place.totalSize);
  if (base) out.set(base);
  const view = new DataView(out.buffer);
  const { version, lastCompVersion, bootCpuidPhys } = tree.header;
  view.setUint32(0, FDT_MAGIC);
  view.setUint32(4, place.totalSize);
  view.setUint32(8, place.offDtStruct);
  view.setUint32(12, place.offDtStrings);
  view.setUint32(16, place.offMemRsvmap);
  view.setUint32(20, version);
  view.setUint32(24, lastCompVersion);
  view.setUint32(28, bootCpuidPhys);
  view.setUint32(32, strings.length);
  if (version >= 17) view.setUint32(36, struct.length);
  out.set(rsv, place.offMemRsvmap);
  out.set(struct, place.offDtStruct);
  out.set(strings, place.offDtStrings);
  return out;
}

/** The captured layout still holds this tree when every block came out the same size. */
function layoutFits(
  layout: FdtLayout,
  tree: DeviceTree,
  struct: Uint8Array,
  strings: StringTable,
): boolean {
  const capturedVersion = new DataView(
    layout.blob.buffer,
    layout.blob.byteOffset,
    layout.blob.byteLength,
  ).getUint32(20);
  return (
    struct.length === layout.sizeDtStruct &&
    strings.length === layout.sizeDtStrings &&
    tree.memReserve.length === layout.memReserveCount &&
    capturedVersion >= 17 === tree.header.version >= 17
  );
}

/**
 * Writes a tree as a blob. A tree read by parseFdt() comes back in its original layout (byte
 * for byte when unchanged); any other tree gets dtc's default layout.
 */
export function writeFdt(tree: DeviceTree): Uint8Array {
  const { version } = tree.header;
  if (!Number.isInteger(version) || version < 16 || version > 0xffffffff) {
    throw new DtError(`cannot write FDT version ${version} (16 or later only)`, '/');
  }
  const layout = tree.layout;
  const strings = new StringTable(layout ? latin1(layout.strings, 0, layout.strings.length) : '');
  const structBuffer = flattenStructure(tree.root, strings);
  let struct = structBuffer.result();
  const rsv = reserveMap(tree);
  if (layout && layoutFits(layout, tree, struct, strings)) {
    struct = keepCapturedPadding(layout, structBuffer);
    return assemble(tree, layout.blob, layout, rsv, struct, strings.bytes());
  }
  // make_fdt_header(): the reserve map 8-byte aligned after the header, then struct, strings.
  const headerSize = version >= 17 ? FDT_V17_HEADER_SIZE : FDT_V16_HEADER_SIZE;
  const offMemRsvmap = (headerSize + 7) & ~7;
  const offDtStruct = offMemRsvmap + rsv.length;
  const offDtStrings = offDtStruct + struct.length;
  const used = offDtStrings + strings.length;
  // A re-laid-out blob keeps the free space its original had at the end, as `dtc -p` would.
  const padding = layout
    ? Math.max(
        0,
        layout.totalSize -
          Math.max(
            layout.offMemRsvmap + (layout.memReserveCount + 1) * 16,
            layout.offDtStruct + layout.sizeDtStruct,
            layout.offDtStrings + layout.sizeDtStrings,
          ),
      )
    : 0;
  return assemble(
    tree,
    null,
    { totalSize: used + padding, offMemRsvmap, offDtStruct, offDtStrings },
    rsv,
    struct,
    strings.bytes(),
  );
}
