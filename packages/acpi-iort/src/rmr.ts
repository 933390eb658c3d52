// Reserved regions from IORT: RMR nodes (iort_find_rmrs() and helpers) and the HiSilicon Hi161x
// ITS MSI quirk (iort_iommu_msi_get_resv_regions()). ReservedRegion is @dmasim/iommu-core's.
import {
  addU64,
  type Device,
  FW_BUG,
  hex,
  type KernelLog,
  kcallocFits,
  logErr,
  logWarn,
  subU64,
} from '@dmasim/dma-mapping';
import {
  IOMMU_CACHE,
  IOMMU_MMIO,
  IOMMU_NOEXEC,
  IOMMU_PRIV,
  IOMMU_READ,
  IOMMU_WRITE,
  type ReservedRegion,
} from '@dmasim/iommu-core';
import { IORT_MSI_TYPE, iortNodeMapId } from './id-mapping.js';
import {
  type IortNode,
  type IortTable,
  nodeAt,
  parseIortFwnodeName,
  ptr,
  RMR_ACCESS_PRIVILEGE,
  RMR_REMAP_PERMITTED,
  type RmrDescriptor,
  type RmrNode,
  SMMU_V3_HISILICON_HI161X,
} from './iort-model.js';
import { NODE_POINTER_OVERFLOW } from './iort-reader.js';

/** An RMR region with the StreamIDs it applies to (struct iommu_iort_rmr_data). */
export interface RmrRegion extends ReservedRegion {
  readonly sids: readonly number[];
}

export interface RmrOptions {
  /** PAGE_SIZE used by the alignment fix-up; default 4 KiB. */
  pageSize?: bigint;
  /** pci_host_bridge->preserve_config for a PCI device's host bridge; default false. */
  preserveConfig?: boolean;
}

const SZ_64K = 0x10000n;
const ATTR_DEVICE_GRE = 0x03;
const ATTR_NORMAL_IWB_OWB = 0x05;

/** iort_rmr_desc_check_overlap(): FW_BUG reports only, nothing is dropped. */
function checkOverlap(descs: readonly RmrDescriptor[], log: KernelLog): void {
  descs.forEach((d, i) => {
    if (d.length === 0n) {
      logErr(
        log,
        `${FW_BUG}RMR descriptor[${hex(d.baseAddress)}] with zero length, continue anyway`,
      );
      return;
    }
    const end = subU64(addU64(d.baseAddress, d.length), 1n);
    for (const e of descs.slice(i + 1)) {
      const eEnd = subU64(addU64(e.baseAddress, e.length), 1n);
      if (d.baseAddress <= eEnd && end >= e.baseAddress) {
        logErr(
          log,
          `${FW_BUG}RMR descriptor[${hex(d.baseAddress)} - ${hex(end)}] overlaps, continue anyway`,
        );
      }
    }
  });
}

/** iort_rmr_alloc(): one region, page-aligned with a FW_BUG when not 64K aligned. */
function rmrRegion(
  d: RmrDescriptor,
  prot: number,
  type: ReservedRegion['type'],
  sids: number[],
  pageSize: bigint,
  log: KernelLog,
): RmrRegion {
  let start = d.baseAddress;
  let length = d.length;
  if (start % SZ_64K !== 0n || length % SZ_64K !== 0n) {
    const inPage = d.baseAddress % pageSize;
    start = d.baseAddress - inPage;
    length = addU64(addU64(length, inPage), pageSize - 1n) & ~(pageSize - 1n);
    logErr(
      log,
      `${FW_BUG}RMR descriptor[${hex(d.baseAddress)} - ${hex(subU64(addU64(d.baseAddress, d.length), 1n))}] not aligned to 64K, continue with [${hex(start)} - ${hex(subU64(addU64(start, length), 1n))}]`,
    );
  }
  // One array for all of a node's regions (the kernel copies it per region; nothing changes it).
  return { start, length, prot, type, sids };
}

/** iort_get_rmrs(): the regions of one RMR node, sharing its SIDs. */
function rmrRegions(node: RmrNode, sids: number[], pageSize: bigint, log: KernelLog): RmrRegion[] {
  checkOverlap(node.descriptors, log);
  const type = node.rmrFlags & RMR_REMAP_PERMITTED ? 'direct-relaxable' : 'direct';
  let prot = IOMMU_READ | IOMMU_WRITE;
  if (node.rmrFlags & RMR_ACCESS_PRIVILEGE) prot |= IOMMU_PRIV;
  const attr = (node.rmrFlags >> 2) & 0xff;
  if (attr <= ATTR_DEVICE_GRE) prot |= IOMMU_MMIO;
  else if (attr === ATTR_NORMAL_IWB_OWB) prot |= IOMMU_CACHE;
  return node.descriptors.map((d) => rmrRegion(d, prot, type, sids, pageSize, log));
}

/** iort_rmr_has_dev(): a PCI device needs preserve_config; then one of its IDs in range. */
function rmrHasDev(dev: Device, idStart: number, idCount: number, opts: RmrOptions): boolean {
  if (dev.pci && !opts.preserveConfig) return false;
  const last = (idStart + idCount) >>> 0;
  return (dev.fwspec?.ids ?? []).some((id) => id >= idStart && id <= last);
}

