// of_iommu_get_resv_regions() (drivers/iommu/of_iommu.c, Linux 6.3+): the reserved-memory
// regions a device's `memory-region` list points at that carry `iommu-addresses` entries for the
// device. With a `reg` that equals the IOVA range the region is `direct` (identity-mapped at
// attach); without a `reg`, or with a different one, only the IOVA range is `reserved`.
import { type KernelLog, logErr, logWarn } from '@dmasim/dma-mapping';
import {
  IOMMU_CACHE,
  IOMMU_READ,
  IOMMU_WRITE,
  type ReservedRegion,
  type ResvType,
} from '@dmasim/iommu-core';
import { ofGetDmaParent, ofTranslateDmaAddress } from './address.js';
import { ofBusNAddrCells, ofBusNSizeCells, propertyCells, readNumber } from './bus.js';
import { ofDmaIsCoherent } from './coherent.js';
import { OF_BAD_ADDR } from './of-bad-addr.js';
import { findNodeByPhandle, type OfContext } from './of-context.js';
import { type OfResource, ofAddressToResource } from './resource.js';
import { type DtNode, getProperty, hasProperty } from './tree.js';

const h16 = (v: bigint) => `0x${v.toString(16).padStart(16, '0')}`;

/** %pr of a memory resource: `[mem 0x...-0x... flags 0x...]`. */
function rawResource(res: OfResource): string {
  return `[mem 0x${res.start.toString(16)}-0x${res.end.toString(16)} flags 0x${res.flags.toString(16)}]`;
}

// iommu_resv_region_get_type()
function resvRegionType(
  phys: OfResource | null,
  start: bigint,
  length: bigint,
  log: KernelLog,
): ResvType {
  if (phys === null || phys.start >= phys.end) return 'reserved';
  const end = BigInt.asUintN(64, start + length - 1n);
  if (start === phys.start && end === phys.end) return 'direct';
  logWarn(
    log,
    `treating non-direct mapping ${rawResource(phys)} -> [${h16(start)}-${h16(end)}] as reservation`,
  );
  return 'reserved';
}

export interface OfIommuResvOptions {
  /** dma_default_coherent of the arch, for of_dma_is_coherent(dev->of_node). */
  defaultCoherent: boolean;
}

/**
 * of_iommu_get_resv_regions(dev): for each `memory-region` phandle of `devNode` (the device's own
 * node; for a PCI function, its DT child node) with `iommu-addresses`, every entry naming
 * `devNode` becomes a region; the address and size use the cell counts of the entry's node's DMA
 * parent and translate through its dma-ranges (of_translate_dma_region). Entries for other
 * devices are skipped one cell at a time, as the kernel's loop does. Kernel messages go to `log`.
 */
export function ofIommuGetResvRegions(
  ctx: OfContext,
  devNode: DtNode | null,
  options: OfIommuResvOptions,
  log: KernelLog,
): ReservedRegion[] {
  const regions: ReservedRegion[] = [];
  const list = devNode ? getProperty(devNode, 'memory-region') : undefined;
  if (!devNode || !list) return regions;
  for (const phandle of propertyCells(list)) {
    if (phandle === 0) continue;
    const region = findNodeByPhandle(ctx, phandle);
    if (!region) {
      // of_phandle_iterator_next() fails and ends the walk.
      logErr(log, `${devNode.path}: could not find phandle ${phandle}`);
      break;
    }
    let phys: OfResource | null = null;
    if (hasProperty(region, 'reg')) {
      const res = ofAddressToResource(ctx, region, 0);
      if (res.ret) {
        logErr(log, `failed to parse memory region ${region.path}: ${res.ret}`);
        continue;
      }
      phys = res.resource;
    }
    const prop = getProperty(region, 'iommu-addresses');
    if (!prop) continue;
    const maps = propertyCells(prop);
    for (let at = 0; at < maps.length; ) {
      const np = findNodeByPhandle(ctx, maps[at++]!);
      if (np !== devNode) continue;
      let prot = IOMMU_READ | IOMMU_WRITE;
      if (ofDmaIsCoherent(ctx, devNode, options.defaultCoherent)) prot |= IOMMU_CACHE;
      // of_translate_dma_region()
      const dmaParent = ofGetDmaParent(ctx, np);
      const na = dmaParent ? ofBusNAddrCells(dmaParent) : 0;
      const ns = dmaParent ? ofBusNSizeCells(dmaParent) : 0;
      if (!dmaParent || at + na + ns > maps.length) {
        // The kernel reads past the property here; report it instead.
        logErr(log, `${region.path}: iommu-addresses entry for ${np.path} is truncated`);
        break;
      }
      const iova = ofTranslateDmaAddress(ctx, np, maps.slice(at, at + na));
      if (iova === OF_BAD_ADDR) {
        // of_translate_dma_region() returns NULL, which the kernel's loop then dereferences.
        logErr(log, `${region.path}: iommu-addresses entry for ${np.path} does not translate`);
        break;
      }
      const length = readNumber(maps, at + na, ns);
      at += na + ns;
      if (length === 0n) {
        logWarn(log, 'Cannot reserve IOVA region of 0 size');
        continue;
      }
      regions.push({ start: iova, length, prot, type: resvRegionType(phys, iova, length, log) });
    }
  }
  return regions;
}
