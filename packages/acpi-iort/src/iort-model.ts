// The IORT table as plain data (ACPICA actbl2.h layout, IORT issue E.e), shared by reader,
// writer and the kernel-behaviour modules.
import { DmasimError } from '@dmasim/dma-mapping';

export const IORT_NODE_TYPES = [
  'its-group',
  'named-component',
  'root-complex',
  'smmu',
  'smmu-v3',
  'pmcg',
  'rmr',
] as const;

export type IortKnownNodeType = (typeof IORT_NODE_TYPES)[number];
export type IortNodeType = IortKnownNodeType | 'unknown';

/** enum acpi_iort_node_type: the type byte of each node kind. */
export const IORT_TYPE_CODE: Record<IortKnownNodeType, number> = {
  'its-group': 0,
  'named-component': 1,
  'root-complex': 2,
  smmu: 3,
  'smmu-v3': 4,
  pmcg: 5,
  rmr: 6,
};

export const ACPI_HEADER_SIZE = 36;
/** ACPI header + node_count, node_offset, reserved. */
export const IORT_HEADER_SIZE = 48;
export const IORT_NODE_HEADER_SIZE = 16;
export const IORT_ID_MAPPING_SIZE = 20;
export const IORT_RMR_DESC_SIZE = 20;

/** ACPI_IORT_ID_SINGLE_MAPPING */
export const ID_SINGLE_MAPPING = 1;
/** SMMUv3 flags */
export const SMMU_V3_COHACC_OVERRIDE = 1 << 0;
export const SMMU_V3_DEVICEID_VALID = 1 << 4;
/** SMMUv3 model: HiSilicon Hi161x (MSI reservation quirk). */
export const SMMU_V3_HISILICON_HI161X = 1;
/** SMMUv1/v2 flags */
export const SMMU_COHERENT_WALK = 1 << 1;
/** RC ats_attribute bit 0 */
export const RC_ATS_SUPPORTED = 1 << 0;
/** NC node_flags */
export const NC_STALL_SUPPORTED = 1 << 0;
export const NC_PASID_BITS_SHIFT = 1;
export const NC_PASID_BITS_MASK = 0x1f;
/** RMR flags */
export const RMR_REMAP_PERMITTED = 1 << 0;
export const RMR_ACCESS_PRIVILEGE = 1 << 1;

/** Malformed table: what is wrong and where (byte offset from the table start). */
export class IortError extends DmasimError {
  static override readonly code: string = 'IORT_MALFORMED';
  readonly byteOffset: number;
  constructor(message: string, byteOffset: number) {
    super(`IORT @0x${byteOffset.toString(16)}: ${message}`);
    this.name = 'IortError';
    this.byteOffset = byteOffset;
  }
}

/**
 * An ID translation that revisits a node. The kernel's walk has no such guard: it would loop
 * forever (or until the IDs stop matching); the model stops and reports it.
 */
export class IortLoopError extends IortError {
  static override readonly code: string = 'IORT_MAPPING_LOOP';
  constructor(message: string, byteOffset: number) {
    super(message, byteOffset);
    this.name = 'IortLoopError';
  }
}

/** struct acpi_iort_id_mapping. `idCount` is the number of IDs minus one. */
export interface IortIdMapping {
  inputBase: number;
  idCount: number;
  outputBase: number;
  /** Table offset of the target node; 0 is the firmware bug "NULL parent reference". */
  outputReference: number;
  flags: number;
}

/** struct acpi_iort_memory_access (8 bytes). */
export interface MemoryAccessProperties {
  cacheCoherency: number;
  hints: number;
  memoryFlags: number;
}

interface NodeCommon {
  /** Table offset of the node (mappings reference nodes by it). */
  offset: number;
  length: number;
  revision: number;
  identifier: number;
  mappingOffset: number;
  mappings: IortIdMapping[];
}

export interface ItsGroupNode extends NodeCommon {
  type: 'its-group';
  identifiers: number[];
}

export interface NamedComponentNode extends NodeCommon {
  type: 'named-component';
  nodeFlags: number;
  memoryProperties: MemoryAccessProperties;
  memoryAddressLimit: number;
  deviceName: string;
}

export interface RootComplexNode extends NodeCommon {
  type: 'root-complex';
  memoryProperties: MemoryAccessProperties;
  atsAttribute: number;
  pciSegmentNumber: number;
  memoryAddressLimit: number;
  /** u16 @33; absent when the node is too short to hold it. */
  pasidCapabilities?: number;
}

