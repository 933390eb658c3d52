// ID translation through IORT mappings: iort_id_map(), iort_node_map_id(), iort_node_get_id(),
// iort_get_id_mapping_index(), iort_node_map_platform_id().
import {
  EAGAIN,
  EINVAL,
  ENXIO,
  FW_BUG,
  type KernelLog,
  logErr,
  logWarn,
} from '@dmasim/dma-mapping';
import {
  ID_SINGLE_MAPPING,
  IORT_ID_MAPPING_SIZE,
  IortError,
  type IortIdMapping,
  IortLoopError,
  type IortNode,
  type IortTable,
  nodeAt,
  nodeLabel,
  nodeTypeCode,
  ptr,
  SMMU_V3_DEVICEID_VALID,
} from './iort-model.js';

/** IORT_IOMMU_TYPE: SMMU (3) | SMMUv3 (4). */
export const IORT_IOMMU_TYPE = (1 << 3) | (1 << 4);
/** IORT_MSI_TYPE: ITS group (0). */
export const IORT_MSI_TYPE = 1 << 0;

const NC = 1;
const RC = 2;
const u32 = (n: number) => n >>> 0;

export interface IdMapOutcome {
  /** 0 (match), -ENXIO (no match / skipped), -EAGAIN (tentative match on the last ID). */
  ret: number;
  /** The output ID; null when the map left it unchanged (-ENXIO). */
  idOut: number | null;
}

/**
 * iort_id_map(). `mapOffset` is the mapping's table offset, printed where the kernel prints the
 * map pointer. Sums wrap at 32 bits as the u32 fields do.
 */
export function iortIdMap(
  map: IortIdMapping,
  nodeType: number,
  ridIn: number,
  checkOverlap: boolean,
  log: KernelLog,
  mapOffset = 0,
): IdMapOutcome {
  if (map.flags & ID_SINGLE_MAPPING) {
    if (nodeType === NC || nodeType === RC) return { ret: 0, idOut: map.outputBase };
    logWarn(
      log,
      `${FW_BUG}[map ${ptr(mapOffset)}] SINGLE MAPPING flag not allowed for node type ${nodeType}, skipping ID map`,
    );
    return { ret: -ENXIO, idOut: null };
  }
  const last = u32(map.inputBase + map.idCount);
  if (ridIn < map.inputBase || ridIn > last) return { ret: -ENXIO, idOut: null };
  if (checkOverlap) {
    logErr(
      log,
      `${FW_BUG}[map ${ptr(mapOffset)}] conflicting mapping for input ID 0x${ridIn.toString(16)}`,
    );
    if (ridIn !== map.inputBase) return { ret: -ENXIO, idOut: null };
    logErr(log, `${FW_BUG}applying workaround.`);
  }
  const idOut = u32(map.outputBase + (ridIn - map.inputBase));
  // id_count is "number of IDs minus one", but firmware often writes the count: a hit on the
  // last ID is only tentative.
  if (map.idCount > 0 && ridIn === last) return { ret: -EAGAIN, idOut };
  return { ret: 0, idOut };
}

/** iort_get_id_mapping_index(): the node's own-ID mapping (skipped when translating), or -EINVAL. */
export function iortGetIdMappingIndex(node: IortNode, log: KernelLog): number {
  switch (node.type) {
    case 'smmu-v3': {
      if (node.revision < 1) return -EINVAL;
      if (node.revision < 5) {
        // Before E.e: the index is only meaningful when some interrupt is not a GSIV.
        if (node.eventGsiv && node.priGsiv && node.gerrGsiv && node.syncGsiv) return -EINVAL;
      } else if (!(node.flags & SMMU_V3_DEVICEID_VALID)) {
        return -EINVAL;
      }
      if (node.idMappingIndex >= node.mappings.length) {
        logErr(
          log,
          `${FW_BUG}[node ${ptr(node.offset)} type 4] ID mapping index overflows valid mappings`,
        );
        return -EINVAL;
      }
      return node.idMappingIndex;
    }
    case 'pmcg':
      if (node.overflowGsiv || node.mappings.length === 0) return -EINVAL;
      return 0;
    default:
      return -EINVAL;
  }
}

function target(table: IortTable, from: IortNode, index: number, ref: number): IortNode {
  const node = nodeAt(table, ref);
  if (!node) {
    throw new IortError(
      `${nodeLabel(from)} mapping ${index} output_reference 0x${ref.toString(16)} does not point at a node`,
      from.offset + from.mappingOffset + index * IORT_ID_MAPPING_SIZE + 12,
    );
  }
  return node;
}

