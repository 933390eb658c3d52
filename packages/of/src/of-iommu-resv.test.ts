import type { KernelLog } from '@dmasim/dma-mapping';
import { IOMMU_CACHE, IOMMU_READ, IOMMU_WRITE } from '@dmasim/iommu-core';
import { describe, expect, it } from 'vitest';
import { createOfContext } from './of-context.js';
import { ofIommuGetResvRegions } from './of-iommu-resv.js';
import { dt, type NodeSpec } from './test-tree.js';

const RW = IOMMU_READ | IOMMU_WRITE;

// Root with 2/2 cells; a display controller (phandle 1) and a camera (phandle 2) at the root,
// a DMA master behind a 1/1-cell bus with a dma-ranges offset (phandle 3).
function tree(reserved: NodeSpec, extra: NodeSpec = {}) {
  return createOfContext(
    dt({
      '#address-cells': [2],
      '#size-cells': [2],
      'reserved-memory': {
        '#address-cells': [2],
        '#size-cells': [2],
        ranges: true,
        ...reserved,
      },
      'display@1000': {
        compatible: 'acme,dc',
        reg: [0, 0x1000, 0, 0x100],
        phandle: [1],
        'memory-region': [10, 11, 12],
      },
      'camera@2000': { compatible: 'acme,cam', reg: [0, 0x2000, 0, 0x100], phandle: [2] },
      bus: {
        compatible: 'simple-bus',
        '#address-cells': [1],
        '#size-cells': [1],
        ranges: [0, 0, 0, 0x1000_0000],
        'dma-ranges': [0x0, 0x0, 0x8000_0000, 0x4000_0000],
        'dma@100': {
          compatible: 'acme,dma',
          reg: [0x100, 0x100],
          phandle: [3],
          'memory-region': [13],
        },
      },
      ...extra,
    }),
  );
}

function regions(ctx: ReturnType<typeof tree>, path: string, coherent = false) {
  const log: KernelLog = [];
  const out = ofIommuGetResvRegions(ctx, ctx.byPath.get(path)!, { defaultCoherent: coherent }, log);
  return { out, log };
}

describe('of_iommu_get_resv_regions', () => {
  const ctx = tree({
    // Boot framebuffer: reg equals the IOVA range, so it is identity-mapped.
    'framebuffer@90000000': {
      reg: [0, 0x9000_0000, 0, 0x80_0000],
      'iommu-addresses': [1, 0, 0x9000_0000, 0, 0x80_0000],
      phandle: [10],
    },
    // No reg: the IOVA window is only reserved, for both masters.
    'keep-out': {
      'iommu-addresses': [2, 0, 0x2000_0000, 0, 0x1000_0000, 1, 0, 0x2000_0000, 0, 0x1000_0000],
      phandle: [11],
    },
    // reg differs from the IOVA range: a reservation, with the kernel's warning.
    'moved@a0000000': {
      reg: [0, 0xa000_0000, 0, 0x1_0000],
      'iommu-addresses': [1, 0, 0xb000_0000, 0, 0x1_0000],
      phandle: [12],
    },
    // For the master behind the 1/1-cell bus: one cell each, translated through dma-ranges.
    'window@0': {
      'iommu-addresses': [3, 0x1000, 0x2000],
      phandle: [13],
    },
  });

  it('direct for an identity reg, reserved without reg or with another reg, in list order', () => {
    const { out, log } = regions(ctx, '/display@1000');
    expect(out).toEqual([
      { start: 0x9000_0000n, length: 0x80_0000n, prot: RW, type: 'direct' },
      { start: 0x2000_0000n, length: 0x1000_0000n, prot: RW, type: 'reserved' },
      { start: 0xb000_0000n, length: 0x1_0000n, prot: RW, type: 'reserved' },
    ]);
    expect(log).toEqual([
      {
        level: 'warn',
        msg: 'treating non-direct mapping [mem 0xa0000000-0xa000ffff flags 0x200] -> [0x00000000b0000000-0x00000000b000ffff] as reservation',
      },
    ]);
  });

  it('a device opts in only through its own memory-region', () => {
    expect(regions(ctx, '/camera@2000').out).toEqual([]);
  });

  it("uses the device's bus cell counts and its dma-ranges", () => {
    expect(regions(ctx, '/bus/dma@100').out).toEqual([
      { start: 0x8000_1000n, length: 0x2000n, prot: RW, type: 'reserved' },
    ]);
  });

  it('a DMA-coherent device maps its regions cacheable', () => {
    const coherent = regions(ctx, '/display@1000', true).out;
    expect(coherent.map((r) => r.prot)).toEqual([
      RW | IOMMU_CACHE,
      RW | IOMMU_CACHE,
      RW | IOMMU_CACHE,
    ]);
  });

  it('a zero-size entry is skipped with the kernel warning', () => {
    const c = tree({ 'z@0': { 'iommu-addresses': [1, 0, 0x1000, 0, 0], phandle: [10] } });
    expect(regions(c, '/display@1000')).toEqual({
      out: [],
      log: [
        { level: 'warn', msg: 'Cannot reserve IOVA region of 0 size' },
        // memory-region's next phandle (11) is not in this tree: the walk ends there.
        { level: 'err', msg: '/display@1000: could not find phandle 11' },
      ],
    });
  });

  it('entries for other devices are skipped cell by cell, as the kernel loop does', () => {
    // The camera entry's address cells hold 1, the display's phandle: the kernel reads it as a
    // second entry for the display, starting at the following cell.
    const c = tree({
      'odd@0': { 'iommu-addresses': [2, 0, 1, 0, 0x1000, 0x10, 0], phandle: [10] },
    });
    expect(regions(c, '/display@1000').out).toEqual([
      { start: 0x1000n, length: 0x10_0000_0000n, prot: RW, type: 'reserved' },
    ]);
  });

  it('a truncated entry and an unresolvable memory-region are reported, not read past', () => {
    const c = tree({ 't@0': { 'iommu-addresses': [1, 0, 0x1000, 0], phandle: [10] } });
    expect(regions(c, '/display@1000')).toEqual({
      out: [],
      log: [
        {
          level: 'err',
          msg: '/reserved-memory/t@0: iommu-addresses entry for /display@1000 is truncated',
        },
        { level: 'err', msg: '/display@1000: could not find phandle 11' },
      ],
    });
  });
});
