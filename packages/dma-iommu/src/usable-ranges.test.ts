import { U64_MAX } from '@dmasim/dma-mapping';
import type { IovaRange } from '@dmasim/iommu-core';
import {
  MSI_IOVA_BASE,
  MSI_IOVA_LENGTH,
  RESV_TYPES,
  type ReservedRegion,
} from '@dmasim/iommu-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { subtractRanges, usableIovaRanges } from './usable-ranges.js';

const hexRanges = (rs: IovaRange[]) =>
  rs.map((r) => `0x${r.start.toString(16)}-0x${r.end.toString(16)}`);

describe('usable IOVA ranges (QEMU virt + SMMUv3, 64-bit PCI device)', () => {
  it('shows both views and names the DMA-API-only restrictions', () => {
    const u = usableIovaRanges({
      apertureStart: 0n,
      apertureEnd: (1n << 48n) - 1n,
      granule: 0x1000n,
      resvRegions: [{ start: MSI_IOVA_BASE, length: MSI_IOVA_LENGTH, prot: 0, type: 'sw-msi' }],
      hostBridge: {
        outbound: [
          { cpuStart: 0x1000_0000n, busStart: 0x1000_0000n, size: 0x2eff_0000n },
          { cpuStart: 0x80_0000_0000n, busStart: 0x80_0000_0000n, size: 0x80_0000_0000n },
        ],
        inbound: [{ busStart: 0n, size: 1n << 30n }],
      },
      iovaFloor: 0x1000n,
    });
    expect(hexRanges(u.vfio)).toEqual(['0x0-0x7ffffff', '0x8100000-0xffffffffffff']);
    expect(hexRanges(u.dmaApi)).toEqual(['0x1000-0xfffffff', '0x3eff0000-0x3fffffff']);
    expect(u.restrictions.map((r) => `${r.kind}:${r.views.join('+')}`)).toEqual([
      'sw-msi:vfio',
      'pci-outbound-window:dma-api',
      'pci-outbound-window:dma-api',
      'above-dma-ranges:dma-api',
      'iova-floor:dma-api',
    ]);
  });
});

const rangeArb = fc
  .tuple(fc.bigInt({ min: 0n, max: 1n << 40n }), fc.bigInt({ min: 1n, max: 1n << 32n }))
  .map(([start, len]) => ({ start, length: len }));

const resvArb: fc.Arbitrary<ReservedRegion> = fc
  .tuple(rangeArb, fc.constantFrom(...RESV_TYPES))
  .map(([r, type]) => ({ start: r.start, length: r.length, prot: 0, type }));

function covered(ranges: IovaRange[], addr: bigint): boolean {
  return ranges.some((r) => r.start <= addr && addr <= r.end);
}

describe('properties', () => {
  it('the DMA-API view is the VFIO view minus the DMA-API-only regions, plus the VFIO-only ones', () => {
    fc.assert(
      fc.property(
        fc.array(resvArb, { maxLength: 6 }),
        fc.array(rangeArb, { maxLength: 3 }),
        fc.array(rangeArb, { maxLength: 3 }),
        fc.bigInt({ min: 1n, max: 1n << 20n }),
        fc.option(fc.bigInt({ min: 1n << 20n, max: U64_MAX })),
        fc.array(fc.bigInt({ min: 0n, max: (1n << 42n) - 1n }), { minLength: 20, maxLength: 20 }),
        (resv, outbound, inbound, floorPfn, dmaLimit, probes) => {
          const u = usableIovaRanges({
            apertureStart: 0n,
            apertureEnd: (1n << 42n) - 1n,
            granule: 0x1000n,
            resvRegions: resv,
            hostBridge: {
              outbound: outbound.map((o) => ({
                cpuStart: o.start,
                busStart: o.start,
                size: o.length,
              })),
              inbound: inbound.map((i) => ({ busStart: i.start, size: i.length })),
            },
            iovaFloor: floorPfn << 12n,
            dmaLimit: dmaLimit ?? undefined,
          });
          const only = (view: 'vfio' | 'dma-api') =>
            u.restrictions.filter((r) => r.views.length === 1 && r.views[0] === view);
          const edges = u.restrictions.flatMap((r) => [r.start - 1n, r.start, r.end, r.end + 1n]);
          for (const addr of probes.concat(edges.filter((e) => e >= 0n && e < 1n << 42n))) {
            const inVfio = covered(u.vfio, addr);
            const inDma = covered(u.dmaApi, addr);
            const dmaBlocked = u.restrictions.some(
              (r) => r.views.includes('dma-api') && r.start <= addr && addr <= r.end,
            );
            const vfioBlocked = u.restrictions.some(
              (r) => r.views.includes('vfio') && r.start <= addr && addr <= r.end,
            );
            expect(inVfio).toBe(!vfioBlocked);
            expect(inDma).toBe(!dmaBlocked);
            // The views differ only inside regions that restrict one of them.
            if (inVfio && !inDma) {
              expect(only('dma-api').some((r) => r.start <= addr && addr <= r.end)).toBe(true);
            }
            if (inDma && !inVfio) {
              expect(only('vfio').some((r) => r.start <= addr && addr <= r.end)).toBe(true);
            }
          }
          // Ranges are sorted, disjoint and inside the aperture.
          for (const view of [u.vfio, u.dmaApi]) {
            for (let i = 1; i < view.length; i++)
              expect(view[i]!.start).toBeGreaterThan(view[i - 1]!.end + 1n);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('subtractRanges handles the top of the 64-bit space', () => {
    expect(subtractRanges(0n, U64_MAX, [{ start: 0x1000n, end: U64_MAX }])).toEqual([
      { start: 0n, end: 0xfffn },
    ]);
    expect(subtractRanges(0n, U64_MAX, [])).toEqual([{ start: 0n, end: U64_MAX }]);
  });
});
