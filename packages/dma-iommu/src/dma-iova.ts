// iommu_dma_alloc_iova() / iommu_dma_free_iova(): DMA-API sizes and limits onto the IOVA
// allocator, with the below-4-GiB first try for PCI devices. The pfn forms are what the map and
// unmap paths use, so that an address becomes a pfn (and back) once per call, not at each layer.
import { logInfo, minNotZero, minU64, U32_MAX } from '@dmasim/dma-mapping';
import {
  DmaIommuError,
  type InitialisedCookie,
  type IommuDmaCookie,
  type IommuDmaDevice,
  initialisedCookie,
} from './cookie.js';
import { queueIova } from './flush-queue.js';
import { iovaPages, iovaPfn, pfnToAddr } from './iova-allocator.js';
import { allocIovaFast, freeIovaFast } from './iova-rcache.js';

/** bits_per(): bits needed to hold n (1 for 0). */
function bitsPer(n: bigint): number {
  return n === 0n ? 1 : n.toString(2).length;
}

/**
 * iommu_dma_alloc_iova() in pfns: the first pfn of `pages` granules at or below
 * min_not_zero(dmaLimit, bus_dma_limit), clipped to the aperture; 0 on failure. A PCI device
 * first tries below 4 GiB until that fails once, which it announces and never retries.
 */
export function allocIovaPfn(
  ddev: IommuDmaDevice,
  cookie: InitialisedCookie,
  pages: number,
  dmaLimit: bigint,
): number {
  const { iovad, rcaches } = cookie;
  let limit = minNotZero(dmaLimit, ddev.dev.busDmaLimit);
  const { geometry } = ddev.domain;
  if (geometry.forceAperture) limit = minU64(limit, geometry.apertureEnd);

  if (limit > U32_MAX && ddev.pci32BitWorkaround) {
    // U32_MAX >> shift: the pfn below dma_32bit_pfn.
    const pfn = allocIovaFast(rcaches, pages, iovad.dma32BitPfn - 1, false, ddev.cpu);
    if (pfn) return pfn;
    ddev.pci32BitWorkaround = false;
    logInfo(ddev.dev.log, `Using ${bitsPer(limit)}-bit DMA addresses`);
  }
  return allocIovaFast(rcaches, pages, iovaPfn(iovad, limit), true, ddev.cpu);
}

/**
 * iommu_dma_alloc_iova(): an IOVA for `size` bytes (a granule multiple) at or below
 * min_not_zero(dmaLimit, bus_dma_limit), clipped to the aperture; 0n on failure.
 */
export function iommuDmaAllocIova(ddev: IommuDmaDevice, size: bigint, dmaLimit: bigint): bigint {
  const cookie = initialisedCookie(ddev);
  const pages = iovaPages(cookie.iovad, size);
  if (pages < 1) {
    throw new DmaIommuError(ddev.dev.name, `IOVA allocation of ${size} bytes (below a granule)`);
  }
  return pfnToAddr(cookie.iovad, allocIovaPfn(ddev, cookie, pages, dmaLimit));
}

/**
 * iommu_dma_free_iova() in pfns: straight back to the caches, or onto the flush queue when the
 * unmap was queued (DMA-FQ) so the range is reused only after an IOTLB flush.
 */
export function freeIovaPfn(
  ddev: IommuDmaDevice,
  cookie: InitialisedCookie,
  pfn: number,
  pages: number,
  queued: boolean,
): void {
  if (queued && cookie.fq) {
    queueIova(cookie.fq, ddev.domain, cookie.rcaches, pfn, pages, ddev.cpu, cookie.clock.nowMs);
  } else {
    freeIovaFast(cookie.rcaches, pfn, pages, ddev.cpu);
  }
}

/** iommu_dma_free_iova(): release `size` bytes at `iova`, queued or not. */
export function iommuDmaFreeIova(
  ddev: IommuDmaDevice,
  cookie: IommuDmaCookie,
  iova: bigint,
  size: bigint,
  queued: boolean,
): void {
  const iovad = cookie.iovad!;
  freeIovaPfn(
    ddev,
    cookie as InitialisedCookie,
    iovaPfn(iovad, iova),
    iovaPages(iovad, size),
    queued,
  );
}
