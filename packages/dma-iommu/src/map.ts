// Single mappings of drivers/iommu/dma-iommu.c: iommu_dma_map_page / unmap_page, map_resource,
// the coherent allocation path, and the __iommu_dma_map / __iommu_dma_unmap they share.
import {
  DMA_ATTR_PRIVILEGED,
  DMA_ATTR_SKIP_CPU_SYNC,
  DMA_BIDIRECTIONAL,
  DMA_FROM_DEVICE,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  type DmaDataDirection,
  dmaGetMask,
  logWarn,
  warnOnce,
} from '@dmasim/dma-mapping';
import {
  IOMMU_CACHE,
  IOMMU_MMIO,
  IOMMU_PRIV,
  IOMMU_READ,
  IOMMU_WRITE,
  iommuIotlbGatherInit,
  iommuIotlbSync,
  iommuIovaToPhys,
  iommuMap,
  iommuUnmapFast,
} from '@dmasim/iommu-core';
import { DmaIommuError, type IommuDmaDevice, initialisedCookie } from './cookie.js';
import { allocIovaPfn, freeIovaPfn } from './dma-iova.js';
import { iovaAlignedSpan, iovaPages, iovaPfn, pfnToAddr } from './iova-allocator.js';

/** dma_info_to_prot(): IOMMU prot bits for a direction, coherence and attributes. */
export function dmaInfoToProt(dir: DmaDataDirection, coherent: boolean, attrs: number): number {
  let prot = coherent ? IOMMU_CACHE : 0;
  if (attrs & DMA_ATTR_PRIVILEGED) prot |= IOMMU_PRIV;
  switch (dir) {
    case DMA_BIDIRECTIONAL:
      return prot | IOMMU_READ | IOMMU_WRITE;
    case DMA_TO_DEVICE:
      return prot | IOMMU_READ;
    case DMA_FROM_DEVICE:
      return prot | IOMMU_WRITE;
    default:
      return 0;
  }
}

function checkSize(ddev: IommuDmaDevice, size: bigint): void {
  if (size <= 0n) throw new DmaIommuError(ddev.dev.name, `mapping of ${size} bytes`);
}

/**
 * __iommu_dma_map(): allocate IOVA for the granule-aligned span around [phys, phys + size),
 * map it, and return the IOVA plus phys's offset in its granule; DMA_MAPPING_ERROR on failure.
 */
export function iommuDmaMapRaw(
  ddev: IommuDmaDevice,
  phys: bigint,
  size: bigint,
  prot: number,
  dmaMask: bigint,
): bigint {
  checkSize(ddev, size);
  const cookie = initialisedCookie(ddev);
  const { iovad } = cookie;
  const iovaOff = phys & iovad.granuleMask;
  const span = iovaAlignedSpan(iovad, iovaOff, size);
  const pages = iovaPages(iovad, span);
  const pfn = allocIovaPfn(ddev, cookie, pages, dmaMask);
  if (pfn === 0) {
    cookie.stats.mapFailures++;
    return DMA_MAPPING_ERROR;
  }
  const iova = pfnToAddr(iovad, pfn);
  if (iommuMap(ddev.domain, iova, phys - iovaOff, span, prot, ddev.dev.log) !== 0) {
    freeIovaPfn(ddev, cookie, pfn, pages, false);
    cookie.stats.mapFailures++;
    return DMA_MAPPING_ERROR;
  }
  cookie.stats.mapCalls++;
  return iova + iovaOff;
}

/**
 * __iommu_dma_unmap(): unmap the granule-aligned span without syncing (iommu_unmap_fast), then
 * sync the IOTLB now (strict) or leave it to the flush queue (lazy, gather->queued), and release
 * the IOVA the same way.
 */
export function iommuDmaUnmapRaw(ddev: IommuDmaDevice, dmaAddr: bigint, size: bigint): void {
  const cookie = initialisedCookie(ddev);
  const { iovad, gather } = cookie;
  const iovaOff = dmaAddr & iovad.granuleMask;
  const start = dmaAddr - iovaOff;
  const span = iovaAlignedSpan(iovad, iovaOff, size);
  iommuIotlbGatherInit(gather);
  const queued = cookie.fq !== null;
  gather.queued = queued;
  const unmapped = iommuUnmapFast(ddev.domain, start, span, gather, ddev.dev.log);
  if (!queued) iommuIotlbSync(ddev.domain, gather);
  if (unmapped !== span) {
    logWarn(ddev.dev.log, 'WARNING: at drivers/iommu/dma-iommu.c __iommu_dma_unmap');
  }
  cookie.stats.unmapCalls++;
  freeIovaPfn(ddev, cookie, iovaPfn(iovad, start), iovaPages(iovad, span), queued);
}

