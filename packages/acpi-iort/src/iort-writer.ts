// Build an IORT binary from the plain model (or a looser JSON/YAML form of it).
import { parseU64 } from '@dmasim/dma-mapping';
import {
  IORT_HEADER_SIZE,
  IORT_ID_MAPPING_SIZE,
  IORT_NODE_HEADER_SIZE,
  IORT_RMR_DESC_SIZE,
  IORT_TYPE_CODE,
  IortError,
  type IortNode,
  type IortTable,
} from './iort-model.js';
import { acpiChecksum } from './iort-reader.js';

export type U64Input = bigint | number | string;
/** A 32-bit-or-narrower number, or its text ("0x30", "48"). */
export type NumInput = number | string;

/** Every field optional, numbers as number/text, u64s as bigint/number/text. */
type Loose<T> = T extends bigint
  ? U64Input
  : T extends number
    ? NumInput
    : T extends string
      ? T
      : T extends readonly (infer E)[]
        ? Loose<E>[]
        : T extends object
          ? { [K in keyof T]?: Loose<T[K]> | null }
          : T;

/**
 * A node as the writer accepts it. `name` lets other nodes refer to it: a reference
 * (outputReference, nodeReference) may be a table offset, a node name, or "#<index>".
 */
export type IortNodeInput = IortNode extends infer N
  ? N extends IortNode
    ? { type: N['type']; name?: string } & Omit<Loose<N>, 'type'>
    : never
  : never;

export type IortTableInput = Omit<Loose<IortTable>, 'nodes'> & { nodes?: IortNodeInput[] };

const DEFAULT_REVISION: Record<string, number> = {
  'its-group': 1,
  'named-component': 4,
  'root-complex': 3,
  smmu: 3,
  'smmu-v3': 5,
  pmcg: 2,
  rmr: 3,
  unknown: 0,
};

function toNumber(
  v: NumInput | null | undefined,
  dflt: number,
  bits: number,
  what: string,
  at: number,
) {
  if (v === undefined || v === null) return dflt;
  let n: number;
  if (typeof v === 'number') n = v;
  else {
    try {
      n = Number(parseU64(v));
    } catch {
      throw new IortError(`${what}: "${v}" is not a number`, at);
    }
  }
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** bits) {
    throw new IortError(`${what}: ${v} does not fit in ${bits} bits`, at);
  }
  return n;
}

function toU64(v: U64Input | null | undefined, what: string, at: number): bigint {
  if (v === undefined || v === null) return 0n;
  let n: bigint;
  try {
    n = typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(v) : parseU64(v);
  } catch {
    throw new IortError(`${what}: "${String(v)}" is not a number`, at);
  }
  if (n < 0n || n > 0xffff_ffff_ffff_ffffn)
    throw new IortError(`${what}: does not fit in 64 bits`, at);
  return n;
}

/*
 * The input is loose JSON/YAML: a field of the wrong kind (a number where a list goes, a
 * mapping where text goes) is an IortError at the field's table offset, never a TypeError.
 */
function list<T>(v: readonly T[] | null | undefined, what: string, at: number): readonly T[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new IortError(`${what} must be a list`, at);
  return v;
}

function text(v: string | null | undefined, dflt: string, what: string, at: number): string {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string') throw new IortError(`${what} must be text`, at);
  return v;
}

/** A sub-record (an ID mapping, an interrupt, ...): absent is empty; anything else must be a mapping. */
function record<T extends object>(v: T | null | undefined, what: string, at: number): Partial<T> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new IortError(`${what} must be a mapping`, at);
  return v;
}

/**
 * The largest table the writer builds: 16 MiB. ACPI allows a u32 length, but real IORTs are a
 * few KiB, and the writer holds the table and a byte map of it in memory.
 */
export const MAX_IORT_WRITE_LENGTH = 16 << 20;

const align4 = (n: number) => (n + 3) & ~3;

interface Layout {
  length: number;
  mappingOffset: number;
  /** Extra sub-offsets by field name. */
  sub: Record<string, number>;
}

