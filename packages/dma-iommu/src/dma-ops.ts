// iommu_dma_ops: dma-iommu behind the DMA API dispatcher's DmaMapOps interface.
import {
  type CoherentAllocation,
  type Device,
  DMA_MAPPING_ERROR,
  type DmaMapOps,
} from '@dmasim/dma-mapping';
import type { IommuDmaDevice } from './cookie.js';
import { iommuDmaAlloc, iommuDmaFree, iommuDmaMapPage, iommuDmaUnmapPage } from './map.js';
import { iommuDmaMapSg, iommuDmaUnmapSg } from './map-sg.js';

export interface DmaIommuOpsContext {
  /** The dma-iommu state iommu_setup_dma_ops() attached to a device. */
  lookup(dev: Device): IommuDmaDevice;
  /** Backing pages for a coherent buffer: a physical address, or null when memory is short. */
  allocPages(dev: Device, size: bigint): bigint | null;
  freePages(dev: Device, phys: bigint, size: bigint): void;
}

/** iommu_dma_ops for the dispatcher; the caller supplies device lookup and page allocation. */
export function createDmaIommuOps(ctx: DmaIommuOpsContext): DmaMapOps {
  return {
    name: 'iommu-dma',
    mapPage: (dev, phys, size, dir, attrs) =>
      iommuDmaMapPage(ctx.lookup(dev), phys, size, dir, attrs),
    unmapPage: (dev, dma, size, dir, attrs) =>
      iommuDmaUnmapPage(ctx.lookup(dev), dma, size, dir, attrs),
    mapSg: (dev, sg, nents, dir, attrs) => iommuDmaMapSg(ctx.lookup(dev), sg, nents, dir, attrs),
    unmapSg: (dev, sg, nents, dir, attrs) =>
      iommuDmaUnmapSg(ctx.lookup(dev), sg, nents, dir, attrs),
    alloc(dev, size, _gfp, attrs): CoherentAllocation | null {
      const phys = ctx.allocPages(dev, size);
      if (phys === null) return null;
      const dmaHandle = iommuDmaAlloc(ctx.lookup(dev), phys, size, attrs);
      if (dmaHandle === DMA_MAPPING_ERROR) {
        ctx.freePages(dev, phys, size);
        return null;
      }
      return { cpuAddr: phys, dmaHandle, size };
    },
    free(dev, buf) {
      iommuDmaFree(ctx.lookup(dev), buf.dmaHandle, buf.size);
      ctx.freePages(dev, buf.cpuAddr, buf.size);
    },
    // dma_supported() answers true for dma-iommu devices; required mask and max size default.
    supported: null,
    getRequiredMask: null,
    maxMappingSize: null,
  };
}
