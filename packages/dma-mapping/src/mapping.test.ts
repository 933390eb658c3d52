import { describe, expect, it } from 'vitest';
import { DMA_MAPPING_ERROR } from './bus-dma-region.js';
import { createDevice } from './device.js';
import { EINVAL, EIO } from './errno.js';
import {
  DMA_BIDIRECTIONAL,
  DMA_TO_DEVICE,
  DmaApiError,
  type DmaMapOps,
  type DmaOpsTable,
  dmaAllocCoherent,
  dmaGetRequiredMask,
  dmaMapSg,
  dmaMapSgtable,
  dmaMapSingle,
  dmaMaxMappingSize,
  dmaSetCoherentMask,
  dmaSetMask,
  dmaSetMaskAndCoherent,
  dmaSupported,
  GFP_DMA,
  GFP_KERNEL,
} from './mapping.js';
import { dmaBitMask } from './u64.js';

/** Ops that record what reached them; `minMask` is the smallest mask they accept. */
function recordingOps(name: string, minMask: bigint, calls: string[]): DmaMapOps {
  return {
    name,
    mapPage: (_d, phys) => {
      calls.push(`${name}:map`);
      return phys;
    },
    unmapPage: () => calls.push(`${name}:unmap`),
    mapSg: (_d, _sg, nents) => {
      calls.push(`${name}:map_sg`);
      return nents;
    },
    unmapSg: () => calls.push(`${name}:unmap_sg`),
    alloc: (_d, size, gfp) => {
      calls.push(`${name}:alloc gfp=${gfp}`);
      return { cpuAddr: 0x1000n, dmaHandle: 0x1000n, size };
    },
    free: () => calls.push(`${name}:free`),
    supported: (_d, mask) => mask >= minMask,
    getRequiredMask: () => dmaBitMask(40),
    maxMappingSize: () => 0x4_0000n,
  };
}

describe('DMA API dispatch', () => {
  const calls: string[] = [];
  const table: DmaOpsTable = {
    direct: recordingOps('direct', dmaBitMask(30), calls),
    iommu: recordingOps('iommu', dmaBitMask(64), calls),
  };

  it('goes to dma-direct, or to dma-iommu when dev.dmaIommu is set', () => {
    calls.length = 0;
    const dev = createDevice({ name: 'd', bus: 'platform' });
    dmaMapSingle(table, dev, 0x1000n, 4096n, DMA_TO_DEVICE);
    dev.dmaIommu = true;
    dmaMapSingle(table, dev, 0x1000n, 4096n, DMA_TO_DEVICE);
    expect(calls).toEqual(['direct:map', 'iommu:map']);
    // dma-iommu devices: any mask, a 32-bit required mask, its own max mapping size.
    expect(dmaSupported(table, dev, dmaBitMask(24))).toBe(true);
    expect(dmaGetRequiredMask(table, dev)).toBe(dmaBitMask(32));
    expect(dmaMaxMappingSize(table, dev)).toBe(0x4_0000n);
  });

  it('dma_set_mask: -EIO below what the implementation supports, mask unchanged', () => {
    const dev = createDevice({ name: 'd', bus: 'platform' });
    expect(dmaSetMask(table, dev, dmaBitMask(29))).toBe(-EIO);
    expect(dev.coherentDmaMask).toBe(dmaBitMask(32));
    expect(dmaSetMaskAndCoherent(table, dev, dmaBitMask(64))).toBe(0);
    expect(dev.coherentDmaMask).toBe(dmaBitMask(64));
    expect(dmaSetCoherentMask(table, dev, dmaBitMask(20))).toBe(-EIO);
    const noMask = createDevice({ name: 'n', bus: 'platform' });
    noMask.dmaMask = { kind: 'null' };
    expect(dmaSetMask(table, noMask, dmaBitMask(64))).toBe(-EIO);
  });

  it('dma_alloc_attrs drops zone flags: the implementation picks the zone', () => {
    calls.length = 0;
    const dev = createDevice({ name: 'd', bus: 'platform' });
    dmaAllocCoherent(table, dev, 4096n, GFP_KERNEL | GFP_DMA);
    expect(calls).toEqual([`direct:alloc gfp=${GFP_KERNEL}`]);
  });

  it('dummy ops fail everything', () => {
    const dev = createDevice({ name: 'dummy', bus: 'platform' });
    dev.dmaOps = 'dummy';
    expect(dmaMapSingle(table, dev, 0x1000n, 4096n, DMA_TO_DEVICE)).toBe(DMA_MAPPING_ERROR);
    const sg = [{ phys: 0x1000n, length: 4096n, dmaAddress: 0n, dmaLength: 0n }];
    expect(dmaMapSg(table, dev, sg, 1, DMA_BIDIRECTIONAL)).toBe(0);
    expect(dmaMapSgtable(table, dev, sg, DMA_BIDIRECTIONAL)).toEqual({ ret: -EINVAL, nents: 0 });
    expect(dmaAllocCoherent(table, dev, 4096n, GFP_KERNEL)).toBeNull();
    expect(dmaSetMask(table, dev, dmaBitMask(64))).toBe(-EIO);
    expect(dmaGetRequiredMask(table, dev)).toBe(dmaBitMask(32));
  });

  it('a bad direction is a BUG in the kernel: a typed error here', () => {
    const dev = createDevice({ name: 'd', bus: 'platform' });
    expect(() => dmaMapSingle(table, dev, 0n, 1n, 7 as never)).toThrow(DmaApiError);
    dev.dmaIommu = true;
    expect(() => dmaMapSingle({ direct: table.direct }, dev, 0n, 1n, DMA_TO_DEVICE)).toThrow(
      DmaApiError,
    );
  });
});
