import type { KernelLog } from '@dmasim/dma-mapping';
import { describe, expect, it } from 'vitest';
import {
  OF_BAD_ADDR,
  ofGetDmaParent,
  ofTranslateAddress,
  ofTranslateDmaAddress,
} from './address.js';
import {
  IORESOURCE_IO,
  IORESOURCE_MEM,
  IORESOURCE_MEM_64,
  IORESOURCE_PREFETCH,
  ofBusNAddrCells,
  ofBusNSizeCells,
  ofMatchBus,
  ofNAddrCells,
  ofNSizeCells,
  readNumber,
} from './bus.js';
import { OfCycleError } from './errors.js';
import { createOfContext } from './of-context.js';
import { dt } from './test-tree.js';
import { DtError } from './tree.js';

const at = (tree: ReturnType<typeof dt>, path: string) => createOfContext(tree).byPath.get(path)!;

describe('cell counts (§1.1)', () => {
  it('default to 1/1 when no node says anything (not the DT-spec 2/1)', () => {
    const tree = dt({ a: { b: {} } });
    const b = at(tree, '/a/b');
    expect([ofNAddrCells(b), ofNSizeCells(b), ofBusNAddrCells(b), ofBusNSizeCells(b)]).toEqual([
      1, 1, 1, 1,
    ]);
  });

  it('of_n_* start at the parent, of_bus_n_* at the node itself', () => {
    const tree = dt({
      '#address-cells': [2],
      '#size-cells': [2],
      a: { '#address-cells': [3], b: {} },
    });
    const a = at(tree, '/a');
    expect(ofNAddrCells(a)).toBe(2);
    expect(ofBusNAddrCells(a)).toBe(3);
    expect(ofBusNSizeCells(a)).toBe(2); // inherited from the root
    expect(ofNAddrCells(at(tree, '/a/b'))).toBe(3);
    expect(ofNAddrCells(tree.root)).toBe(2); // the root reads its own
  });
});

describe('bus kinds and flags (§1.2)', () => {
  it('matches pci by device_type or the name "pcie" (with the kernel warning), isa by name, default-flags by 3 cells', () => {
    const tree = dt({
      'p@0': { device_type: 'pciex' },
      'pcie@1': {},
      'isa@2': {},
      'b@3': { '#address-cells': [3] },
      'c@4': {},
    });
    const log: KernelLog = [];
    expect(ofMatchBus(at(tree, '/p@0')).name).toBe('pci');
    expect(ofMatchBus(at(tree, '/pcie@1'), log).name).toBe('pci');
    expect(log).toEqual([{ level: 'warn', msg: '/pcie@1: Missing device_type' }]);
    expect(ofMatchBus(at(tree, '/isa@2')).name).toBe('isa');
    expect(ofMatchBus(at(tree, '/b@3')).name).toBe('default-flags');
    expect(ofMatchBus(at(tree, '/c@4')).name).toBe('default');
  });

  it('decodes PCI space codes and prefetch; ISA bit 0; default-flags keeps the whole cell', () => {
    const tree = dt({
      'pci@0': { device_type: 'pci' },
      'isa@1': {},
      'b@2': { '#address-cells': [3] },
    });
    const pci = ofMatchBus(at(tree, '/pci@0'));
    expect(pci.getFlags([0x01000000], 0)).toBe(IORESOURCE_IO);
    expect(pci.getFlags([0x02000000], 0)).toBe(IORESOURCE_MEM);
    expect(pci.getFlags([0x43000000], 0)).toBe(
      IORESOURCE_MEM | IORESOURCE_MEM_64 | IORESOURCE_PREFETCH,
    );
    expect(pci.getFlags([0x00000000], 0)).toBe(0);
    const isa = ofMatchBus(at(tree, '/isa@1'));
    expect(isa.getFlags([1], 0)).toBe(IORESOURCE_IO);
    expect(isa.getFlags([0], 0)).toBe(IORESOURCE_MEM);
    expect(ofMatchBus(at(tree, '/b@2')).getFlags([0xf00baa], 0)).toBe(0xf00baa);
    expect(pci.countCells(at(tree, '/pci@0'))).toEqual({ na: 3, ns: 2 });
    expect(isa.countCells(at(tree, '/isa@1'))).toEqual({ na: 2, ns: 1 });
  });

  it('of_read_number shifts high cells out past two', () => {
    expect(readNumber([0x1, 0x2, 0x3], 0, 3)).toBe(0x0000000200000003n);
    expect(readNumber([0xffffffff, 0xffffffff], 0, 2)).toBe(OF_BAD_ADDR);
    expect(readNumber([7], 0, 0)).toBe(0n);
  });
});

