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

/** kvmalloc_node()'s limit on one allocation: INT_MAX bytes. */
const KVMALLOC_MAX_BYTES = 0x7fff_ffffn;

/**
 * __iommu_dma_alloc_pages(): the buffer is gathered from blocks of at most MAX_PAGE_ORDER pages,
 * highest order first. The IOMMU maps them as one run from the first block's address (the
 * simulator tracks IOVA and page tables, not which page backs which IOVA).
 */
function iommuPageAllocator(plat: DirectPlatform) {
  const blocks = new Map<bigint, Array<{ pfn: number; order: number }>>();
  return {
    allocPages(_dev: Device, size: bigint): bigint | null {
      // The array of page pointers comes first: kvcalloc(count, 8), which kvmalloc() refuses
      // past INT_MAX bytes (with a WARN), so a buffer of 1 TiB or more fails before any page is
      // taken. (The kernel's count is an unsigned int, which wraps from 2^44 bytes on; here
      // those sizes fail the same check.)
      const count = (size + 4095n) >> 12n;
      if (count * 8n > KVMALLOC_MAX_BYTES) return null;
      let pages = Number(count);
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
