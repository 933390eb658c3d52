// iommu_dma_alloc_iova() / iommu_dma_free_iova(): DMA-API sizes and limits onto the IOVA
// allocator, with the below-4-GiB first try for PCI devices.
import { logInfo, minNotZero, minU64, U32_MAX } from '@dmasim/dma-mapping';
import {
  DmaIommuError,
  type IommuDmaCookie,
  type IommuDmaDevice,
  initialisedCookie,
} from './cookie.js';
import { queueIova } from './flush-queue.js';
import { iovaPfn, pfnToAddr } from './iova-allocator.js';
import { allocIovaFast, freeIovaFast } from './iova-rcache.js';

/** bits_per(): bits needed to hold n (1 for 0). */
function bitsPer(n: bigint): number {
  return n === 0n ? 1 : n.toString(2).length;
}

/**
 * iommu_dma_alloc_iova(): an IOVA for `size` bytes (a granule multiple) at or below
 * min_not_zero(dmaLimit, bus_dma_limit), clipped to the aperture; 0n on failure. A PCI device
 * first tries below 4 GiB until that fails once, which it announces and never retries.
 */
export function iommuDmaAllocIova(ddev: IommuDmaDevice, size: bigint, dmaLimit: bigint): bigint {
  const { iovad, rcaches } = initialisedCookie(ddev);
  const shift = BigInt(iovad.shift);
  const iovaLen = Number(size >> shift);
  if (iovaLen < 1) {
    throw new DmaIommuError(ddev.dev.name, `IOVA allocation of ${size} bytes (below a granule)`);
  }
  let limit = minNotZero(dmaLimit, ddev.dev.busDmaLimit);
  const { geometry } = ddev.domain;
  if (geometry.forceAperture) limit = minU64(limit, geometry.apertureEnd);

  if (limit > U32_MAX && ddev.pci32BitWorkaround) {
    const pfn = allocIovaFast(rcaches, iovaLen, Number(U32_MAX >> shift), false, ddev.cpu);
    if (pfn) return pfnToAddr(iovad, pfn);
    ddev.pci32BitWorkaround = false;
    logInfo(ddev.dev.log, `Using ${bitsPer(limit)}-bit DMA addresses`);
  }
  const pfn = allocIovaFast(rcaches, iovaLen, Number(limit >> shift), true, ddev.cpu);
  return pfnToAddr(iovad, pfn);
}

/**
 * iommu_dma_free_iova(): straight back to the caches, or onto the flush queue when the unmap
 * was queued (DMA-FQ) so the range is reused only after an IOTLB flush.
 */
export function iommuDmaFreeIova(
  ddev: IommuDmaDevice,
  cookie: IommuDmaCookie,
  iova: bigint,
  size: bigint,
  queued: boolean,
): void {
  const iovad = cookie.iovad!;
  const rcaches = cookie.rcaches!;
  const pfn = iovaPfn(iovad, iova);
  const pages = Number(size >> BigInt(iovad.shift));
  if (queued && cookie.fq) {
    queueIova(cookie.fq, ddev.domain, rcaches, pfn, pages, ddev.cpu, cookie.clock.nowMs);
  } else {
    freeIovaFast(rcaches, pfn, pages, ddev.cpu);
  }
}
