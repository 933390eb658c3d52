import { describe, expect, it } from 'vitest';
import { ofDmaIsCoherent } from './coherent.js';
import { ofDmaGetRange } from './dma-range.js';
import { OfCycleError } from './errors.js';
import { createOfContext } from './of-context.js';
import { dt, entry2 } from './test-tree.js';

const cells22 = { '#address-cells': [2], '#size-cells': [2] };

describe('of_dma_is_coherent (§1.7, E-24)', () => {
  const ctx = createOfContext(
    dt({
      bus: {
        'dma-coherent': true,
        'a@0': {},
        'b@0': { 'dma-noncoherent': true },
        'c@0': { 'dma-coherent': true, 'dma-noncoherent': true },
      },
      'nc-bus': { 'dma-noncoherent': true, 'd@0': { 'dma-coherent': true }, 'e@0': {} },
      'f@0': {},
    }),
  );
  const at = (p: string) => ctx.byPath.get(p)!;

  it('the nearest node with either property decides; dma-coherent is checked first', () => {
    expect(ofDmaIsCoherent(ctx, at('/bus/a@0'), false)).toBe(true);
    expect(ofDmaIsCoherent(ctx, at('/bus/b@0'), true)).toBe(false);
    expect(ofDmaIsCoherent(ctx, at('/bus/c@0'), false)).toBe(true);
    expect(ofDmaIsCoherent(ctx, at('/nc-bus/d@0'), false)).toBe(true);
    expect(ofDmaIsCoherent(ctx, at('/nc-bus/e@0'), true)).toBe(false);
  });

  it('with neither anywhere, the arch default (arm64 false, riscv true)', () => {
    expect(ofDmaIsCoherent(ctx, at('/f@0'), false)).toBe(false);
    expect(ofDmaIsCoherent(ctx, at('/f@0'), true)).toBe(true);
  });
});

describe('interconnects "dma-mem" (E-25)', () => {
  const ctx = createOfContext(
    dt({
      ...cells22,
      'mbus@1000': {
        ...cells22,
        phandle: [5],
        '#interconnect-cells': [1],
        'dma-coherent': true,
        'dma-ranges': entry2(0, 0x40000000, 0x80000000),
      },
      soc: {
        ...cells22,
        ranges: true,
        'dma-ranges': true,
        'dev@0': { 'interconnect-names': 'dma-mem', interconnects: [5, 0], 'dma-ranges': true },
        'plain@0': {},
      },
    }),
  );

  it('the interconnect target is the DMA parent for ranges and coherency', () => {
    const dev = ctx.byPath.get('/soc/dev@0')!;
    expect(ofDmaIsCoherent(ctx, dev, false)).toBe(true);
    expect(ofDmaGetRange(ctx, dev)).toEqual({
      ret: 0,
      map: [{ cpuStart: 0x40000000n, dmaStart: 0n, size: 0x80000000n }],
    });
    const plain = ctx.byPath.get('/soc/plain@0')!;
    expect(ofDmaIsCoherent(ctx, plain, false)).toBe(false);
    expect(ofDmaGetRange(ctx, plain).ret).toBe(-19);
  });

  it('an interconnect cycle is a typed error naming the node, not a hang', () => {
    const cyc = createOfContext(
      dt({
        'a@0': {
          phandle: [1],
          '#interconnect-cells': [0],
          'interconnect-names': 'dma-mem',
          interconnects: [2],
        },
        'b@0': {
          phandle: [2],
          '#interconnect-cells': [0],
          'interconnect-names': 'dma-mem',
          interconnects: [1],
        },
      }),
    );
    expect(() => ofDmaIsCoherent(cyc, cyc.byPath.get('/a@0')!, false)).toThrow(OfCycleError);
    expect(() => ofDmaIsCoherent(cyc, cyc.byPath.get('/a@0')!, false)).toThrow(/^\/a@0: /);
  });
});