/** Where each part of a node goes: given offsets win, the rest are packed after the fixed data. */
function layoutNode(n: IortNodeInput, at: number): Layout {
  const sub: Record<string, number> = {};
  const off = (v: NumInput | null | undefined, dflt: number, what: string) =>
    toNumber(v, dflt, 32, what, at);
  let end: number;
  switch (n.type) {
    case 'its-group':
      end = 20 + 4 * list(n.identifiers, 'identifiers', at).length;
      break;
    case 'named-component':
      end = 29 + text(n.deviceName, '', 'device_name', at + 29).length + 1;
      break;
    case 'root-complex':
      end = 36;
      break;
    case 'smmu': {
      end = 60;
      if (n.globalInterrupts !== null) {
        sub.global = off(n.globalInterruptOffset, end, 'global_interrupt_offset');
        end = Math.max(end, sub.global + 16);
      } else sub.global = off(n.globalInterruptOffset, 0, 'global_interrupt_offset');
      const ctx = list(n.contextInterrupts, 'context interrupts', at).length;
      sub.context = off(n.contextInterruptOffset, end, 'context_interrupt_offset');
      if (ctx > 0) end = Math.max(end, sub.context + ctx * 8);
      const pmu = list(n.pmuInterrupts, 'PMU interrupts', at).length;
      sub.pmu = off(n.pmuInterruptOffset, end, 'pmu_interrupt_offset');
      if (pmu > 0) end = Math.max(end, sub.pmu + pmu * 8);
      break;
    }
    case 'smmu-v3':
      end = 68;
      break;
    case 'pmcg':
      end =
        n.length !== undefined && n.length !== null && toNumber(n.length, 0, 16, 'length', at) < 40
          ? 32
          : 40;
      break;
    case 'rmr':
      end = 28;
      break;
    default:
      end = IORT_NODE_HEADER_SIZE;
  }
  const maps = list(n.mappings, 'mappings', at).length;
  const mappingOffset = off(n.mappingOffset, maps > 0 ? align4(end) : 0, 'mapping_offset');
  if (maps > 0) {
    end = Math.max(end, mappingOffset + maps * IORT_ID_MAPPING_SIZE);
  }
  if (n.type === 'rmr') {
    const descs = list(n.descriptors, 'rmr descriptors', at).length;
    sub.rmr = off(n.rmrOffset, descs > 0 ? align4(end) : 0, 'rmr_offset');
    if (descs > 0) end = Math.max(end, sub.rmr + descs * IORT_RMR_DESC_SIZE);
  }
  const length = toNumber(n.length, align4(end), 16, 'node length', at + 1);
  if (length < end) {
    throw new IortError(
      `node length 0x${length.toString(16)} cannot hold its data (0x${end.toString(16)} bytes)`,
      at + 1,
    );
  }
  return { length, mappingOffset, sub };
}

class Out {
  readonly view: DataView;
  readonly claimed: Uint8Array;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer);
    this.claimed = new Uint8Array(bytes.length);
  }
  private claim(off: number, size: number, what: string) {
    if (off < 0 || off + size > this.bytes.length) {
      throw new IortError(`${what} does not fit in the table`, off);
    }
    for (let i = off; i < off + size; i++) {
      if (this.claimed[i]) throw new IortError(`${what} overlaps another field`, off);
      this.claimed[i] = 1;
    }
  }
  u8(off: number, v: number, what: string) {
    this.claim(off, 1, what);
    this.view.setUint8(off, v);
  }
  u16(off: number, v: number, what: string) {
    this.claim(off, 2, what);
    this.view.setUint16(off, v, true);
  }
  u32(off: number, v: number, what: string) {
    this.claim(off, 4, what);
    this.view.setUint32(off, v, true);
  }
  u64(off: number, v: bigint, what: string) {
    this.claim(off, 8, what);
    this.view.setBigUint64(off, v, true);
  }
  chars(off: number, size: number, text: string, what: string) {
    this.claim(off, size, what);
    for (let i = 0; i < size; i++)
      this.bytes[off + i] = i < text.length ? text.charCodeAt(i) & 0xff : 0x20;
  }
  cstring(off: number, text: string, what: string) {
    this.claim(off, text.length + 1, what);
    for (let i = 0; i < text.length; i++) this.bytes[off + i] = text.charCodeAt(i) & 0xff;
    this.bytes[off + text.length] = 0;
  }
}

type Resolve = (ref: NumInput | null | undefined, what: string, at: number) => number;

