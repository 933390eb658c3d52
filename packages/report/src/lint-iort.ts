// IORT lint: the table mistakes the kernel's IORT code warns about or silently works around,
// located by table offset (node, ID mapping or RMR descriptor).
import {
  ID_SINGLE_MAPPING,
  type IortIdMapping,
  type IortNode,
  type IortTable,
  iortGetIdMappingIndex,
  nodeLabel,
} from '@dmasim/acpi-iort';
import { addU64, FW_BUG, hex, subU64 } from '@dmasim/dma-mapping';
import type { Finding } from './finding.js';

export interface IortLintOptions {
  /** The kernel release the costs are stated for, e.g. "6.12". */
  kernel: string;
}

const ID_MAPPING_SIZE = 20;
const RMR_DESC_SIZE = 20;
const SZ_64K = 0x10000n;
const PAGE_SIZE = 0x1000n;

const at = (offset: number) => `IORT+0x${offset.toString(16)}`;

function mappingOffset(node: IortNode, index: number): number {
  return node.offset + node.mappingOffset + index * ID_MAPPING_SIZE;
}

/** memory_address_limit 0 on a named component or a revision >= 1 root complex. */
function missingLimit(node: IortNode, opts: IortLintOptions): Finding[] {
  const isNc = node.type === 'named-component';
  const isRc = node.type === 'root-complex' && node.revision >= 1;
  if (!(isNc || isRc) || node.memoryAddressLimit !== 0) return [];
  const what = isNc ? 'Named component' : 'Root complex';
  return [
    {
      rule: 'iort-memory-limit-zero',
      severity: 'warning',
      where: at(node.offset),
      summary: `${nodeLabel(node)} has memory_address_limit 0`,
      kernelMessage: `${FW_BUG}${what} missing memory address limit`,
      cost: `under ${opts.kernel} its devices get no bus_dma_limit (the driver's mask alone decides) and ZONE_DMA ignores the node: if the interconnect has fewer address lines, DMA above them goes astray`,
      fix: 'set memory_address_limit to the number of address bits the device reaches',
    },
  ];
}

/** A limit in a revision 0 root complex: rc_dma_get_range() reads it only from revision 1. */
function limitInRevision0(node: IortNode, opts: IortLintOptions): Finding[] {
  if (node.type !== 'root-complex' || node.revision !== 0 || node.memoryAddressLimit === 0) {
    return [];
  }
  return [
    {
      rule: 'iort-rc-revision0-limit',
      severity: 'warning',
      where: at(node.offset),
      summary: `${nodeLabel(node)} is revision 0 but gives a ${node.memoryAddressLimit}-bit memory address limit`,
      kernelMessage: null,
      cost: `under ${opts.kernel} the limit is ignored without a message: PCI functions get no bus_dma_limit and ZONE_DMA does not account for them`,
      fix: 'raise the root complex node revision to 1 or later (the field exists from revision 1)',
    },
  ];
}

/** RMR descriptors the kernel rounds to pages with a FW_BUG (it wants 64K alignment). */
function unalignedRmr(node: IortNode, opts: IortLintOptions): Finding[] {
  if (node.type !== 'rmr') return [];
  return node.descriptors.flatMap((d, i) => {
    if (d.baseAddress % SZ_64K === 0n && d.length % SZ_64K === 0n) return [];
    const last = subU64(addU64(d.baseAddress, d.length), 1n);
    const start = d.baseAddress - (d.baseAddress % PAGE_SIZE);
    const length =
      addU64(addU64(d.length, d.baseAddress % PAGE_SIZE), PAGE_SIZE - 1n) & ~(PAGE_SIZE - 1n);
    const end = subU64(addU64(start, length), 1n);
    return [
      {
        rule: 'iort-rmr-unaligned',
        severity: 'warning' as const,
        where: at(node.offset + node.rmrOffset + i * RMR_DESC_SIZE),
        summary: `RMR descriptor ${hex(d.baseAddress)} length ${hex(d.length)} is not 64K aligned`,
        kernelMessage: `${FW_BUG}RMR descriptor[${hex(d.baseAddress)} - ${hex(last)}] not aligned to 64K, continue with [${hex(start)} - ${hex(end)}]`,
        cost: `under ${opts.kernel} the identity mapping covers ${hex(start)}-${hex(end)} with 4K pages: with a 64K-granule SMMU the region cannot be mapped exactly, and neighbouring memory becomes reachable`,
        fix: 'align the region base and length to 64 KiB',
      },
    ];
  });
}

