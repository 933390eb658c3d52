import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ViewDevice } from './platform-view.js';
import { deviceReach } from './reach.js';
import { normalizeRanges, subtract, type U64Range } from './u64-range.js';

const device = (over: Partial<ViewDevice>): ViewDevice => ({
  path: '/soc/dma',
  bus: 'platform',
  ret: 0,
  rangeMap: null,
  busDmaLimit: '0x0',
  dmaMask: '0xffffffff',
  coherentDmaMask: '0xffffffff',
  coherent: false,
  iommu: null,
  log: [],
  ...over,
});

// The example SoC's RAM: 2 GiB at 0 and 2 GiB at 4 GiB.
const ram: U64Range[] = [
  { start: 0n, end: 0x7fff_ffffn },
  { start: 0x1_0000_0000n, end: 0x1_7fff_ffffn },
];

describe('deviceReach', () => {
  it('a 30-bit SoC window at bus 0xc0000000 reaches the first GiB only', () => {
    const reach = deviceReach(
      device({
        rangeMap: [{ cpuStart: '0x0', dmaStart: '0xc0000000', size: '0x40000000' }],
        busDmaLimit: '0xffffffff',
      }),
      ram,
    );
    expect(reach.reachable).toEqual([{ start: 0n, end: 0x3fff_ffffn }]);
    expect(reach.unreachable).toEqual([
      { start: 0x4000_0000n, end: 0x7fff_ffffn },
      { start: 0x1_0000_0000n, end: 0x1_7fff_ffffn },
    ]);
  });

  it('without a range map a 32-bit mask reaches RAM below 4 GiB', () => {
    const reach = deviceReach(device({}), ram);
    expect(reach.reachable).toEqual([{ start: 0n, end: 0x7fff_ffffn }]);
    expect(reach.windows[0]!.identity).toBe(true);
  });

  it('the bus limit cuts a window short (a size written as a mask)', () => {
    const reach = deviceReach(
      device({
        rangeMap: [{ cpuStart: '0x0', dmaStart: '0x0', size: '0xffffffff' }],
        busDmaLimit: '0xfffffffe',
      }),
      [{ start: 0n, end: 0xffff_ffffn }],
    );
    expect(reach.maxBusAddress).toBe(0xffff_fffen);
    expect(reach.unreachable).toEqual([{ start: 0xffff_ffffn, end: 0xffff_ffffn }]);
  });

  it('a device in a DMA domain reaches all RAM through the IOMMU', () => {
    const reach = deviceReach(
      device({ iommu: { node: '/smmu', ids: ['0x8'], group: 0, domain: 'DMA' } }),
      ram,
    );
    expect(reach.translated).toBe(true);
    expect(reach.unreachable).toEqual([]);
  });
});

describe('range subtraction', () => {
  it('reachable and unreachable partition RAM', () => {
    const range = fc
      .tuple(fc.bigInt({ min: 0n, max: 1n << 40n }), fc.bigInt({ min: 0n, max: 1n << 32n }))
      .map(([start, len]) => ({ start, end: start + len }));
    fc.assert(
      fc.property(fc.array(range, { maxLength: 5 }), fc.array(range, { maxLength: 5 }), (a, b) => {
        const rest = subtract(a, b);
        for (const r of rest)
          for (const h of b) expect(r.end < h.start || r.start > h.end).toBe(true);
        const size = (rs: U64Range[]) => rs.reduce((s, r) => s + r.end - r.start + 1n, 0n);
        const inter = subtract(a, subtract(a, b));
        expect(size(rest) + size(inter)).toBe(size(normalizeRanges(a)));
      }),
    );
  });
});
