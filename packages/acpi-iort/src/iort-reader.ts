// Parse an IORT binary into the plain model, bounds-checking every offset the kernel would follow.
import { type KernelLog, logWarn } from '@dmasim/dma-mapping';
import {
  ACPI_HEADER_SIZE,
  type ExtraBytes,
  IORT_HEADER_SIZE,
  IORT_ID_MAPPING_SIZE,
  IORT_NODE_HEADER_SIZE,
  IORT_NODE_TYPES,
  IORT_RMR_DESC_SIZE,
  IortError,
  type IortIdMapping,
  type IortNode,
  type IortTable,
  type MemoryAccessProperties,
  type SmmuInterrupt,
} from './iort-model.js';

export interface IortReadResult {
  table: IortTable;
  /** What the kernel prints while installing and scanning the table (checksum, overflow). */
  log: KernelLog;
  checksumValid: boolean;
}

/** The message WARN_TAINT prints when the node walk leaves the table (iort_scan_node()). */
export const NODE_POINTER_OVERFLOW = 'IORT node pointer overflows, bad table!';

/** Byte-wise sum modulo 256 (acpi_tb_checksum()). */
export function acpiChecksum(bytes: Uint8Array, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum = (sum + bytes[i]!) & 0xff;
  return sum;
}

class Cursor {
  readonly view: DataView;
  readonly covered: Uint8Array;
  constructor(
    readonly bytes: Uint8Array,
    readonly length: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, length);
    this.covered = new Uint8Array(length);
  }
  need(off: number, size: number, what: string): void {
    if (off < 0 || off + size > this.length) {
      throw new IortError(
        `${what} (${size} bytes) runs past the table end 0x${this.length.toString(16)}`,
        off,
      );
    }
  }
  private mark(off: number, size: number, what: string): void {
    this.need(off, size, what);
    this.covered.fill(1, off, off + size);
  }
  u8(off: number, what: string): number {
    this.mark(off, 1, what);
    return this.view.getUint8(off);
  }
  u16(off: number, what: string): number {
    this.mark(off, 2, what);
    return this.view.getUint16(off, true);
  }
  u32(off: number, what: string): number {
    this.mark(off, 4, what);
    return this.view.getUint32(off, true);
  }
  u64(off: number, what: string): bigint {
    this.mark(off, 8, what);
    return this.view.getBigUint64(off, true);
  }
  /** Fixed-width ASCII field, bytes kept one-to-one (latin1) so a rewrite is exact. */
  chars(off: number, size: number, what: string): string {
    this.mark(off, size, what);
    let s = '';
    for (let i = 0; i < size; i++) s += String.fromCharCode(this.bytes[off + i]!);
    return s;
  }
  /** NUL-terminated string within [off, end). */
  cstring(off: number, end: number, what: string): string {
    let s = '';
    for (let i = off; i < end; i++) {
      const b = this.bytes[i]!;
      if (b === 0) {
        this.mark(off, i - off + 1, what);
        return s;
      }
      s += String.fromCharCode(b);
    }
    throw new IortError(`${what} has no NUL terminator before the node end`, off);
  }
}

/** Check that [start, start+size) lies inside the node, else a typed error. */
function inNode(node: { offset: number; length: number }, rel: number, size: number, what: string) {
  if (rel < 0 || rel + size > node.length) {
    throw new IortError(
      `${what} at node offset 0x${rel.toString(16)} (${size} bytes) runs past the node length 0x${node.length.toString(16)}`,
      node.offset + rel,
    );
  }
}

function memoryProperties(c: Cursor, at: number): MemoryAccessProperties {
  return {
    cacheCoherency: c.u32(at, 'cache_coherency'),
    hints: c.u8(at + 4, 'hints'),
    memoryFlags: c.u8(at + 7, 'memory_flags'),
  };
}