/**
 * iort_rmr_alloc_sids(): `sids` grown by `newCount` SIDs from idStart, in the kernel's u32
 * arithmetic (a count that wraps shrinks the array and fills nothing); false where
 * krealloc_array() would return NULL (past KMALLOC_MAX_SIZE), before anything is pushed.
 */
function rmrAllocSids(sids: number[], idStart: number, newCount: number): boolean {
  const total = (sids.length + newCount) >>> 0;
  if (!kcallocFits(BigInt(total), 4)) return false;
  if (total < sids.length) sids.length = total;
  for (let i = sids.length, id = idStart; i < total; i++, id++) sids.push(id >>> 0);
  return true;
}

/** iort_node_get_rmr_info() */
function rmrNodeInfo(
  node: RmrNode,
  iommu: IortNode,
  dev: Device | null,
  opts: RmrOptions,
  log: KernelLog,
): RmrRegion[] {
  if (!node.mappingOffset || node.mappings.length === 0) {
    logErr(log, `${FW_BUG}Invalid ID mapping, skipping RMR node ${ptr(node.offset)}`);
    return [];
  }
  if (!node.rmrOffset || node.descriptors.length === 0) return [];
  const sids: number[] = [];
  let allocated = false;
  for (const map of node.mappings) {
    // id_count 0 is one SID (the v6.0 skip of such mappings was fixed in v6.5).
    if (map.outputReference !== iommu.offset) continue;
    if (dev && !rmrHasDev(dev, map.outputBase, map.idCount, opts)) continue;
    // A failed allocation drops the whole node (the SIDs gathered so far with it).
    if (!rmrAllocSids(sids, map.outputBase, (map.idCount + 1) >>> 0)) return [];
    allocated = true;
  }
  if (!allocated) return [];
  return rmrRegions(node, sids, opts.pageSize ?? 0x1000n, log);
}

/**
 * iort_find_rmrs(): the RMR regions for an IOMMU node, limited to `dev`'s StreamIDs when a
 * device is given (dev NULL is iort_get_rmr_sids(), used by the SMMU driver for bypass STEs).
 * Only for table revision >= 5 (IORT E.d).
 */
export function iortFindRmrs(
  table: IortTable,
  iommu: IortNode,
  dev: Device | null,
  log: KernelLog,
  opts: RmrOptions = {},
): RmrRegion[] {
  if (table.revision < 5) return [];
  const regions: RmrRegion[] = [];
  for (const node of table.nodes) {
    if (node.type === 'rmr') regions.push(...rmrNodeInfo(node, iommu, dev, opts, log));
  }
  if (table.nodeCount > table.nodes.length) logWarn(log, NODE_POINTER_OVERFLOW);
  return regions;
}

/**
 * iort_iommu_msi_get_resv_regions(): only behind a HiSilicon Hi161x SMMUv3, each ITS of the
 * group the device's IDs map to reserves [base + 64K, 64K) for MSIs. `itsBase` gives an ITS's
 * base address by its identifier (the kernel learns it from the MADT).
 */
export function iortMsiResvRegions(
  table: IortTable,
  dev: Device,
  itsBase: (itsId: number) => bigint | undefined,
): ReservedRegion[] {
  const iommuOffset = dev.fwspec ? parseIortFwnodeName(dev.fwspec.iommuNode) : null;
  const iommu = iommuOffset === null ? undefined : nodeAt(table, iommuOffset);
  if (!dev.fwspec || !iommu || iommu.type !== 'smmu-v3' || iommu.model !== SMMU_V3_HISILICON_HI161X)
    return [];
  let its: IortNode | null = null;
  for (const id of dev.fwspec.ids) {
    its = iortNodeMapId(table, iommu, id, IORT_MSI_TYPE, dev.log).node;
    if (its) break;
  }
  if (its?.type !== 'its-group') return [];
  const regions: ReservedRegion[] = [];
  for (const id of its.identifiers) {
    const base = itsBase(id);
    if (base === undefined) continue;
    regions.push({
      start: addU64(base, SZ_64K),
      length: SZ_64K,
      prot: IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO,
      type: 'msi',
    });
  }
  return regions;
}

/** iort_iommu_get_resv_regions(): MSI quirk regions, then the device's RMR regions. */
export function iortIommuGetResvRegions(
  table: IortTable,
  dev: Device,
  opts: RmrOptions & { itsBase?: (itsId: number) => bigint | undefined } = {},
): ReservedRegion[] {
  if (!dev.fwspec) return [];
  const regions: ReservedRegion[] = iortMsiResvRegions(
    table,
    dev,
    opts.itsBase ?? (() => undefined),
  );
  const offset = parseIortFwnodeName(dev.fwspec.iommuNode);
  const iommu = offset === null ? undefined : nodeAt(table, offset);
  if (iommu) regions.push(...iortFindRmrs(table, iommu, dev, dev.log, opts));
  return regions;
}
