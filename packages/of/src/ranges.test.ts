import type { KernelLog } from '@dmasim/dma-mapping';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OF_BAD_ADDR } from './address.js';
import { IORESOURCE_MEM, IORESOURCE_MEM_64, IORESOURCE_PREFETCH } from './bus.js';
import { ofDmaGetRange } from './dma-range.js';
import { OfCellCountError, OfCycleError } from './errors.js';
import { ofDmaGetMaxCpuAddress } from './max-cpu-address.js';
import { createOfContext } from './of-context.js';
import { ofRanges } from './ranges.js';
import { dt, entry2 } from './test-tree.js';

const cells22 = { '#address-cells': [2], '#size-cells': [2] };

describe('range parser (§1.5)', () => {
  it('merges entries contiguous in bus and CPU space with equal flags (E-17)', () => {
    const tree = dt({
      ...cells22,
      bus: {
        ...cells22,
        'dma-ranges': [...entry2(0, 0, 0x40000000), ...entry2(0x40000000, 0x40000000, 0x40000000)],
      },
    });
    const ctx = createOfContext(tree);
    expect(ofRanges(ctx, ctx.byPath.get('/bus')!, 'dma-ranges')).toEqual([
      { flags: IORESOURCE_MEM, busAddr: 0n, cpuAddr: 0n, size: 0x80000000n },
    ]);
  });

  it('keeps PCI entries with different flags apart (E-17)', () => {
    const tree = dt({
      ...cells22,
      'pcie@0': {
        device_type: 'pci',
        '#address-cells': [3],
        '#size-cells': [2],
        'dma-ranges': [
          0x02000000, 0, 0, 0, 0, 0, 0x40000000, 0x43000000, 0, 0x40000000, 0, 0x40000000, 0,
          0x40000000,
        ],
      },
    });
    const ctx = createOfContext(tree);
    const ranges = ofRanges(ctx, ctx.byPath.get('/pcie@0')!, 'dma-ranges')!;
    expect(ranges.map((r) => [r.flags, r.busAddr, r.cpuAddr, r.size])).toEqual([
      [IORESOURCE_MEM, 0n, 0n, 0x40000000n],
      [
        IORESOURCE_MEM | IORESOURCE_MEM_64 | IORESOURCE_PREFETCH,
        0x40000000n,
        0x40000000n,
        0x40000000n,
      ],
    ]);
  });

  it('absorbs a size-0 entry that directly continues a range', () => {
    const tree = dt({
      ...cells22,
      bus: { ...cells22, 'dma-ranges': [...entry2(0, 0, 0x1000), ...entry2(0x1000, 0x1000, 0)] },
    });
    const ctx = createOfContext(tree);
    expect(ofRanges(ctx, ctx.byPath.get('/bus')!, 'dma-ranges')).toHaveLength(1);
  });

  it('stops at the last whole entry when the length is not a multiple of the entry size', () => {
    const partial = [...entry2(0, 0x80000000, 0x1000), 0x0, 0x1000, 0x0];
    const tree = dt({ ...cells22, bus: { ...cells22, 'dma-ranges': partial } });
    const ctx = createOfContext(tree);
    expect(ofRanges(ctx, ctx.byPath.get('/bus')!, 'dma-ranges')).toEqual([
      { flags: IORESOURCE_MEM, busAddr: 0n, cpuAddr: 0x80000000n, size: 0x1000n },
    ]);
    // A trailing partial cell (not a multiple of 4 bytes) is dropped too.
    const bytes = new Uint8Array(6 * 4 + 2);
    new DataView(bytes.buffer).setUint32(20, 0x10);
    const odd = dt({ ...cells22, bus: { ...cells22, 'dma-ranges': bytes } });
    const octx = createOfContext(odd);
    expect(ofRanges(octx, octx.byPath.get('/bus')!, 'dma-ranges')).toEqual([
      { flags: IORESOURCE_MEM, busAddr: 0n, cpuAddr: 0n, size: 0x10n },
    ]);
  });

  it('missing property is null (-ENOENT); zero-size entries are a typed error, not a hang', () => {
    const tree = dt({
      bus: { '#address-cells': [0], '#size-cells': [0], 'dma-ranges': [1, 2] },
      nb: {},
    });
    const ctx = createOfContext(tree);
    expect(ofRanges(ctx, ctx.byPath.get('/nb')!, 'dma-ranges')).toBeNull();
    // na = 0, ns = 0, pna = 1 (root default): entry of 1 cell is fine, pna = 0 would not be.
    const zero = dt({ '#address-cells': [0], '#size-cells': [0], bus: { 'dma-ranges': [1, 2] } });
    const zctx = createOfContext(zero);
    expect(() => ofRanges(zctx, zctx.byPath.get('/bus')!, 'dma-ranges')).toThrow(OfCellCountError);
    expect(() => ofRanges(zctx, zctx.byPath.get('/bus')!, 'dma-ranges')).toThrow(
      /\/bus:dma-ranges/,
    );
  });

  it('cell defaults 1/1: dma-ranges = <0 0 0x80000000> on a child of the root (E-23)', () => {
    const tree = dt({ bus: { 'dma-ranges': [0x0, 0x0, 0x80000000] } });
    const ctx = createOfContext(tree);
    expect(ofRanges(ctx, ctx.byPath.get('/bus')!, 'dma-ranges')).toEqual([
      { flags: IORESOURCE_MEM, busAddr: 0n, cpuAddr: 0n, size: 0x80000000n },
    ]);
  });

  it('merging never changes the covered bus span (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 2 }),
            size: fc.integer({ min: 1, max: 0x1000 }),
          }),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        (parts) => {
          let addr = 0;
          const cells: number[] = [];
          for (const p of parts) {
            addr += p.gap * 0x10000;
            cells.push(...entry2(addr, addr + 0x100000, p.size));
            addr += p.size;
          }
          const ctx = createOfContext(dt({ ...cells22, bus: { ...cells22, 'dma-ranges': cells } }));
          const ranges = ofRanges(ctx, ctx.byPath.get('/bus')!, 'dma-ranges')!;
          const total = ranges.reduce((s, r) => s + r.size, 0n);
          expect(total).toBe(BigInt(parts.reduce((s, p) => s + p.size, 0)));
          for (const r of ranges) expect(r.cpuAddr - r.busAddr).toBe(0x100000n);
        },
      ),
    );
  });
});