function readMappings(c: Cursor, base: number, length: number, count: number, offset: number) {
  const node = { offset: base, length };
  if (count === 0) return [];
  if (offset === 0) {
    throw new IortError(`mapping_count ${count} with mapping_offset 0`, base + 12);
  }
  inNode(node, offset, count * IORT_ID_MAPPING_SIZE, `ID mapping array (${count} entries)`);
  const maps: IortIdMapping[] = [];
  for (let i = 0; i < count; i++) {
    const at = base + offset + i * IORT_ID_MAPPING_SIZE;
    maps.push({
      inputBase: c.u32(at, 'input_base'),
      idCount: c.u32(at + 4, 'id_count'),
      outputBase: c.u32(at + 8, 'output_base'),
      outputReference: c.u32(at + 12, 'output_reference'),
      flags: c.u32(at + 16, 'flags'),
    });
  }
  return maps;
}

function interrupts(
  c: Cursor,
  node: { offset: number; length: number },
  rel: number,
  count: number,
  what: string,
) {
  const list: SmmuInterrupt[] = [];
  if (count === 0) return list;
  inNode(node, rel, count * 8, what);
  for (let i = 0; i < count; i++) {
    const at = node.offset + rel + i * 8;
    list.push({ gsiv: c.u32(at, `${what} gsiv`), flags: c.u32(at + 4, `${what} flags`) });
  }
  return list;
}

/** Minimum node length (header + fixed node data) per type; the kernel reads these fields blindly. */
const FIXED_SIZE: Record<string, number> = {
  'its-group': 20,
  'named-component': 30,
  'root-complex': 33,
  smmu: 60,
  'smmu-v3': 68,
  pmcg: 32,
  rmr: 28,
};