function isSmmu(node: IortNode): boolean {
  return node.type === 'smmu' || node.type === 'smmu-v3';
}

/** SINGLE mappings on an SMMU node (other than its own-ID mapping): the kernel skips them. */
function singleOnSmmu(node: IortNode, opts: IortLintOptions): Finding[] {
  if (!isSmmu(node)) return [];
  const ownId = iortGetIdMappingIndex(node, []);
  const typeCode = node.type === 'smmu' ? 3 : 4;
  return node.mappings.flatMap((m, i) => {
    if (!(m.flags & ID_SINGLE_MAPPING) || i === ownId) return [];
    const offset = mappingOffset(node, i);
    return [
      {
        rule: 'iort-single-mapping-on-smmu',
        severity: 'error' as const,
        where: at(offset),
        summary: `ID mapping ${i} of ${nodeLabel(node)} has the SINGLE flag`,
        kernelMessage: `${FW_BUG}[map 0x${offset.toString(16)}] SINGLE MAPPING flag not allowed for node type ${typeCode}, skipping ID map`,
        cost: `under ${opts.kernel} the mapping is skipped: stream IDs that should pass through it to ${hex(m.outputBase)} get no output ID (their MSIs have no ITS device ID)`,
        fix: 'clear the SINGLE flag and give the input range (input base, ID count)',
      },
    ];
  });
}

function lastId(m: IortIdMapping): number {
  return (m.inputBase + m.idCount) >>> 0;
}

/** Input ranges of one node's ID mappings that overlap. */
function overlappingMappings(node: IortNode, opts: IortLintOptions): Finding[] {
  const ownId = iortGetIdMappingIndex(node, []);
  const ranged = node.mappings
    .map((m, i) => ({ m, i }))
    .filter(({ m, i }) => !(m.flags & ID_SINGLE_MAPPING) && i !== ownId);
  const findings: Finding[] = [];
  for (let a = 0; a < ranged.length; a++) {
    for (let b = a + 1; b < ranged.length; b++) {
      const first = ranged[a]!;
      const second = ranged[b]!;
      const lo = Math.max(first.m.inputBase, second.m.inputBase);
      const hi = Math.min(lastId(first.m), lastId(second.m));
      if (lo > hi) continue;
      // The common off-by-one: id_count written as the count, touching the next mapping's base.
      const offByOne = lo === hi && lo === lastId(first.m) && lo === second.m.inputBase;
      const idText =
        lo === hi ? `ID 0x${lo.toString(16)}` : `IDs 0x${lo.toString(16)}-0x${hi.toString(16)}`;
      findings.push({
        rule: 'iort-id-mapping-overlap',
        severity: offByOne ? 'warning' : 'error',
        where: at(mappingOffset(node, second.i)),
        summary: `ID mappings ${first.i} and ${second.i} of ${nodeLabel(node)} both take input ${idText}`,
        kernelMessage: offByOne
          ? `${FW_BUG}[map 0x${mappingOffset(node, second.i).toString(16)}] conflicting mapping for input ID 0x${lo.toString(16)}`
          : null,
        cost: offByOne
          ? `under ${opts.kernel} the kernel assumes id_count was written as the count and applies its workaround (the later mapping wins for ${idText})`
          : `under ${opts.kernel} ${idText} silently take mapping ${first.i} (the first match): mapping ${second.i} never applies to them`,
        fix: offByOne
          ? `write id_count ${hex(first.m.idCount - 1)} in mapping ${first.i} (it is the number of IDs minus one)`
          : 'make the input ranges disjoint',
      });
    }
  }
  return findings;
}

/** Every IORT rule over every node. */
export function lintIort(table: IortTable, opts: IortLintOptions): Finding[] {
  return table.nodes.flatMap((node) => [
    ...missingLimit(node, opts),
    ...limitInRevision0(node, opts),
    ...unalignedRmr(node, opts),
    ...singleOnSmmu(node, opts),
    ...overlappingMappings(node, opts),
  ]);
}
