// Flattened device tree reader: the blob checks of libfdt's fdt_check_header()/fdt_check_full()
// and the walk of unflatten_device_tree(), done iteratively over one pass of the structure block.
import { DmasimError } from '@dmasim/dma-mapping';

import {
  createNode,
  type DeviceTree,
  type DtNode,
  type DtProperty,
  MAX_DT_NODES,
  type MemReserveEntry,
} from './tree.js';

export const FDT_MAGIC = 0xd00dfeed;
export const FDT_BEGIN_NODE = 0x1;
export const FDT_END_NODE = 0x2;
export const FDT_PROP = 0x3;
export const FDT_NOP = 0x4;
export const FDT_END = 0x9;
/** Header size of a version 16 blob (no size_dt_struct) and of version 17 and later. */
export const FDT_V16_HEADER_SIZE = 36;
export const FDT_V17_HEADER_SIZE = 40;
/** Oldest layout this reader understands and newest it is compatible with (libfdt's range). */
export const FDT_FIRST_SUPPORTED_VERSION = 16;
export const FDT_LAST_SUPPORTED_VERSION = 17;
/**
 * The kernel's unflatten_dt_nodes() holds at most FDT_MAX_DEPTH (64) levels, root included;
 * deeper trees are refused here rather than half-read, which also keeps every recursive walk
 * of a parsed tree shallow.
 */
export const FDT_MAX_DEPTH = 64;

/** A malformed blob: `byteOffset` is where in the blob the problem is. */
export class FdtError extends DmasimError {
  static override readonly code: string = 'FDT_MALFORMED';
  override name = 'FdtError';
  constructor(
    message: string,
    readonly byteOffset: number,
  ) {
    super(`FDT byte offset ${byteOffset} (0x${byteOffset.toString(16)}): ${message}`);
  }
}

/** Bytes as one char code each, so names survive a write back unchanged whatever they hold. */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  // Node names are short: char by char beats making a subarray to apply over.
  if (end - start <= 32) {
    for (let at = start; at < end; at++) text += String.fromCharCode(bytes[at]!);
    return text;
  }
  for (let at = start; at < end; at += 4096) {
    text += String.fromCharCode.apply(null, bytes.subarray(at, Math.min(end, at + 4096)) as never);
  }
  return text;
}

const align4 = (offset: number) => (offset + 3) & ~3;

/**
 * The property names the model looks up, as this source's own string constants. A name read from
 * a blob is swapped for its constant here, so that the lookups (a scan of each node's properties,
 * many per node) compare it by identity; looking it up also gives any other name its hash, which
 * settles most mismatches at once.
 */
const KNOWN_PROPERTY_NAMES = new Map(
  [
    'compatible',
    'status',
    'reg',
    'reg-names',
    'ranges',
    'dma-ranges',
    'device_type',
    '#address-cells',
    '#size-cells',
    'phandle',
    'linux,phandle',
    'interrupt-controller',
    'interrupt-parent',
    '#interrupt-cells',
    'dma-coherent',
    'dma-noncoherent',
    'iommus',
    '#iommu-cells',
    'iommu-map',
    'iommu-map-mask',
    'iommu-addresses',
    'msi-parent',
    'msi-map',
    'msi-map-mask',
    'interconnects',
    'interconnect-names',
    'memory-region',
    'bus-range',
    'linux,pci-domain',
    'no-map',
    'reusable',
    'size',
    'alignment',
    'alloc-ranges',
    'linux,cma-default',
    'linux,dma-default',
    'linux,usable-memory',
  ].map((name) => [name, name]),
);

/**
 * A property read from a blob: its bytes are viewed (a subarray of the blob) when first asked
 * for. Most properties are only ever looked up by name, and making a view for each of the
 * million or so properties of a directory of blobs was much of the reader's cost.
 */