function readNode(c: Cursor, at: number): IortNode {
  c.need(at, IORT_NODE_HEADER_SIZE, 'node header');
  const typeCode = c.u8(at, 'node type');
  const length = c.u16(at + 1, 'node length');
  if (length < IORT_NODE_HEADER_SIZE) {
    throw new IortError(`node length ${length} is smaller than the 16-byte node header`, at + 1);
  }
  c.need(at, length, `node of type ${typeCode}`);
  const revision = c.u8(at + 3, 'node revision');
  const identifier = c.u32(at + 4, 'identifier');
  const mappingCount = c.u32(at + 8, 'mapping_count');
  const mappingOffset = c.u32(at + 12, 'mapping_offset');
  const type = IORT_NODE_TYPES[typeCode];
  const fixed = type ? FIXED_SIZE[type]! : IORT_NODE_HEADER_SIZE;
  const self = { offset: at, length };
  inNode(self, 0, fixed, `${type ?? 'node'} data`);
  const common = {
    offset: at,
    length,
    revision,
    identifier,
    mappingOffset,
    mappings: readMappings(c, at, length, mappingCount, mappingOffset),
  };
  switch (type) {
    case 'its-group': {
      const count = c.u32(at + 16, 'its_count');
      inNode(self, 20, count * 4, `ITS identifier array (${count} entries)`);
      const identifiers: number[] = [];
      for (let i = 0; i < count; i++) identifiers.push(c.u32(at + 20 + 4 * i, 'ITS identifier'));
      return { type, ...common, identifiers };
    }
    case 'named-component':
      return {
        type,
        ...common,
        nodeFlags: c.u32(at + 16, 'node_flags'),
        memoryProperties: memoryProperties(c, at + 20),
        memoryAddressLimit: c.u8(at + 28, 'memory_address_limit'),
        deviceName: c.cstring(at + 29, at + length, 'device_name'),
      };
    case 'root-complex': {
      const node: IortNode = {
        type,
        ...common,
        memoryProperties: memoryProperties(c, at + 16),
        atsAttribute: c.u32(at + 24, 'ats_attribute'),
        pciSegmentNumber: c.u32(at + 28, 'pci_segment_number'),
        memoryAddressLimit: c.u8(at + 32, 'memory_address_limit'),
      };
      if (length >= 35) node.pasidCapabilities = c.u16(at + 33, 'pasid_capabilities');
      return node;
    }
    case 'smmu': {
      const globalInterruptOffset = c.u32(at + 40, 'global_interrupt_offset');
      const contextCount = c.u32(at + 44, 'context_interrupt_count');
      const contextInterruptOffset = c.u32(at + 48, 'context_interrupt_offset');
      const pmuCount = c.u32(at + 52, 'pmu_interrupt_count');
      const pmuInterruptOffset = c.u32(at + 56, 'pmu_interrupt_offset');
      let globalInterrupts = null;
      if (globalInterruptOffset !== 0) {
        inNode(self, globalInterruptOffset, 16, 'SMMU global interrupts');
        const g = at + globalInterruptOffset;
        globalInterrupts = {
          nsgIrpt: c.u32(g, 'nsg_irpt'),
          nsgIrptFlags: c.u32(g + 4, 'nsg_irpt_flags'),
          nsgCfgIrpt: c.u32(g + 8, 'nsg_cfg_irpt'),
          nsgCfgIrptFlags: c.u32(g + 12, 'nsg_cfg_irpt_flags'),
        };
      }
      return {
        type,
        ...common,
        baseAddress: c.u64(at + 16, 'base_address'),
        span: c.u64(at + 24, 'span'),
        model: c.u32(at + 32, 'model'),
        flags: c.u32(at + 36, 'flags'),
        globalInterruptOffset,
        contextInterruptOffset,
        pmuInterruptOffset,
        globalInterrupts,
        contextInterrupts: interrupts(
          c,
          self,
          contextInterruptOffset,
          contextCount,
          'context interrupt',
        ),
        pmuInterrupts: interrupts(c, self, pmuInterruptOffset, pmuCount, 'PMU interrupt'),
      };
    }
    case 'smmu-v3':
      return {
        type,
        ...common,
        baseAddress: c.u64(at + 16, 'base_address'),
        flags: c.u32(at + 24, 'flags'),
        vatosAddress: c.u64(at + 32, 'vatos_address'),
        model: c.u32(at + 40, 'model'),
        eventGsiv: c.u32(at + 44, 'event_gsiv'),
        priGsiv: c.u32(at + 48, 'pri_gsiv'),
        gerrGsiv: c.u32(at + 52, 'gerr_gsiv'),
        syncGsiv: c.u32(at + 56, 'sync_gsiv'),
        pxm: c.u32(at + 60, 'pxm'),
        idMappingIndex: c.u32(at + 64, 'id_mapping_index'),
      };
    case 'pmcg': {
      const node: IortNode = {
        type,
        ...common,
        page0BaseAddress: c.u64(at + 16, 'page0_base_address'),
        overflowGsiv: c.u32(at + 24, 'overflow_gsiv'),
        nodeReference: c.u32(at + 28, 'node_reference'),
      };
      if (length >= 40) node.page1BaseAddress = c.u64(at + 32, 'page1_base_address');
      return node;
    }
    case 'rmr': {
      const rmrFlags = c.u32(at + 16, 'rmr flags');
      const rmrCount = c.u32(at + 20, 'rmr_count');
      const rmrOffset = c.u32(at + 24, 'rmr_offset');
      const descriptors = [];
      if (rmrCount > 0) {
        if (rmrOffset === 0)
          throw new IortError(`rmr_count ${rmrCount} with rmr_offset 0`, at + 24);
        inNode(
          self,
          rmrOffset,
          rmrCount * IORT_RMR_DESC_SIZE,
          `RMR descriptor array (${rmrCount} entries)`,
        );
        for (let i = 0; i < rmrCount; i++) {
          const d = at + rmrOffset + i * IORT_RMR_DESC_SIZE;
          descriptors.push({
            baseAddress: c.u64(d, 'rmr base_address'),
            length: c.u64(d + 8, 'rmr length'),
          });
        }
      }
      return { type, ...common, rmrFlags, rmrOffset, descriptors };
    }
    default:
      return { type: 'unknown', ...common, typeCode };
  }
}

function extraBytes(c: Cursor): ExtraBytes[] {
  const runs: ExtraBytes[] = [];
  let i = 0;
  while (i < c.length) {
    if (c.covered[i] || c.bytes[i] === 0) {
      i++;
      continue;
    }
    const start = i;
    let hex = '';
    while (i < c.length && !c.covered[i]) {
      hex += c.bytes[i]!.toString(16).padStart(2, '0');
      i++;
    }
    runs.push({ offset: start, hex: hex.replace(/(00)+$/, '') });
  }
  return runs;
}