describe('__of_translate_address (§1.3)', () => {
  const base = {
    '#address-cells': [2],
    '#size-cells': [2],
  };

  it('translates through ranges level by level', () => {
    const tree = dt({
      ...base,
      soc: {
        '#address-cells': [1],
        '#size-cells': [1],
        ranges: [0x0, 0x0, 0x40000000, 0x10000000],
        'bus@1000': {
          '#address-cells': [1],
          '#size-cells': [1],
          ranges: [0x0, 0x1000, 0x1000],
          'dev@10': { reg: [0x10, 0x4] },
        },
      },
    });
    const ctx = createOfContext(tree);
    expect(ofTranslateAddress(ctx, ctx.byPath.get('/soc/bus@1000/dev@10')!, [0x10])).toBe(
      0x40001010n,
    );
  });

  it('empty ranges are 1:1; missing ranges fail; missing dma-ranges are 1:1 (E-20)', () => {
    const tree = dt({
      ...base,
      empty: { '#address-cells': [2], '#size-cells': [2], ranges: true, 'd@5': {} },
      missing: { '#address-cells': [2], '#size-cells': [2], 'd@5': {} },
    });
    const ctx = createOfContext(tree);
    expect(ofTranslateAddress(ctx, ctx.byPath.get('/empty/d@5')!, [0x1, 0x5])).toBe(0x100000005n);
    expect(ofTranslateAddress(ctx, ctx.byPath.get('/missing/d@5')!, [0x1, 0x5])).toBe(OF_BAD_ADDR);
    expect(ofTranslateDmaAddress(ctx, ctx.byPath.get('/missing/d@5')!, [0x1, 0x5])).toBe(
      0x100000005n,
    );
  });

  it('the root cannot be translated (no parent)', () => {
    const ctx = createOfContext(dt(base));
    expect(ofTranslateDmaAddress(ctx, ctx.tree.root, [0, 0])).toBe(OF_BAD_ADDR);
  });

  it('a range ending exactly at 2^64 never matches (E-21)', () => {
    const tree = dt({
      ...base,
      bus: {
        '#address-cells': [2],
        '#size-cells': [2],
        ranges: [0x80000000, 0, 0, 0x1000, 0x80000000, 0],
        'd@0': {},
      },
    });
    const ctx = createOfContext(tree);
    const d = ctx.byPath.get('/bus/d@0')!;
    expect(ofTranslateAddress(ctx, d, [0x80000000, 0x10])).toBe(OF_BAD_ADDR);
    expect(ofTranslateAddress(ctx, d, [0xffffffff, 0xfffffff0])).toBe(OF_BAD_ADDR);
  });

  it('#size-cells = <0> on an intermediate bus makes translation impossible (E-22)', () => {
    const tree = dt({
      ...base,
      bus: { '#address-cells': [1], '#size-cells': [0], ranges: true, 'd@0': {} },
    });
    const ctx = createOfContext(tree);
    expect(ofTranslateAddress(ctx, ctx.byPath.get('/bus/d@0')!, [0x10])).toBe(OF_BAD_ADDR);
  });

  it('absurd #address-cells (0 or > 4) give OF_BAD_ADDR', () => {
    for (const cells of [0, 5]) {
      const tree = dt({ ...base, bus: { '#address-cells': [cells], ranges: true, 'd@0': {} } });
      const ctx = createOfContext(tree);
      expect(ofTranslateAddress(ctx, ctx.byPath.get('/bus/d@0')!, [1, 2, 3, 4, 5])).toBe(
        OF_BAD_ADDR,
      );
    }
  });

  it('an address shorter than the bus needs is a typed error', () => {
    const tree = dt({ ...base, bus: { ranges: true, 'd@0': {} } });
    const ctx = createOfContext(tree);
    expect(() => ofTranslateAddress(ctx, ctx.byPath.get('/bus/d@0')!, [1])).toThrow(DtError);
  });

  it('PCI children: class must match, the flags cell is skipped, the parent gets the CPU address', () => {
    const tree = dt({
      ...base,
      'pcie@10000000': {
        device_type: 'pci',
        '#address-cells': [3],
        '#size-cells': [2],
        ranges: [
          0x01000000, 0, 0, 0, 0x3eff0000, 0, 0x10000, 0x02000000, 0, 0x10000000, 0, 0x10000000, 0,
          0x2eff0000,
        ],
        'dev@1,0': {},
      },
    });
    const ctx = createOfContext(tree);
    const dev = ctx.byPath.get('/pcie@10000000/dev@1,0')!;
    expect(ofTranslateAddress(ctx, dev, [0x02000800, 0, 0x10001000])).toBe(0x10001000n);
    expect(ofTranslateAddress(ctx, dev, [0x01000800, 0, 0x20])).toBe(0x3eff0020n);
    // A MEM address in the IO window's numeric range does not match the IO entry.
    expect(ofTranslateAddress(ctx, dev, [0x02000800, 0, 0x20])).toBe(OF_BAD_ADDR);
  });

  it('ISA: bit 0 of the first cell selects IO vs MEM', () => {
    const tree = dt({
      '#address-cells': [1],
      '#size-cells': [1],
      'isa@0': {
        '#address-cells': [2],
        '#size-cells': [1],
        ranges: [0x1, 0x0, 0x1000000, 0x10000, 0x0, 0x0, 0x2000000, 0x10000],
        'uart@1,3f8': {},
      },
    });
    const ctx = createOfContext(tree);
    const uart = ctx.byPath.get('/isa@0/uart@1,3f8')!;
    expect(ofTranslateAddress(ctx, uart, [0x1, 0x3f8])).toBe(0x10003f8n);
    expect(ofTranslateAddress(ctx, uart, [0x0, 0x3f8])).toBe(0x20003f8n);
  });

  it("3-cell default-flags bus: the flags cell must equal the entry's", () => {
    const tree = dt({
      '#address-cells': [1],
      '#size-cells': [1],
      'bus@a0000000': {
        '#address-cells': [3],
        '#size-cells': [2],
        ranges: [
          0xf00baa, 0x0, 0x0, 0xa0000000, 0x0, 0x100000, 0xf00bee, 0x1, 0x0, 0xb0000000, 0x0,
          0x200000,
        ],
        'dev@0': {},
      },
    });
    const ctx = createOfContext(tree);
    const dev = ctx.byPath.get('/bus@a0000000/dev@0')!;
    expect(ofTranslateAddress(ctx, dev, [0xf00baa, 0x0, 0x10])).toBe(0xa0000010n);
    expect(ofTranslateAddress(ctx, dev, [0xf00bee, 0x1, 0x10])).toBe(0xb0000010n);
    expect(ofTranslateAddress(ctx, dev, [0xf00bee, 0x0, 0x10])).toBe(OF_BAD_ADDR);
  });
});