function writeNode(o: Out, n: IortNodeInput, at: number, lay: Layout, resolve: Resolve) {
  const num = (v: NumInput | null | undefined, bits: number, what: string, field: number) =>
    toNumber(v, 0, bits, what, at + field);
  const u64 = (v: U64Input | null | undefined, what: string, field: number) =>
    toU64(v, what, at + field);
  const typeCode =
    n.type === 'unknown'
      ? num(n.typeCode, 8, 'type', 0)
      : IORT_TYPE_CODE[n.type as keyof typeof IORT_TYPE_CODE];
  o.u8(at, typeCode, 'node type');
  o.u16(at + 1, lay.length, 'node length');
  o.u8(
    at + 3,
    toNumber(n.revision, DEFAULT_REVISION[n.type] ?? 0, 8, 'revision', at + 3),
    'node revision',
  );
  o.u32(at + 4, num(n.identifier, 32, 'identifier', 4), 'identifier');
  const maps = list(n.mappings, 'mappings', at);
  o.u32(at + 8, maps.length, 'mapping_count');
  o.u32(at + 12, lay.mappingOffset, 'mapping_offset');
  maps.forEach((entry, i) => {
    const mo = at + lay.mappingOffset + i * IORT_ID_MAPPING_SIZE;
    const m = record(entry, 'an ID mapping', mo);
    const f = (v: NumInput | null | undefined, what: string, d: number) =>
      toNumber(v, 0, 32, what, mo + d);
    o.u32(mo, f(m.inputBase, 'input_base', 0), 'input_base');
    o.u32(mo + 4, f(m.idCount, 'id_count', 4), 'id_count');
    o.u32(mo + 8, f(m.outputBase, 'output_base', 8), 'output_base');
    o.u32(mo + 12, resolve(m.outputReference, 'output_reference', mo + 12), 'output_reference');
    o.u32(mo + 16, f(m.flags, 'flags', 16), 'flags');
  });
  const memProps = (
    p:
      | { cacheCoherency?: NumInput | null; hints?: NumInput | null; memoryFlags?: NumInput | null }
      | null
      | undefined,
    field: number,
  ) => {
    p = record(p, 'memory properties', at + field);
    o.u32(at + field, num(p?.cacheCoherency, 32, 'cache_coherency', field), 'cache_coherency');
    o.u8(at + field + 4, num(p?.hints, 8, 'hints', field + 4), 'hints');
    o.u8(at + field + 7, num(p?.memoryFlags, 8, 'memory_flags', field + 7), 'memory_flags');
  };
  switch (n.type) {
    case 'its-group': {
      const ids = list(n.identifiers, 'identifiers', at);
      o.u32(at + 16, ids.length, 'its_count');
      ids.forEach((id, i) => {
        o.u32(at + 20 + 4 * i, num(id, 32, 'ITS identifier', 20 + 4 * i), 'ITS identifier');
      });
      break;
    }
    case 'named-component':
      o.u32(at + 16, num(n.nodeFlags, 32, 'node_flags', 16), 'node_flags');
      memProps(n.memoryProperties, 20);
      o.u8(
        at + 28,
        num(n.memoryAddressLimit, 8, 'memory_address_limit', 28),
        'memory_address_limit',
      );
      o.cstring(at + 29, text(n.deviceName, '', 'device_name', at + 29), 'device_name');
      break;
    case 'root-complex':
      memProps(n.memoryProperties, 16);
      o.u32(at + 24, num(n.atsAttribute, 32, 'ats_attribute', 24), 'ats_attribute');
      o.u32(at + 28, num(n.pciSegmentNumber, 32, 'pci_segment_number', 28), 'pci_segment_number');
      o.u8(
        at + 32,
        num(n.memoryAddressLimit, 8, 'memory_address_limit', 32),
        'memory_address_limit',
      );
      if (lay.length >= 35) {
        o.u16(
          at + 33,
          num(n.pasidCapabilities, 16, 'pasid_capabilities', 33),
          'pasid_capabilities',
        );
      }
      break;
    case 'smmu': {
      o.u64(at + 16, u64(n.baseAddress, 'base_address', 16), 'base_address');
      o.u64(at + 24, u64(n.span, 'span', 24), 'span');
      o.u32(at + 32, num(n.model, 32, 'model', 32), 'model');
      o.u32(at + 36, num(n.flags, 32, 'flags', 36), 'flags');
      const ctx = list(n.contextInterrupts, 'context interrupts', at);
      const pmu = list(n.pmuInterrupts, 'PMU interrupts', at);
      o.u32(at + 40, lay.sub.global!, 'global_interrupt_offset');
      o.u32(at + 44, ctx.length, 'context_interrupt_count');
      o.u32(at + 48, lay.sub.context!, 'context_interrupt_offset');
      o.u32(at + 52, pmu.length, 'pmu_interrupt_count');
      o.u32(at + 56, lay.sub.pmu!, 'pmu_interrupt_offset');
      if (n.globalInterrupts !== null && lay.sub.global !== 0) {
        const gi = lay.sub.global!;
        const g = record(n.globalInterrupts, 'global interrupts', at + gi);
        o.u32(at + gi, num(g.nsgIrpt, 32, 'nsg_irpt', gi), 'nsg_irpt');
        o.u32(at + gi + 4, num(g.nsgIrptFlags, 32, 'nsg_irpt_flags', gi + 4), 'nsg_irpt_flags');
        o.u32(at + gi + 8, num(g.nsgCfgIrpt, 32, 'nsg_cfg_irpt', gi + 8), 'nsg_cfg_irpt');
        o.u32(
          at + gi + 12,
          num(g.nsgCfgIrptFlags, 32, 'nsg_cfg_irpt_flags', gi + 12),
          'nsg_cfg_irpt_flags',
        );
      }
      const irqs = (list: typeof ctx, base: number, what: string) =>
        list.forEach((entry, i) => {
          const r = base + 8 * i;
          const irq = record(entry, what, at + r);
          o.u32(at + r, num(irq?.gsiv, 32, `${what} gsiv`, r), `${what} gsiv`);
          o.u32(at + r + 4, num(irq?.flags, 32, `${what} flags`, r + 4), `${what} flags`);
        });
      irqs(ctx, lay.sub.context!, 'context interrupt');
      irqs(pmu, lay.sub.pmu!, 'PMU interrupt');
      break;
    }
    case 'smmu-v3':
      o.u64(at + 16, u64(n.baseAddress, 'base_address', 16), 'base_address');
      o.u32(at + 24, num(n.flags, 32, 'flags', 24), 'flags');
      o.u64(at + 32, u64(n.vatosAddress, 'vatos_address', 32), 'vatos_address');
      o.u32(at + 40, num(n.model, 32, 'model', 40), 'model');
      o.u32(at + 44, num(n.eventGsiv, 32, 'event_gsiv', 44), 'event_gsiv');
      o.u32(at + 48, num(n.priGsiv, 32, 'pri_gsiv', 48), 'pri_gsiv');
      o.u32(at + 52, num(n.gerrGsiv, 32, 'gerr_gsiv', 52), 'gerr_gsiv');
      o.u32(at + 56, num(n.syncGsiv, 32, 'sync_gsiv', 56), 'sync_gsiv');
      o.u32(at + 60, num(n.pxm, 32, 'pxm', 60), 'pxm');
      o.u32(at + 64, num(n.idMappingIndex, 32, 'id_mapping_index', 64), 'id_mapping_index');
      break;
    case 'pmcg':
      o.u64(at + 16, u64(n.page0BaseAddress, 'page0_base_address', 16), 'page0_base_address');
      o.u32(at + 24, num(n.overflowGsiv, 32, 'overflow_gsiv', 24), 'overflow_gsiv');
      o.u32(at + 28, resolve(n.nodeReference, 'node_reference', at + 28), 'node_reference');
      if (lay.length >= 40) {
        o.u64(at + 32, u64(n.page1BaseAddress, 'page1_base_address', 32), 'page1_base_address');
      }
      break;
    case 'rmr': {
      const descs = list(n.descriptors, 'rmr descriptors', at);
      o.u32(at + 16, num(n.rmrFlags, 32, 'rmr flags', 16), 'rmr flags');
      o.u32(at + 20, descs.length, 'rmr_count');
      o.u32(at + 24, lay.sub.rmr!, 'rmr_offset');
      descs.forEach((d, i) => {
        const r = lay.sub.rmr! + i * IORT_RMR_DESC_SIZE;
        d = record(d, 'an rmr descriptor', at + r);
        o.u64(at + r, u64(d?.baseAddress, 'rmr base_address', r), 'rmr base_address');
        o.u64(at + r + 8, u64(d?.length, 'rmr length', r + 8), 'rmr length');
      });
      break;
    }
  }
}

