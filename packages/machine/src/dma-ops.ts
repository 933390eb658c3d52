// The DMA API's implementations for a booted platform: dma-direct on its memory, dma-iommu for
// devices in DMA domains, with coherent buffers' pages taken from the same page allocator.
import {
  allocZonePages,
  createDirectOps,
  type DirectPlatform,
  freeZonePages,
  getOrder,
  MAX_PAGE_ORDER,
} from '@dmasim/dma-direct';
import { createDmaIommuOps, type IommuDmaDevice } from '@dmasim/dma-iommu';
import {
  type Device,
  DmaApiError,
  type DmaOpsTable,
  dmaDummyOps,
  GFP_KERNEL,
} from '@dmasim/dma-mapping';

/**
 * __iommu_dma_alloc_pages(): the buffer is gathered from blocks of at most MAX_PAGE_ORDER pages,
 * highest order first. The IOMMU maps them as one run from the first block's address (the
 * simulator tracks IOVA and page tables, not which page backs which IOVA).
 */
function iommuPageAllocator(plat: DirectPlatform) {
  const blocks = new Map<bigint, Array<{ pfn: number; order: number }>>();
  return {
    allocPages(_dev: Device, size: bigint): bigint | null {
      let pages = Number((size + 4095n) >> 12n);
      const got: Array<{ pfn: number; order: number }> = [];
      while (pages > 0) {
        let order = Math.min(getOrder(BigInt(pages) << 12n), MAX_PAGE_ORDER);
        // Fall back to smaller blocks when memory is fragmented.
        let block = allocZonePages(plat.pages, GFP_KERNEL, order);
        while (!block && order > 0) block = allocZonePages(plat.pages, GFP_KERNEL, --order);
        if (!block) {
          for (const b of got) freeZonePages(plat.pages, b.pfn, b.order);
          return null;
        }
        got.push({ pfn: block.pfn, order });
        if (got.length === 1) plat.stats.allocsPerZone[block.zone]++;
        pages -= 2 ** order;
      }
      const first = BigInt(got[0]!.pfn) << 12n;
      blocks.set(first, got);
      return first;
    },
    freePages(dev: Device, phys: bigint, _size: bigint): void {
      const got = blocks.get(phys);
      if (!got)
        throw new DmaApiError(`freeing ${phys.toString(16)}: not a dma-iommu buffer`, dev.name);
      blocks.delete(phys);
      for (const b of got) freeZonePages(plat.pages, b.pfn, b.order);
      plat.stats.frees++;
    },
  };
}

/**
 * The dispatcher's table: dma-direct on `plat`, dma-iommu through `lookup`. A machine without
 * RAM (a bootloader fills /memory in) gives dma-direct no lower bound: every mask is accepted.
 */
export function machineDmaOps(
  plat: DirectPlatform | null,
  lookup: (dev: Device) => IommuDmaDevice | null,
): DmaOpsTable {
  if (plat === null) return { direct: { ...dmaDummyOps, name: 'dma-direct', supported: null } };
  const pages = iommuPageAllocator(plat);
  return {
    direct: createDirectOps(plat),
    iommu: createDmaIommuOps({
      lookup(dev) {
        const ddev = lookup(dev);
        if (!ddev) throw new DmaApiError('device is not in a DMA domain', dev.name);
        return ddev;
      },
      allocPages: pages.allocPages,
      freePages: pages.freePages,
    }),
  };
}