export interface SmmuGlobalInterrupts {
  nsgIrpt: number;
  nsgIrptFlags: number;
  nsgCfgIrpt: number;
  nsgCfgIrptFlags: number;
}

export interface SmmuInterrupt {
  gsiv: number;
  flags: number;
}

export interface SmmuNode extends NodeCommon {
  type: 'smmu';
  baseAddress: bigint;
  span: bigint;
  model: number;
  flags: number;
  globalInterruptOffset: number;
  contextInterruptOffset: number;
  pmuInterruptOffset: number;
  /** Read at globalInterruptOffset; null when that offset is 0. */
  globalInterrupts: SmmuGlobalInterrupts | null;
  contextInterrupts: SmmuInterrupt[];
  pmuInterrupts: SmmuInterrupt[];
}

export interface SmmuV3Node extends NodeCommon {
  type: 'smmu-v3';
  baseAddress: bigint;
  flags: number;
  vatosAddress: bigint;
  model: number;
  eventGsiv: number;
  priGsiv: number;
  gerrGsiv: number;
  syncGsiv: number;
  pxm: number;
  idMappingIndex: number;
}

export interface PmcgNode extends NodeCommon {
  type: 'pmcg';
  page0BaseAddress: bigint;
  overflowGsiv: number;
  nodeReference: number;
  /** Used by the kernel only for node revision > 0; absent when the node is too short. */
  page1BaseAddress?: bigint;
}

export interface RmrDescriptor {
  baseAddress: bigint;
  length: bigint;
}

export interface RmrNode extends NodeCommon {
  type: 'rmr';
  rmrFlags: number;
  rmrOffset: number;
  descriptors: RmrDescriptor[];
}

/** A node type this model does not know (7+): the kernel skips it; its body is kept as extra bytes. */
export interface UnknownNode extends NodeCommon {
  type: 'unknown';
  typeCode: number;
}

export type IortNode =
  | ItsGroupNode
  | NamedComponentNode
  | RootComplexNode
  | SmmuNode
  | SmmuV3Node
  | PmcgNode
  | RmrNode
  | UnknownNode;

/** Bytes the model has no field for (reserved fields, padding), kept for exact rewriting. */
export interface ExtraBytes {
  offset: number;
  /** Lower-case hex, two digits a byte. */
  hex: string;
}

export interface IortTable {
  signature: string;
  length: number;
  revision: number;
  checksum: number;
  oemId: string;
  oemTableId: string;
  oemRevision: number;
  aslCompilerId: string;
  aslCompilerRevision: number;
  /** node_count as written; more than nodes.length when the kernel's scan overflows the table. */
  nodeCount: number;
  nodeOffset: number;
  nodes: IortNode[];
  extraBytes: ExtraBytes[];
}

/** The node starting exactly at a table offset, or undefined. */
export function nodeAt(table: IortTable, offset: number): IortNode | undefined {
  return table.nodes.find((n) => n.offset === offset);
}

/** The type byte of a node. */
export function nodeTypeCode(node: IortNode): number {
  return node.type === 'unknown' ? node.typeCode : IORT_TYPE_CODE[node.type];
}

/** The name of the fwnode the kernel registers for an IORT SMMU/PMCG node: "iort@0x<offset>". */
export function iortFwnodeName(node: IortNode): string {
  return `iort@0x${node.offset.toString(16)}`;
}

/** Inverse of iortFwnodeName(); null for any other fwnode name. */
export function parseIortFwnodeName(name: string): number | null {
  const m = /^iort@0x([0-9a-f]+)$/.exec(name);
  return m ? Number.parseInt(m[1]!, 16) : null;
}

/** Short human label: "SMMUv3@0x48", "NC \\_SB_.ETH0@0x..". */
export function nodeLabel(node: IortNode): string {
  const at = `@0x${node.offset.toString(16)}`;
  switch (node.type) {
    case 'its-group':
      return `ITS${at}`;
    case 'named-component':
      return `NC(${node.deviceName})${at}`;
    case 'root-complex':
      return `RC(seg ${node.pciSegmentNumber})${at}`;
    case 'smmu':
      return `SMMU${at}`;
    case 'smmu-v3':
      return `SMMUv3${at}`;
    case 'pmcg':
      return `PMCG${at}`;
    case 'rmr':
      return `RMR${at}`;
    case 'unknown':
      return `type${node.typeCode}${at}`;
  }
}

/** The kernel's "%p" for a node or map pointer, rendered as its table offset. */
export function ptr(offset: number): string {
  return offset.toString(16).padStart(16, '0');
}