class BlobProperty implements DtProperty {
  decoded?: { from: Uint8Array; strings: readonly string[] };
  private view: Uint8Array | undefined;
  constructor(
    readonly name: string,
    private readonly blob: Uint8Array,
    private readonly start: number,
    private readonly end: number,
  ) {}

  get value(): Uint8Array {
    this.view ??= this.blob.subarray(this.start, this.end);
    return this.view;
  }

  set value(bytes: Uint8Array) {
    this.view = bytes;
  }
}

interface Header {
  totalSize: number;
  offDtStruct: number;
  offDtStrings: number;
  offMemRsvmap: number;
  version: number;
  lastCompVersion: number;
  bootCpuidPhys: number;
  sizeDtStrings: number;
  /** undefined for version 16, which does not record it. */
  sizeDtStruct: number | undefined;
  headerSize: number;
}

function readHeader(blob: Uint8Array, view: DataView): Header {
  if (blob.length < 28) {
    throw new FdtError(
      `blob is only ${blob.length} bytes, shorter than an FDT header`,
      blob.length,
    );
  }
  const magic = view.getUint32(0);
  if (magic !== FDT_MAGIC) {
    throw new FdtError(`bad magic 0x${magic.toString(16)} (expected 0xd00dfeed)`, 0);
  }
  const version = view.getUint32(20);
  const lastCompVersion = view.getUint32(24);
  if (version < FDT_FIRST_SUPPORTED_VERSION) {
    throw new FdtError(`unsupported version ${version} (need 16 or later)`, 20);
  }
  if (lastCompVersion > FDT_LAST_SUPPORTED_VERSION) {
    throw new FdtError(
      `last_comp_version ${lastCompVersion} is newer than the supported version 17`,
      24,
    );
  }
  const headerSize = version >= 17 ? FDT_V17_HEADER_SIZE : FDT_V16_HEADER_SIZE;
  if (blob.length < headerSize) {
    throw new FdtError(
      `blob is only ${blob.length} bytes, shorter than the ${headerSize}-byte version ${version} header`,
      blob.length,
    );
  }
  return {
    totalSize: view.getUint32(4),
    offDtStruct: view.getUint32(8),
    offDtStrings: view.getUint32(12),
    offMemRsvmap: view.getUint32(16),
    version,
    lastCompVersion,
    bootCpuidPhys: view.getUint32(28),
    sizeDtStrings: view.getUint32(32),
    sizeDtStruct: version >= 17 ? view.getUint32(36) : undefined,
    headerSize,
  };
}

function checkBlocks(h: Header, bufferLength: number): void {
  if (h.totalSize > bufferLength) {
    throw new FdtError(
      `totalsize ${h.totalSize} exceeds the ${bufferLength} bytes of the buffer`,
      4,
    );
  }
  if (h.totalSize < h.headerSize) {
    throw new FdtError(`totalsize ${h.totalSize} is smaller than the header`, 4);
  }
  const inside = (offset: number, size: number) =>
    offset >= h.headerSize && offset <= h.totalSize && size <= h.totalSize - offset;
  if (!inside(h.offMemRsvmap, 0)) {
    throw new FdtError(`off_mem_rsvmap ${h.offMemRsvmap} is outside the blob`, 16);
  }
  if (h.offMemRsvmap % 8 !== 0) {
    throw new FdtError(`off_mem_rsvmap ${h.offMemRsvmap} is not 8-byte aligned`, 16);
  }
  if (!inside(h.offDtStruct, 0)) {
    throw new FdtError(`off_dt_struct ${h.offDtStruct} is outside the blob`, 8);
  }
  if (h.offDtStruct % 4 !== 0) {
    throw new FdtError(`off_dt_struct ${h.offDtStruct} is not 4-byte aligned`, 8);
  }
  if (h.sizeDtStruct !== undefined && !inside(h.offDtStruct, h.sizeDtStruct)) {
    throw new FdtError(
      `structure block (off ${h.offDtStruct}, size ${h.sizeDtStruct}) runs past totalsize ${h.totalSize}`,
      36,
    );
  }
  if (!inside(h.offDtStrings, 0)) {
    throw new FdtError(`off_dt_strings ${h.offDtStrings} is outside the blob`, 12);
  }
  if (!inside(h.offDtStrings, h.sizeDtStrings)) {
    throw new FdtError(
      `strings block (off ${h.offDtStrings}, size ${h.sizeDtStrings}) runs past totalsize ${h.totalSize}`,
      32,
    );
  }
}

