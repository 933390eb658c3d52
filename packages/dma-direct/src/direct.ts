// dma-direct: kernel/dma/direct.c and direct.h (6.10–6.12), plus dma_capable()/phys_to_dma()
// from include/linux/dma-direct.h and swiotlb_map().

import {
  type CoherentAllocation,
  type Device,
  DMA_ATTR_NO_KERNEL_MAPPING,
  DMA_ATTR_SKIP_CPU_SYNC,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  type DmaDataDirection,
  type DmaMapOps,
  dmaBitMask,
  dmaGetMinAlignMask,
  EIO,
  GFP_DMA,
  GFP_DMA32,
  getDmaMask,
  gfpflagsAllowBlocking,
  hex64,
  maskForEnd,
  minNotZero,
  minU64,
  PHYS_ADDR_ERROR,
  type ScatterlistEntry,
  SIZE_MAX,
  U64_MAX,
  warnOnce,
} from '@dmasim/dma-mapping';
import { hasZoneDma, PAGE_SIZE, type ZoneName, zoneOf } from './memory-zones.js';
import {
  allocZonePages,
  cmaAllocAligned,
  cmaRelease,
  freeZonePages,
  getOrder,
} from './page-alloc.js';
import { type DirectPlatform, swiotlbMemOf } from './platform.js';
import { dmaToPhysIndexed, physToDmaIndexed } from './range-index.js';
import {
  swiotlbAlloc,
  swiotlbFindPool,
  swiotlbFree,
  swiotlbSyncSingleForCpu,
  swiotlbSyncSingleForDevice,
  swiotlbTblMapSingle,
  swiotlbTblUnmapSingle,
} from './swiotlb.js';
import { swiotlbMaxMappingSize } from './swiotlb-pool.js';

const TWO64 = 1n << 64n;

/** phys_to_dma(): identity without a dma_range_map, DMA_MAPPING_ERROR outside every region. */
export function physToDma(dev: Device, phys: bigint): bigint {
  const map = dev.dmaRangeMap;
  return map === null ? phys : physToDmaIndexed(map, phys);
}

/** dma_to_phys(): (phys_addr_t)-1 outside every region. */
export function dmaToPhys(dev: Device, dma: bigint): bigint {
  const map = dev.dmaRangeMap;
  return map === null ? dma : dmaToPhysIndexed(map, dma);
}

/** min_not_zero(*dev->dma_mask, dev->bus_dma_limit), or -1n with no dma_mask pointer. */
function dmaLimit(dev: Device): bigint {
  const mask = getDmaMask(dev);
  if (mask === null) return -1n;
  const limit = dev.busDmaLimit;
  if (limit === 0n) return mask;
  if (mask === 0n) return limit;
  return minU64(mask, limit);
}

/** dma_capable() on a 64-bit dma_addr_t architecture. */
export function dmaCapable(dev: Device, addr: bigint, size: bigint, _isRam = true): boolean {
  if (addr === DMA_MAPPING_ERROR) return false;
  const limit = dmaLimit(dev);
  if (limit < 0n) return false;
  let end = addr + size - 1n;
  if (end >= TWO64) end -= TWO64;
  else if (end < 0n) end += TWO64;
  return end <= limit;
}

function overflowMessage(kind: 'DMA' | 'swiotlb', dev: Device, dma: bigint, size: bigint): string {
  const mask = getDmaMask(dev) ?? 0n;
  return `${kind} addr ${hex64(dma)}+${size} overflow (mask ${mask.toString(16)}, bus limit ${dev.busDmaLimit.toString(16)}).`;
}

/** kmalloc_size_roundup() for the small kmalloc caches (8-byte minimum alignment). */
function kmallocSizeRoundup(size: number): number {
  if (size <= 8) return 8;
  if (size <= 16) return 16;
  if (size <= 32) return 32;
  if (size <= 64) return 64;
  if (size <= 96) return 96;
  if (size <= 128) return 128;
  if (size <= 192) return 192;
  return 2 ** Math.ceil(Math.log2(size));
}