/** Every non-zero reference must name a node start: the kernel would follow it blindly. */
function checkReferences(table: IortTable): void {
  const starts = new Set(table.nodes.map((n) => n.offset));
  for (const node of table.nodes) {
    node.mappings.forEach((m, i) => {
      if (m.outputReference !== 0 && !starts.has(m.outputReference)) {
        throw new IortError(
          `ID mapping ${i} output_reference 0x${m.outputReference.toString(16)} does not point at a node`,
          node.offset + node.mappingOffset + i * IORT_ID_MAPPING_SIZE + 12,
        );
      }
    });
    if (node.type === 'pmcg' && node.nodeReference !== 0 && !starts.has(node.nodeReference)) {
      throw new IortError(
        `PMCG node_reference 0x${node.nodeReference.toString(16)} does not point at a node`,
        node.offset + 28,
      );
    }
  }
}

/**
 * Read an IORT table. A bad checksum is ACPICA's warning (the table is still used); a node walk
 * leaving the table is iort_scan_node()'s warning (the walk stops there); anything the kernel
 * would read out of bounds is an IortError.
 */
export function readIort(bytes: Uint8Array): IortReadResult {
  if (bytes.length < IORT_HEADER_SIZE) {
    throw new IortError(
      `table of ${bytes.length} bytes is shorter than the 48-byte IORT header`,
      bytes.length,
    );
  }
  const head = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const length = head.getUint32(4, true);
  if (length < IORT_HEADER_SIZE) {
    throw new IortError(`table length ${length} is shorter than the 48-byte IORT header`, 4);
  }
  if (length > bytes.length) {
    throw new IortError(
      `table length 0x${length.toString(16)} exceeds the ${bytes.length} bytes given`,
      4,
    );
  }
  const c = new Cursor(bytes, length);
  const signature = c.chars(0, 4, 'signature');
  if (signature !== 'IORT') throw new IortError(`signature "${signature}" is not "IORT"`, 0);
  c.u32(4, 'length');
  const log: KernelLog = [];
  const table: IortTable = {
    signature,
    length,
    revision: c.u8(8, 'revision'),
    checksum: c.u8(9, 'checksum'),
    oemId: c.chars(10, 6, 'oem_id'),
    oemTableId: c.chars(16, 8, 'oem_table_id'),
    oemRevision: c.u32(24, 'oem_revision'),
    aslCompilerId: c.chars(28, 4, 'asl_compiler_id'),
    aslCompilerRevision: c.u32(32, 'asl_compiler_revision'),
    nodeCount: c.u32(ACPI_HEADER_SIZE, 'node_count'),
    nodeOffset: c.u32(ACPI_HEADER_SIZE + 4, 'node_offset'),
    nodes: [],
    extraBytes: [],
  };
  const sum = acpiChecksum(bytes, length);
  const checksumValid = sum === 0;
  if (!checksumValid) {
    // acpi_tb_verify_checksum(): ACPI_BIOS_WARNING; ACPI_CHECKSUM_ABORT is off, so it is used.
    const should = (table.checksum - sum) & 0xff;
    const h2 = (v: number) => v.toString(16).toUpperCase().padStart(2, '0');
    logWarn(
      log,
      `ACPI BIOS Warning (bug): Incorrect checksum in table [IORT] - 0x${h2(table.checksum)}, should be 0x${h2(should)}`,
    );
  }
  if (table.nodeCount > 0 && table.nodeOffset < IORT_HEADER_SIZE) {
    throw new IortError(
      `node_offset 0x${table.nodeOffset.toString(16)} lies inside the IORT header`,
      40,
    );
  }
  // iort_scan_node(): node i is reached by adding the lengths of nodes 0..i-1.
  let at = table.nodeOffset;
  for (let i = 0; i < table.nodeCount; i++) {
    if (at >= length) {
      logWarn(log, NODE_POINTER_OVERFLOW);
      break;
    }
    const node = readNode(c, at);
    table.nodes.push(node);
    at += node.length;
  }
  checkReferences(table);
  table.extraBytes = extraBytes(c);
  return { table, log, checksumValid };
}