describe('DMA parent (§1.4)', () => {
  it('follows interconnects "dma-mem" and falls back to the parent on a parse error', () => {
    const tree = dt({
      'mbus@0': { phandle: [5], '#interconnect-cells': [1] },
      'noc@1': { phandle: [6] },
      soc: {
        'a@0': { 'interconnect-names': ['cpu', 'dma-mem'], interconnects: [6, 5, 7] },
        'b@0': { 'interconnect-names': ['dma-mem'], interconnects: [6] },
        'c@0': {},
      },
    });
    const ctx = createOfContext(tree);
    // index 1 is "dma-mem": entry 0 is <6> (noc has no #interconnect-cells) -> parse error -> parent.
    expect(ofGetDmaParent(ctx, ctx.byPath.get('/soc/a@0')!)!.path).toBe('/soc');
    expect(ofGetDmaParent(ctx, ctx.byPath.get('/soc/b@0')!)!.path).toBe('/soc');
    expect(ofGetDmaParent(ctx, ctx.byPath.get('/soc/c@0')!)!.path).toBe('/soc');
    const good = dt({
      'mbus@0': { phandle: [5], '#interconnect-cells': [1] },
      soc: { 'a@0': { 'interconnect-names': ['cpu', 'dma-mem'], interconnects: [5, 1, 5, 2] } },
    });
    const gctx = createOfContext(good);
    expect(ofGetDmaParent(gctx, gctx.byPath.get('/soc/a@0')!)!.path).toBe('/mbus@0');
  });

  it('a DMA-parent cycle in translation is a typed error naming the node', () => {
    const tree = dt({
      '#address-cells': [1],
      '#size-cells': [1],
      'x@0': {
        phandle: [1],
        '#interconnect-cells': [0],
        'interconnect-names': 'dma-mem',
        interconnects: [2],
        'dev@0': {},
      },
      'y@0': {
        phandle: [2],
        '#interconnect-cells': [0],
        'interconnect-names': 'dma-mem',
        interconnects: [1],
      },
    });
    const ctx = createOfContext(tree);
    const dev = ctx.byPath.get('/x@0/dev@0')!;
    expect(() => ofTranslateDmaAddress(ctx, dev, [0])).toThrow(OfCycleError);
    expect(() => ofTranslateDmaAddress(ctx, dev, [0])).toThrow(/\/x@0/);
  });
});