function readMemReserve(view: DataView, h: Header): MemReserveEntry[] {
  const entries: MemReserveEntry[] = [];
  for (let at = h.offMemRsvmap; ; at += 16) {
    if (at + 16 > h.totalSize) {
      throw new FdtError(
        'memory reserve map runs past totalsize without its (0, 0) terminator',
        at,
      );
    }
    const address = view.getBigUint64(at);
    const size = view.getBigUint64(at + 8);
    if (address === 0n && size === 0n) return entries;
    entries.push({ address, size });
  }
}

type Block = { name: string; start: number; end: number };

function checkNoOverlap(blocks: Block[]): void {
  for (let i = 0; i < blocks.length; i++) {
    for (let j = i + 1; j < blocks.length; j++) {
      const a = blocks[i]!;
      const b = blocks[j]!;
      if (a.start < a.end && b.start < b.end && a.start < b.end && b.start < a.end) {
        throw new FdtError(
          `${a.name} [${a.start}, ${a.end}) overlaps ${b.name} [${b.start}, ${b.end})`,
          Math.max(a.start, b.start),
        );
      }
    }
  }
}

/** Walks the structure block; returns the root and the offset just past FDT_END. */
function readStructure(
  blob: Uint8Array,
  view: DataView,
  h: Header,
): { root: DtNode; structEnd: number } {
  const end = h.sizeDtStruct === undefined ? h.totalSize : h.offDtStruct + h.sizeDtStruct;
  const stringsStart = h.offDtStrings;
  const propNames = new Map<number, string>();
  // Where the name starting at each strings offset ends: one backward pass, so that many
  // distinct name offsets into one long string cannot make the walk quadratic.
  const nameEnds = new Int32Array(h.sizeDtStrings);
  for (let i = h.sizeDtStrings - 1, nul = -1; i >= 0; i--) {
    if (blob[stringsStart + i] === 0) nul = stringsStart + i;
    nameEnds[i] = nul;
  }
  const stack: DtNode[] = [];
  let root: DtNode | null = null;
  let nodeCount = 0;
  let p = h.offDtStruct;
  for (;;) {
    if (p + 4 > end) {
      throw new FdtError('structure block ends without an FDT_END token', p);
    }
    const token = view.getUint32(p);
    switch (token) {
      case FDT_BEGIN_NODE: {
        if (root !== null && stack.length === 0) {
          throw new FdtError('FDT_BEGIN_NODE after the root node has ended', p);
        }
        const nameStart = p + 4;
        const nul = blob.indexOf(0, nameStart);
        if (nul < 0 || nul >= end) {
          throw new FdtError(
            'node name is not NUL-terminated inside the structure block',
            nameStart,
          );
        }
        if (++nodeCount > MAX_DT_NODES) {
          throw new FdtError(`more than MAX_DT_NODES (${MAX_DT_NODES}) nodes`, p);
        }
        if (stack.length >= FDT_MAX_DEPTH) {
          throw new FdtError(`nodes nested deeper than FDT_MAX_DEPTH (${FDT_MAX_DEPTH})`, p);
        }
        const parent = stack[stack.length - 1] ?? null;
        const node = createNode(latin1(blob, nameStart, nul), parent);
        if (parent) parent.children.push(node);
        else root = node;
        stack.push(node);
        p = align4(nul + 1);
        break;
      }
      case FDT_END_NODE:
        if (stack.length === 0) {
          throw new FdtError('FDT_END_NODE without a matching FDT_BEGIN_NODE', p);
        }
        stack.pop();
        p += 4;
        break;
      case FDT_PROP: {
        const node = stack[stack.length - 1];
        if (!node) throw new FdtError('FDT_PROP outside any node', p);
        if (node.children.length > 0) {
          throw new FdtError(`property after a subnode in ${node.path}`, p);
        }
        if (p + 12 > end) {
          throw new FdtError('property header runs past the structure block', p);
        }
        const length = view.getUint32(p + 4);
        const nameOffset = view.getUint32(p + 8);
        const dataStart = p + 12;
        if (length > end - dataStart) {
          throw new FdtError(
            `property data (${length} bytes) runs past the structure block in ${node.path}`,
            p + 4,
          );
        }
        let name = propNames.get(nameOffset);
        if (name === undefined) {
          if (nameOffset >= h.sizeDtStrings) {
            throw new FdtError(
              `property name offset ${nameOffset} is outside the ${h.sizeDtStrings}-byte strings block`,
              p + 8,
            );
          }
          const nul = nameEnds[nameOffset]!;
          if (nul < 0) {
            throw new FdtError(
              `property name at strings offset ${nameOffset} is not NUL-terminated inside the strings block`,
              p + 8,
            );
          }
          name = latin1(blob, stringsStart + nameOffset, nul);
          name = KNOWN_PROPERTY_NAMES.get(name) ?? name;
          propNames.set(nameOffset, name);
        }
        node.properties.push(new BlobProperty(name, blob, dataStart, dataStart + length));
        p = align4(dataStart + length);
        break;
      }
      case FDT_NOP:
        p += 4;
        break;
      case FDT_END:
        if (root === null) throw new FdtError('FDT_END before the root node', p);
        if (stack.length > 0) {
          throw new FdtError(`FDT_END inside node ${stack[stack.length - 1]!.path}`, p);
        }
        return { root, structEnd: p + 4 };
      default:
        throw new FdtError(`unknown structure block token 0x${token.toString(16)}`, p);
    }
  }
}