/** dma_kmalloc_needs_bounce(): a small non-coherent buffer may share cache lines with others. */
function kmallocNeedsBounce(
  plat: DirectPlatform,
  dev: Device,
  size: bigint,
  dir: DmaDataDirection,
): boolean {
  const c = plat.config;
  if (!c.bounceUnalignedKmalloc || dev.dmaCoherent || dir === DMA_TO_DEVICE) return false;
  if (size >= BigInt(2 * c.archDmaMinalign)) return false;
  return kmallocSizeRoundup(Number(size)) % c.cacheLineSize !== 0;
}

/** swiotlb_map(): bounce, then make sure the bounce buffer itself is reachable. */
export function swiotlbMap(
  plat: DirectPlatform,
  dev: Device,
  phys: bigint,
  size: bigint,
  dir: DmaDataDirection,
  attrs: number,
): bigint {
  const mem = swiotlbMemOf(plat, dev);
  const poolDmaStart = mem.pool ? physToDma(dev, mem.pool.start) : 0n;
  const tlb = swiotlbTblMapSingle(plat, dev, mem, poolDmaStart, phys, size, 0, dir, attrs);
  if (tlb === DMA_MAPPING_ERROR) return DMA_MAPPING_ERROR;
  const dma = physToDma(dev, tlb);
  if (!dmaCapable(dev, dma, size, true)) {
    swiotlbTblUnmapSingle(plat, dev, mem, tlb, size, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
    warnOnce(dev, 'swiotlb_map', overflowMessage('swiotlb', dev, dma, size));
    return DMA_MAPPING_ERROR;
  }
  if (!dev.dmaCoherent && !(attrs & DMA_ATTR_SKIP_CPU_SYNC)) plat.stats.cacheMaintenanceForDevice++;
  plat.stats.bounces++;
  return dma;
}

/** dma_direct_map_page(), taking the buffer's physical address. */
export function dmaDirectMapPage(
  plat: DirectPlatform,
  dev: Device,
  phys: bigint,
  size: bigint,
  dir: DmaDataDirection,
  attrs: number,
): bigint {
  const stats = plat.stats;
  const dma = physToDma(dev, phys);
  let ret: bigint;
  const mem = dev.restrictedPool === null ? plat.swiotlb : swiotlbMemOf(plat, dev);
  if (mem.forceBounce) {
    ret = swiotlbMap(plat, dev, phys, size, dir, attrs);
  } else if (!dmaCapable(dev, dma, size, true) || kmallocNeedsBounce(plat, dev, size, dir)) {
    if (mem.pool !== null) {
      ret = swiotlbMap(plat, dev, phys, size, dir, attrs);
    } else {
      warnOnce(dev, 'dma_direct_map_page', overflowMessage('DMA', dev, dma, size));
      ret = DMA_MAPPING_ERROR;
    }
  } else {
    if (!dev.dmaCoherent && !(attrs & DMA_ATTR_SKIP_CPU_SYNC)) stats.cacheMaintenanceForDevice++;
    ret = dma;
  }
  if (ret === DMA_MAPPING_ERROR) stats.mapFailures++;
  else stats.maps++;
  return ret;
}

/** dma_direct_sync_single_for_cpu() */
export function dmaDirectSyncSingleForCpu(
  plat: DirectPlatform,
  dev: Device,
  dma: bigint,
  size: bigint,
  dir: DmaDataDirection,
): void {
  const phys = dmaToPhys(dev, dma);
  if (!dev.dmaCoherent) plat.stats.cacheMaintenanceForCpu++;
  const mem = dev.restrictedPool === null ? plat.swiotlb : swiotlbMemOf(plat, dev);
  if (mem.pool !== null) swiotlbSyncSingleForCpu(plat, dev, mem, phys, size, dir);
}

/** dma_direct_sync_single_for_device() */
export function dmaDirectSyncSingleForDevice(
  plat: DirectPlatform,
  dev: Device,
  dma: bigint,
  size: bigint,
  dir: DmaDataDirection,
): void {
  const phys = dmaToPhys(dev, dma);
  const mem = dev.restrictedPool === null ? plat.swiotlb : swiotlbMemOf(plat, dev);
  if (mem.pool !== null) swiotlbSyncSingleForDevice(plat, dev, mem, phys, size, dir);
  if (!dev.dmaCoherent) plat.stats.cacheMaintenanceForDevice++;
}

/** dma_direct_unmap_page(): sync for the CPU (copying bounce data back), then free the slots. */
export function dmaDirectUnmapPage(
  plat: DirectPlatform,
  dev: Device,
  dma: bigint,
  size: bigint,
  dir: DmaDataDirection,
  attrs: number,
): void {
  const phys = dmaToPhys(dev, dma);
  const mem = dev.restrictedPool === null ? plat.swiotlb : swiotlbMemOf(plat, dev);
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC)) {
    if (!dev.dmaCoherent) plat.stats.cacheMaintenanceForCpu++;
    if (mem.pool !== null) swiotlbSyncSingleForCpu(plat, dev, mem, phys, size, dir);
  }
  if (mem.pool !== null && swiotlbFindPool(mem, phys)) {
    swiotlbTblUnmapSingle(plat, dev, mem, phys, size, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
  }
  plat.stats.unmaps++;
}