const mapOffset = (node: IortNode, i: number) =>
  node.offset + node.mappingOffset + i * IORT_ID_MAPPING_SIZE;

export interface NodeMapOutcome {
  /** The node of a type in the mask the walk ended at, or null (failure). */
  node: IortNode | null;
  /** The translated ID; the input ID unchanged on failure. */
  id: number;
}

/**
 * iort_node_map_id(): follow mappings from `start` until a node whose type is in `typeMask`.
 * The kernel's loop has no cycle guard; reaching a node twice throws IortLoopError instead.
 */
export function iortNodeMapId(
  table: IortTable,
  start: IortNode,
  idIn: number,
  typeMask: number,
  log: KernelLog,
): NodeMapOutcome {
  let node = start;
  let id = idIn;
  const visited = new Set<number>();
  for (;;) {
    if ((1 << nodeTypeCode(node)) & typeMask) return { node, id };
    if (visited.has(node.offset)) {
      throw new IortLoopError(
        `ID translation of 0x${idIn.toString(16)} from ${nodeLabel(start)} reached ${nodeLabel(node)} twice (the kernel would loop)`,
        node.offset,
      );
    }
    visited.add(node.offset);
    if (!node.mappingOffset || node.mappings.length === 0) break;
    if (!node.mappings[0]!.outputReference) {
      logErr(
        log,
        `${FW_BUG}[node ${ptr(node.offset)} type ${nodeTypeCode(node)}] ID map has NULL parent reference`,
      );
      break;
    }
    const special = iortGetIdMappingIndex(node, log);
    const mapId = id;
    let rc = 0;
    let outRef = 0;
    let matched: IortIdMapping | null = null;
    for (let i = 0; i < node.mappings.length; i++) {
      if (i === special) continue;
      const map = node.mappings[i]!;
      const r = iortIdMap(map, nodeTypeCode(node), mapId, outRef !== 0, log, mapOffset(node, i));
      rc = r.ret;
      if (r.idOut !== null) id = r.idOut;
      if (rc === 0) {
        matched = map;
        break;
      }
      if (rc === -EAGAIN) outRef = map.outputReference;
    }
    if (!matched && !outRef) break;
    const ref = rc ? outRef : matched!.outputReference;
    const index = node.mappings.findIndex((m) => m.outputReference === ref);
    node = target(table, node, index, ref);
  }
  return { node: null, id: idIn };
}

export interface NodeGetIdOutcome {
  parent: IortNode | null;
  id: number | null;
}

/** iort_node_get_id(): the parent and output_base of a SINGLE mapping (NC, RC, SMMUv3, PMCG only). */
export function iortNodeGetId(
  table: IortTable,
  node: IortNode,
  index: number,
  log: KernelLog,
): NodeGetIdOutcome {
  if (!node.mappingOffset || node.mappings.length === 0 || index >= node.mappings.length) {
    return { parent: null, id: null };
  }
  const map = node.mappings[index]!;
  if (!map.outputReference) {
    logErr(
      log,
      `${FW_BUG}[node ${ptr(node.offset)} type ${nodeTypeCode(node)}] ID map has NULL parent reference`,
    );
    return { parent: null, id: null };
  }
  const parent = target(table, node, index, map.outputReference);
  if (
    map.flags & ID_SINGLE_MAPPING &&
    (node.type === 'named-component' ||
      node.type === 'root-complex' ||
      node.type === 'smmu-v3' ||
      node.type === 'pmcg')
  ) {
    return { parent, id: map.outputBase };
  }
  return { parent: null, id: null };
}

/**
 * iort_node_map_platform_id(): the ID of mapping `index`, mapped on until a node in `typeMask`
 * when its parent is not one already (e.g. NC → SMMU → ITS).
 */
export function iortNodeMapPlatformId(
  table: IortTable,
  node: IortNode,
  typeMask: number,
  index: number,
  log: KernelLog,
): NodeMapOutcome {
  const { parent, id } = iortNodeGetId(table, node, index, log);
  if (!parent || id === null) return { node: null, id: 0 };
  if (!((1 << nodeTypeCode(parent)) & typeMask))
    return iortNodeMapId(table, parent, id, typeMask, log);
  return { node: parent, id };
}