/**
 * Build the binary. Nodes follow each other as the kernel walks them (offset of node i+1 =
 * offset + length of node i); a given `offset` that disagrees is an IortError. The checksum is
 * always recomputed; `extraBytes` are laid over the bytes no field covers.
 */
export function writeIort(input: IortTableInput): Uint8Array {
  input = record(input, 'the table', 0);
  const nodes = list(input.nodes, 'nodes', IORT_HEADER_SIZE).map((n, i) => {
    const node = record(n, `node ${i}`, IORT_HEADER_SIZE);
    if (typeof node.type !== 'string')
      throw new IortError(`node ${i} has no type`, IORT_HEADER_SIZE);
    if (node.name !== undefined && node.name !== null && typeof node.name !== 'string') {
      throw new IortError(`node ${i} name must be text`, IORT_HEADER_SIZE);
    }
    return node as IortNodeInput;
  });
  const nodeOffset = toNumber(
    input.nodeOffset,
    toNumber(nodes[0]?.offset, IORT_HEADER_SIZE, 32, 'offset', 40),
    32,
    'node_offset',
    40,
  );
  if (nodes.length > 0 && nodeOffset < IORT_HEADER_SIZE) {
    throw new IortError(`node_offset 0x${nodeOffset.toString(16)} lies inside the IORT header`, 40);
  }
  const offsets: number[] = [];
  const layouts: Layout[] = [];
  let at = nodeOffset;
  nodes.forEach((n, i) => {
    const given = toNumber(n.offset, at, 32, `node ${i} offset`, at);
    if (given !== at) {
      throw new IortError(
        `node ${i} offset 0x${given.toString(16)} is not where the previous node ends (0x${at.toString(16)})`,
        at,
      );
    }
    offsets.push(at);
    const lay = layoutNode(n, at);
    layouts.push(lay);
    at += lay.length;
  });
  const end = Math.max(nodes.length > 0 ? at : 0, IORT_HEADER_SIZE);
  const length = toNumber(input.length, end, 32, 'length', 4);
  if (length > MAX_IORT_WRITE_LENGTH) {
    throw new IortError(
      `table length 0x${length.toString(16)} is more than the writer's ${MAX_IORT_WRITE_LENGTH}-byte limit`,
      4,
    );
  }
  if (length < end)
    throw new IortError(
      `table length 0x${length.toString(16)} cannot hold its nodes (0x${end.toString(16)})`,
      4,
    );

  const names = new Map<string, number>();
  nodes.forEach((n, i) => {
    if (n.name) names.set(n.name, offsets[i]!);
  });
  const starts = new Set(offsets);
  const resolve: Resolve = (ref, what, pos) => {
    if (ref === undefined || ref === null) return 0;
    if (typeof ref === 'string' && !/^(0x[0-9a-f_]+|[0-9_]+)$/i.test(ref.trim())) {
      const idx = /^#(\d+)$/.exec(ref.trim());
      const target = idx ? offsets[Number(idx[1])] : names.get(ref);
      if (target === undefined) throw new IortError(`${what} "${ref}" names no node`, pos);
      return target;
    }
    const off = toNumber(ref, 0, 32, what, pos);
    if (off !== 0 && !starts.has(off)) {
      throw new IortError(`${what} 0x${off.toString(16)} does not point at a node`, pos);
    }
    return off;
  };

  const bytes = new Uint8Array(length);
  const o = new Out(bytes);
  o.chars(0, 4, text(input.signature, 'IORT', 'signature', 0), 'signature');
  o.u32(4, length, 'length');
  o.u8(8, toNumber(input.revision, 5, 8, 'revision', 8), 'revision');
  o.u8(9, 0, 'checksum');
  o.chars(10, 6, text(input.oemId, 'DMASIM', 'oem_id', 10), 'oem_id');
  o.chars(16, 8, text(input.oemTableId, 'DMASIM  ', 'oem_table_id', 16), 'oem_table_id');
  o.u32(24, toNumber(input.oemRevision, 1, 32, 'oem_revision', 24), 'oem_revision');
  o.chars(28, 4, text(input.aslCompilerId, 'DMAS', 'asl_compiler_id', 28), 'asl_compiler_id');
  o.u32(
    32,
    toNumber(input.aslCompilerRevision, 1, 32, 'asl_compiler_revision', 32),
    'asl_compiler_revision',
  );
  o.u32(36, toNumber(input.nodeCount, nodes.length, 32, 'node_count', 36), 'node_count');
  o.u32(40, nodeOffset, 'node_offset');
  nodes.forEach((n, i) => {
    writeNode(o, n, offsets[i]!, layouts[i]!, resolve);
  });
  for (const entry of list(input.extraBytes, 'extra bytes', 0)) {
    const extra = record(entry, 'extra bytes', 0);
    const off = toNumber(extra.offset, 0, 32, 'extra bytes offset', 0);
    const hex = text(extra.hex, '', 'extra bytes hex', off);
    if (!/^([0-9a-f]{2})*$/i.test(hex))
      throw new IortError(`extra bytes "${hex}" are not hex pairs`, off);
    for (let i = 0; i < hex.length / 2; i++) {
      o.u8(off + i, Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16), 'extra bytes');
    }
  }
  bytes[9] = (0x100 - acpiChecksum(bytes, length)) & 0xff;
  return bytes;
}