describe('of_dma_get_range (§1.6)', () => {
  it('found-flag quirk: the start node may lack dma-ranges, the next must have it (E-14)', () => {
    const ok = dt({
      ...cells22,
      soc: { ...cells22, 'dma-ranges': entry2(0, 0x80000000, 0x40000000), bus: { ...cells22 } },
    });
    const ctx = createOfContext(ok);
    expect(ofDmaGetRange(ctx, ctx.byPath.get('/soc/bus')!)).toEqual({
      ret: 0,
      map: [{ cpuStart: 0x80000000n, dmaStart: 0n, size: 0x40000000n }],
    });
    const broken = dt({
      ...cells22,
      top: {
        ...cells22,
        'dma-ranges': entry2(0, 0x80000000, 0x40000000),
        soc: { ...cells22, bus: { ...cells22 } },
      },
    });
    const bctx = createOfContext(broken);
    const log: KernelLog = [];
    expect(ofDmaGetRange(bctx, bctx.byPath.get('/top/soc/bus')!, log).ret).toBe(-19);
    expect(log).toEqual([]);
  });

  it('empty at the parent and absent at the root is -ENODEV, quietly (E-13)', () => {
    const tree = dt({ ...cells22, bus: { ...cells22, 'dma-ranges': true } });
    const ctx = createOfContext(tree);
    const log: KernelLog = [];
    expect(ofDmaGetRange(ctx, ctx.byPath.get('/bus')!, log)).toEqual({ ret: -19, map: null });
    expect(log).toEqual([]);
  });

  it('an all-empty chain up to the root is -ENODEV with the debug line', () => {
    const tree = dt({ ...cells22, 'dma-ranges': true, bus: { ...cells22, 'dma-ranges': true } });
    const ctx = createOfContext(tree);
    const log: KernelLog = [];
    expect(ofDmaGetRange(ctx, ctx.byPath.get('/bus')!, log)).toEqual({ ret: -19, map: null });
    expect(log).toEqual([{ level: 'debug', msg: 'no dma-ranges found for node(/bus)' }]);
  });

  it('absent, then empty, then non-empty is parsed (E-15)', () => {
    const tree = dt({
      ...cells22,
      ggp: {
        ...cells22,
        'dma-ranges': entry2(0, 0x40000000, 0x40000000),
        gp: { ...cells22, 'dma-ranges': true, p: { ...cells22 } },
      },
    });
    const ctx = createOfContext(tree);
    expect(ofDmaGetRange(ctx, ctx.byPath.get('/ggp/gp/p')!)).toEqual({
      ret: 0,
      map: [{ cpuStart: 0x40000000n, dmaStart: 0n, size: 0x40000000n }],
    });
  });

  it('drops untranslatable entries with pr_err; none left is -EINVAL (E-18)', () => {
    const tree = dt({
      ...cells22,
      gp: {
        ...cells22,
        'dma-ranges': entry2(0, 0x80000000, 0x1000),
        p: { ...cells22, 'dma-ranges': entry2(0x5000, 0x2000, 0x1000) },
      },
    });
    const ctx = createOfContext(tree);
    const log: KernelLog = [];
    expect(ofDmaGetRange(ctx, ctx.byPath.get('/gp/p')!, log)).toEqual({ ret: -22, map: null });
    expect(log).toEqual([
      { level: 'err', msg: 'translation of DMA address(5000) to CPU address failed node(/gp/p)' },
    ]);
    // The same entry inside the grandparent's window translates through it.
    const good = dt({
      ...cells22,
      gp: {
        ...cells22,
        'dma-ranges': entry2(0, 0x80000000, 0x4000),
        p: { ...cells22, 'dma-ranges': entry2(0x5000, 0x2000, 0x1000) },
      },
    });
    const g = createOfContext(good);
    expect(ofDmaGetRange(g, g.byPath.get('/gp/p')!).map).toEqual([
      { cpuStart: 0x80002000n, dmaStart: 0x5000n, size: 0x1000n },
    ]);
  });

  it('dma-ranges on the root cannot be translated: -EINVAL (E-19)', () => {
    const tree = dt({ ...cells22, 'dma-ranges': entry2(0, 0, 0x80000000), dev: {} });
    const ctx = createOfContext(tree);
    const log: KernelLog = [];
    expect(ofDmaGetRange(ctx, ctx.tree.root, log).ret).toBe(-22);
    expect(log[0]!.msg).toBe('translation of DMA address(0) to CPU address failed node(/)');
  });

  it('keeps a size-0 first entry, which hides the rest from consumers (E-8)', () => {
    const tree = dt({
      ...cells22,
      bus: { ...cells22, 'dma-ranges': [...entry2(0, 0, 0), ...entry2(0x1000, 0x1000, 0x1000)] },
    });
    const ctx = createOfContext(tree);
    expect(ofDmaGetRange(ctx, ctx.byPath.get('/bus')!).map).toEqual([
      { cpuStart: 0n, dmaStart: 0n, size: 0n },
      { cpuStart: 0x1000n, dmaStart: 0x1000n, size: 0x1000n },
    ]);
  });

  it('a DMA-parent cycle in the lookup walk is a typed error', () => {
    const tree = dt({
      'a@0': {
        phandle: [1],
        '#interconnect-cells': [0],
        'interconnect-names': 'dma-mem',
        interconnects: [2],
        'dma-ranges': true,
      },
      'b@0': {
        phandle: [2],
        '#interconnect-cells': [0],
        'interconnect-names': 'dma-mem',
        interconnects: [1],
        'dma-ranges': true,
      },
    });
    const ctx = createOfContext(tree);
    expect(() => ofDmaGetRange(ctx, ctx.byPath.get('/a@0')!)).toThrow(OfCycleError);
  });
});

describe('of_dma_get_max_cpu_address (§1.8)', () => {
  it('is the lowest inclusive CPU end over available nodes, PHYS_ADDR_MAX without dma-ranges', () => {
    const tree = dt({
      ...cells22,
      a: { ...cells22, 'dma-ranges': entry2(0, 0x40000000, 0x40000000) },
      b: { ...cells22, 'dma-ranges': entry2(0, 0x0, 0x20000000), status: 'disabled' },
      c: {
        ...cells22,
        'dma-ranges': [...entry2(0, 0x0, 0x1000), ...entry2(0x10000, 0x100000000, 0x1000)],
      },
    });
    const ctx = createOfContext(tree);
    expect(ofDmaGetMaxCpuAddress(ctx, ctx.byPath.get('/a')!)).toBe(0x7fffffffn);
    expect(ofDmaGetMaxCpuAddress(ctx, ctx.byPath.get('/c')!)).toBe(0x100000fffn);
    expect(ofDmaGetMaxCpuAddress(ctx)).toBe(0x7fffffffn);
    expect(ofDmaGetMaxCpuAddress(createOfContext(dt(cells22)))).toBe(OF_BAD_ADDR);
  });
});
