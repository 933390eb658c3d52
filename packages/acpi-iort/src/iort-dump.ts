// A short human dump of an IORT, node by node, with the fields that decide DMA.
import { hex } from '@dmasim/dma-mapping';
import { iortGetIdMappingIndex } from './id-mapping.js';
import {
  ID_SINGLE_MAPPING,
  type IortIdMapping,
  type IortNode,
  type IortTable,
  NC_PASID_BITS_MASK,
  NC_PASID_BITS_SHIFT,
  NC_STALL_SUPPORTED,
  nodeAt,
  nodeLabel,
  RC_ATS_SUPPORTED,
  RMR_REMAP_PERMITTED,
  SMMU_COHERENT_WALK,
  SMMU_V3_COHACC_OVERRIDE,
  SMMU_V3_DEVICEID_VALID,
} from './iort-model.js';

function limitText(n: number): string {
  return n === 0 ? 'memory address limit 0 (missing)' : `memory address limit ${n} bits`;
}

function mappingLine(table: IortTable, map: IortIdMapping, special: boolean): string {
  const target =
    map.outputReference === 0 ? 'NULL (firmware bug)' : nodeAt(table, map.outputReference);
  const to =
    typeof target === 'string' ? target : target ? nodeLabel(target) : hex(map.outputReference);
  const tag = special ? ' [own ID mapping, skipped when translating]' : '';
  if (map.flags & ID_SINGLE_MAPPING) return `    single ID ${hex(map.outputBase)} -> ${to}${tag}`;
  const inEnd = (map.inputBase + map.idCount) >>> 0;
  const outEnd = (map.outputBase + map.idCount) >>> 0;
  return `    IDs ${hex(map.inputBase)}-${hex(inEnd)} -> ${hex(map.outputBase)}-${hex(outEnd)} @ ${to}${tag}`;
}

function nodeDetail(node: IortNode): string {
  switch (node.type) {
    case 'its-group':
      return `ITS IDs [${node.identifiers.join(', ')}]`;
    case 'named-component': {
      const pasid = (node.nodeFlags >> NC_PASID_BITS_SHIFT) & NC_PASID_BITS_MASK;
      const stall = node.nodeFlags & NC_STALL_SUPPORTED ? ', stall' : '';
      return `"${node.deviceName}", ${limitText(node.memoryAddressLimit)}, CCA ${node.memoryProperties.cacheCoherency}, PASID bits ${pasid}${stall}`;
    }
    case 'root-complex': {
      const limit =
        node.revision >= 1
          ? limitText(node.memoryAddressLimit)
          : 'memory address limit ignored (revision 0)';
      const ats = node.atsAttribute & RC_ATS_SUPPORTED ? 'ATS' : 'no ATS';
      return `segment ${node.pciSegmentNumber}, ${limit}, CCA ${node.memoryProperties.cacheCoherency}, ${ats}`;
    }
    case 'smmu':
      return `base ${hex(node.baseAddress)}, span ${hex(node.span)}, model ${node.model}, ${node.flags & SMMU_COHERENT_WALK ? 'coherent walk' : 'non-coherent walk'}`;
    case 'smmu-v3': {
      const idx =
        node.flags & SMMU_V3_DEVICEID_VALID ? `, DeviceID index ${node.idMappingIndex}` : '';
      return `base ${hex(node.baseAddress)}, model ${node.model}, ${node.flags & SMMU_V3_COHACC_OVERRIDE ? 'COHACC (coherent)' : 'non-coherent'}${idx}`;
    }
    case 'pmcg':
      return `page0 ${hex(node.page0BaseAddress)}, overflow GSIV ${node.overflowGsiv}, node ${hex(node.nodeReference)}`;
    case 'rmr': {
      const descs = node.descriptors
        .map((d) => `[${hex(d.baseAddress)} +${hex(d.length)}]`)
        .join(' ');
      return `${node.rmrFlags & RMR_REMAP_PERMITTED ? 'remap permitted' : 'no remap'}, ${node.descriptors.length} region(s) ${descs}`;
    }
    case 'unknown':
      return 'unknown node type (ignored by the kernel)';
  }
}

/** Dump: one header line, then a line per node and an indented line per ID mapping. */
export function dumpIort(table: IortTable): string {
  const lines = [
    `IORT revision ${table.revision}, length ${hex(table.length)}, ${table.nodeCount} node(s) from ${hex(table.nodeOffset)}, OEM "${table.oemId.trimEnd()}" "${table.oemTableId.trimEnd()}"`,
  ];
  for (const node of table.nodes) {
    lines.push(`${nodeLabel(node)} rev ${node.revision}: ${nodeDetail(node)}`);
    const special = iortGetIdMappingIndex(node, []);
    node.mappings.forEach((m, i) => {
      lines.push(mappingLine(table, m, i === special));
    });
  }
  if (table.nodeCount > table.nodes.length) {
    lines.push(
      `(node_count ${table.nodeCount}, but only ${table.nodes.length} node(s) fit: the kernel warns "IORT node pointer overflows, bad table!")`,
    );
  }
  return `${lines.join('\n')}\n`;
}