/** dma_direct_unmap_sg() */
export function dmaDirectUnmapSg(
  plat: DirectPlatform,
  dev: Device,
  sg: ScatterlistEntry[],
  nents: number,
  dir: DmaDataDirection,
  attrs: number,
): void {
  for (let i = 0; i < nents; i++) {
    const e = sg[i] as ScatterlistEntry;
    dmaDirectUnmapPage(plat, dev, e.dmaAddress, e.dmaLength, dir, attrs);
  }
}

/** dma_direct_map_sg(): every entry or nothing (-EIO, with what was mapped undone). */
export function dmaDirectMapSg(
  plat: DirectPlatform,
  dev: Device,
  sg: ScatterlistEntry[],
  nents: number,
  dir: DmaDataDirection,
  attrs: number,
): number {
  for (let i = 0; i < nents; i++) {
    const e = sg[i] as ScatterlistEntry;
    e.dmaAddress = dmaDirectMapPage(plat, dev, e.phys, e.length, dir, attrs);
    if (e.dmaAddress === DMA_MAPPING_ERROR) {
      dmaDirectUnmapSg(plat, dev, sg, i, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
      return -EIO;
    }
    e.dmaLength = e.length;
  }
  return nents;
}

/** dma_coherent_ok() */
export function dmaCoherentOk(dev: Device, phys: bigint, size: bigint): boolean {
  const dma = physToDma(dev, phys);
  if (dma === DMA_MAPPING_ERROR) return false;
  return dma + size - 1n <= minNotZero(dev.coherentDmaMask, dev.busDmaLimit);
}

/** dma_direct_optimal_gfp_mask(): the zone flag to try first and the physical limit. */
export function dmaDirectOptimalGfpMask(
  plat: DirectPlatform,
  dev: Device,
): { gfp: number; physLimit: bigint } {
  const dmaLimitC = minNotZero(dev.coherentDmaMask, dev.busDmaLimit);
  const physLimit = dmaToPhys(dev, dmaLimitC);
  if (physLimit <= plat.memory.zoneDmaLimit) return { gfp: GFP_DMA, physLimit };
  if (physLimit <= dmaBitMask(32)) return { gfp: GFP_DMA32, physLimit };
  return { gfp: 0, physLimit };
}

interface AllocatedPages {
  phys: bigint;
  source: 'pages' | 'cma' | 'swiotlb';
}

function countAlloc(plat: DirectPlatform, page: AllocatedPages): void {
  const s = plat.stats;
  const zone: ZoneName | null = zoneOf(plat.memory, page.phys);
  if (zone) s.allocsPerZone[zone]++;
  if (page.source === 'cma') s.allocsFromCma++;
  if (page.source === 'swiotlb') s.allocsFromSwiotlb++;
}

/** __dma_direct_alloc_pages(): CMA first, then the zone allocator with the retry order. */
function dmaDirectAllocPages(
  plat: DirectPlatform,
  dev: Device,
  size: bigint,
  gfpIn: number,
): AllocatedPages | null {
  const mem = swiotlbMemOf(plat, dev);
  if (mem.forAlloc && mem.pool !== null) {
    const poolDmaStart = physToDma(dev, mem.pool.start);
    const phys = swiotlbAlloc(plat, dev, mem, poolDmaStart, size);
    if (phys === null) return null;
    if (!dmaCoherentOk(dev, phys, size)) {
      swiotlbFree(plat, dev, mem, phys);
      return null;
    }
    return { phys, source: 'swiotlb' };
  }
  const opt = dmaDirectOptimalGfpMask(plat, dev);
  let gfp = gfpIn | opt.gfp;
  // dma_alloc_contiguous(): CMA only for sleeping callers and more than a page.
  if (plat.cma && gfpflagsAllowBlocking(gfp) && size > BigInt(PAGE_SIZE)) {
    const pfn = cmaAllocAligned(plat.cma, size);
    if (pfn >= 0) {
      const phys = BigInt(pfn) << 12n;
      if (dmaCoherentOk(dev, phys, size)) return { phys, source: 'cma' };
      cmaRelease(plat.cma, phys, size);
    }
  }
  const order = getOrder(size);
  const zones = plat.memory.zones;
  for (;;) {
    const got = allocZonePages(plat.pages, gfp, order);
    if (!got) return null;
    const phys = BigInt(got.pfn) << 12n;
    if (dmaCoherentOk(dev, phys, size)) return { phys, source: 'pages' };
    freeZonePages(plat.pages, got.pfn, order);
    if (zones.DMA32.configured && opt.physLimit < U64_MAX && !(gfp & (GFP_DMA32 | GFP_DMA))) {
      gfp |= GFP_DMA32;
    } else if (zones.DMA.configured && !(gfp & GFP_DMA)) {
      gfp = (gfp & ~GFP_DMA32) | GFP_DMA;
    } else return null;
  }
}

/** dma_direct_alloc(): a coherent buffer, or null. */
export function dmaDirectAlloc(
  plat: DirectPlatform,
  dev: Device,
  sizeIn: bigint,
  gfpIn: number,
  attrs: number,
): CoherentAllocation | null {
  const size = ((sizeIn + 4095n) / 4096n) * 4096n;
  const forAlloc = swiotlbMemOf(plat, dev).forAlloc;
  let remap = false;
  if (!dev.dmaCoherent && !(attrs & DMA_ATTR_NO_KERNEL_MAPPING && !forAlloc)) {
    const c = plat.config;
    if (!c.archHasSetUncached && !c.dmaDirectRemap) {
      warnOnce(dev, 'dma_direct_alloc', 'coherent DMA allocations not supported on this platform.');
      plat.stats.allocFailures++;
      return null;
    }
    remap = c.dmaDirectRemap;
  }
  // DMA_ATTR_NO_WARN's __GFP_NOWARN is not modelled: the page allocator model never warns.
  const page = dmaDirectAllocPages(plat, dev, size, gfpIn);
  if (!page) {
    plat.stats.allocFailures++;
    return null;
  }
  // arch_dma_prep_coherent(): the kernel alias is cleaned before the uncached view is used.
  if (!dev.dmaCoherent) {
    plat.stats.cacheMaintenanceForDevice++;
    if (remap) plat.stats.remappedAllocs++;
  }
  countAlloc(plat, page);
  return { cpuAddr: page.phys, dmaHandle: physToDma(dev, page.phys), size };
}

/** dma_direct_free() */
export function dmaDirectFree(
  plat: DirectPlatform,
  dev: Device,
  buf: CoherentAllocation,
  _attrs: number,
): void {
  const size = ((buf.size + 4095n) / 4096n) * 4096n;
  const phys = buf.cpuAddr;
  plat.stats.frees++;
  const mem = swiotlbMemOf(plat, dev);
  if (mem.forAlloc && swiotlbFree(plat, dev, mem, phys)) return;
  if (plat.cma && cmaRelease(plat.cma, phys, size)) return;
  freeZonePages(plat.pages, Number(phys >> 12n), getOrder(size));
}

/** The start of the last page of RAM: ((max_pfn - 1) << PAGE_SHIFT). */
function lastRamPage(plat: DirectPlatform): bigint {
  return (plat.memory.maxPfn - 1n) << 12n;
}

/** dma_direct_supported() */
export function dmaDirectSupported(plat: DirectPlatform, dev: Device, mask: bigint): boolean {
  if (mask >= dmaBitMask(32)) return true;
  let minMask = lastRamPage(plat);
  if (hasZoneDma(plat.memory) && plat.memory.zoneDmaLimit < minMask)
    minMask = plat.memory.zoneDmaLimit;
  return mask >= physToDma(dev, minMask);
}

/** dma_direct_get_required_mask() */
export function dmaDirectGetRequiredMask(plat: DirectPlatform, dev: Device): bigint {
  const maxDma = physToDma(dev, lastRamPage(plat));
  return maskForEnd(maxDma);
}

/** dma_direct_all_ram_mapped(): every RAM page has a dma_range_map region. */
export function dmaDirectAllRamMapped(plat: DirectPlatform, dev: Device): boolean {
  const map = dev.dmaRangeMap;
  if (!map) return true;
  for (const bank of plat.memory.banks) {
    let pfn = bank.start >> 12n;
    const endPfn = (bank.start + bank.size) >> 12n;
    while (pfn < endPfn) {
      const r = map.find(
        (m) =>
          m.size >> 12n !== 0n &&
          pfn >= m.cpuStart >> 12n &&
          pfn - (m.cpuStart >> 12n) < m.size >> 12n,
      );
      if (!r) return false;
      pfn = (r.cpuStart >> 12n) + (r.size >> 12n);
    }
  }
  return true;
}

/** dma_addressing_limited() for a dma-direct device. */
export function dmaAddressingLimited(plat: DirectPlatform, dev: Device): boolean {
  const mask = getDmaMask(dev) ?? dmaBitMask(32);
  if (minNotZero(mask, dev.busDmaLimit) < dmaDirectGetRequiredMask(plat, dev)) return true;
  return !dmaDirectAllRamMapped(plat, dev);
}

/** dma_direct_max_mapping_size() */
export function dmaDirectMaxMappingSize(plat: DirectPlatform, dev: Device): bigint {
  const mem = swiotlbMemOf(plat, dev);
  if (mem.pool !== null && (dmaAddressingLimited(plat, dev) || mem.forceBounce)) {
    return BigInt(swiotlbMaxMappingSize(Number(dmaGetMinAlignMask(dev) & 0xffff_ffffn)));
  }
  return SIZE_MAX;
}

/** dma_direct_need_sync() */
export function dmaDirectNeedSync(plat: DirectPlatform, dev: Device, dma: bigint): boolean {
  if (!dev.dmaCoherent) return true;
  const phys = dmaToPhys(dev, dma);
  return phys !== PHYS_ADDR_ERROR && swiotlbFindPool(swiotlbMemOf(plat, dev), phys) !== null;
}

/** dma-direct as a DmaMapOps the DMA API dispatcher can call. */
export function createDirectOps(plat: DirectPlatform): DmaMapOps {
  return {
    name: 'dma-direct',
    mapPage: (dev, phys, size, dir, attrs) => dmaDirectMapPage(plat, dev, phys, size, dir, attrs),
    unmapPage: (dev, dma, size, dir, attrs) => dmaDirectUnmapPage(plat, dev, dma, size, dir, attrs),
    mapSg: (dev, sg, nents, dir, attrs) => dmaDirectMapSg(plat, dev, sg, nents, dir, attrs),
    unmapSg: (dev, sg, nents, dir, attrs) => dmaDirectUnmapSg(plat, dev, sg, nents, dir, attrs),
    alloc: (dev, size, gfp, attrs) => dmaDirectAlloc(plat, dev, size, gfp, attrs),
    free: (dev, buf, attrs) => dmaDirectFree(plat, dev, buf, attrs),
    syncSingleForCpu: (dev, dma, size, dir) => dmaDirectSyncSingleForCpu(plat, dev, dma, size, dir),
    syncSingleForDevice: (dev, dma, size, dir) =>
      dmaDirectSyncSingleForDevice(plat, dev, dma, size, dir),
    supported: (dev, mask) => dmaDirectSupported(plat, dev, mask),
    getRequiredMask: (dev) => dmaDirectGetRequiredMask(plat, dev),
    maxMappingSize: (dev) => dmaDirectMaxMappingSize(plat, dev),
  };
}