/** Reads a flattened device tree blob (versions 16 and 17), checking every offset and size. */
export function parseFdt(blob: Uint8Array): DeviceTree {
  if (!(blob instanceof Uint8Array)) throw new FdtError('blob is not a Uint8Array', 0);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const h = readHeader(blob, view);
  checkBlocks(h, blob.length);
  const memReserve = readMemReserve(view, h);
  const rsvEnd = h.offMemRsvmap + (memReserve.length + 1) * 16;
  const { root, structEnd } = readStructure(blob, view, h);
  const sizeDtStruct = h.sizeDtStruct ?? structEnd - h.offDtStruct;
  checkNoOverlap([
    { name: 'header', start: 0, end: h.headerSize },
    { name: 'memory reserve map', start: h.offMemRsvmap, end: rsvEnd },
    { name: 'structure block', start: h.offDtStruct, end: h.offDtStruct + sizeDtStruct },
    { name: 'strings block', start: h.offDtStrings, end: h.offDtStrings + h.sizeDtStrings },
  ]);
  const whole = blob.subarray(0, h.totalSize);
  return {
    root,
    memReserve,
    header: {
      version: h.version,
      lastCompVersion: h.lastCompVersion,
      bootCpuidPhys: h.bootCpuidPhys,
    },
    layout: {
      blob: whole,
      totalSize: h.totalSize,
      offMemRsvmap: h.offMemRsvmap,
      offDtStruct: h.offDtStruct,
      offDtStrings: h.offDtStrings,
      sizeDtStruct,
      sizeDtStrings: h.sizeDtStrings,
      memReserveCount: memReserve.length,
      strings: whole.subarray(h.offDtStrings, h.offDtStrings + h.sizeDtStrings),
    },
  };
}