/** dev_use_swiotlb(): untrusted devices bounce (kmalloc bouncing is not modelled). */
function devUseSwiotlb(ddev: IommuDmaDevice): boolean {
  return ddev.untrusted;
}

/**
 * iommu_dma_map_page(): the DMA address for [phys, phys + size). An untrusted device's buffer
 * that is not granule-aligned at both ends is first bounced through swiotlb.
 */
export function iommuDmaMapPage(
  ddev: IommuDmaDevice,
  phys: bigint,
  size: bigint,
  dir: DmaDataDirection,
  attrs = 0,
): bigint {
  checkSize(ddev, size);
  const cookie = initialisedCookie(ddev);
  const coherent = ddev.dev.dmaCoherent;
  const prot = dmaInfoToProt(dir, coherent, attrs);
  const granuleMask = cookie.iovad.granuleMask;
  if (devUseSwiotlb(ddev) && ((phys | size) & granuleMask) !== 0n) {
    const swiotlb = ddev.swiotlb;
    if (!swiotlb?.active) {
      warnOnce(ddev.dev, 'DMA bounce buffers are inactive, unable to map unaligned transaction.');
      return DMA_MAPPING_ERROR;
    }
    phys = swiotlb.mapSingle(phys, size, granuleMask, dir);
    if (phys === DMA_MAPPING_ERROR) return DMA_MAPPING_ERROR;
    cookie.stats.bounces++;
  }
  if (!coherent && !(attrs & DMA_ATTR_SKIP_CPU_SYNC)) cookie.stats.cacheSyncs++;
  const iova = iommuDmaMapRaw(ddev, phys, size, prot, dmaGetMask(ddev.dev));
  if (iova === DMA_MAPPING_ERROR && ddev.swiotlb?.isBuffer(phys)) {
    ddev.swiotlb.unmapSingle(phys, size, dir);
  }
  return iova;
}

/** iommu_dma_unmap_page(): the reverse, releasing a bounce slot when there was one. */
export function iommuDmaUnmapPage(
  ddev: IommuDmaDevice,
  dmaHandle: bigint,
  size: bigint,
  dir: DmaDataDirection,
  attrs = 0,
): void {
  const cookie = initialisedCookie(ddev);
  const phys = iommuIovaToPhys(ddev.domain, dmaHandle);
  if (!phys) {
    logWarn(ddev.dev.log, 'WARNING: at drivers/iommu/dma-iommu.c iommu_dma_unmap_page');
    return;
  }
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && !ddev.dev.dmaCoherent) cookie.stats.cacheSyncs++;
  iommuDmaUnmapRaw(ddev, dmaHandle, size);
  if (ddev.swiotlb?.isBuffer(phys)) ddev.swiotlb.unmapSingle(phys, size, dir);
}

/** iommu_dma_map_resource(): MMIO (e.g. a peer's BAR) mapped without cacheability. */
export function iommuDmaMapResource(
  ddev: IommuDmaDevice,
  phys: bigint,
  size: bigint,
  dir: DmaDataDirection,
  attrs = 0,
): bigint {
  return iommuDmaMapRaw(
    ddev,
    phys,
    size,
    dmaInfoToProt(dir, false, attrs) | IOMMU_MMIO,
    dmaGetMask(ddev.dev),
  );
}

/** iommu_dma_unmap_resource() */
export function iommuDmaUnmapResource(ddev: IommuDmaDevice, handle: bigint, size: bigint): void {
  iommuDmaUnmapRaw(ddev, handle, size);
}

/**
 * iommu_dma_alloc() once the memory exists: map the physically contiguous buffer at `phys`
 * bidirectionally below the coherent mask. Page allocation itself is the caller's.
 */
export function iommuDmaAlloc(ddev: IommuDmaDevice, phys: bigint, size: bigint, attrs = 0): bigint {
  const cookie = initialisedCookie(ddev);
  const coherent = ddev.dev.dmaCoherent;
  if (!coherent) cookie.stats.cacheSyncs++; // arch_dma_prep_coherent()
  return iommuDmaMapRaw(
    ddev,
    phys,
    size,
    dmaInfoToProt(DMA_BIDIRECTIONAL, coherent, attrs),
    ddev.dev.coherentDmaMask,
  );
}

/** iommu_dma_free(): unmap a coherent buffer. */
export function iommuDmaFree(ddev: IommuDmaDevice, handle: bigint, size: bigint): void {
  iommuDmaUnmapRaw(ddev, handle, size);
}
