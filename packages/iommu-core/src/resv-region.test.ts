import { describe, expect, it } from 'vitest';
import {
  formatResvRegions,
  IOMMU_MMIO,
  IOMMU_NOEXEC,
  IOMMU_WRITE,
  insertResvRegion,
  MSI_REGION_PROT,
  mergeResvRegions,
  type ReservedRegion,
} from './resv-region.js';

const r = (
  start: bigint,
  length: bigint,
  type: ReservedRegion['type'],
  prot = 0,
): ReservedRegion => ({
  start,
  length,
  prot,
  type,
});

describe('reserved regions', () => {
  it('prints the SMMU software MSI window as the kernel does', () => {
    expect(formatResvRegions([r(0x08000000n, 0x100000n, 'sw-msi', MSI_REGION_PROT)])).toBe(
      '0x0000000008000000 0x00000000080fffff msi\n',
    );
    expect(MSI_REGION_PROT).toBe(IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO);
  });

  it('merges same-type regions that overlap or touch, keeping the lower prot', () => {
    const list = mergeResvRegions(
      [],
      [
        r(0x2000n, 0x1000n, 'direct', 1),
        r(0x1000n, 0x1000n, 'direct', 2),
        r(0x2800n, 0x1000n, 'direct', 3),
      ],
    );
    expect(list).toEqual([r(0x1000n, 0x2800n, 'direct', 2)]);
  });

  it('keeps regions of different types apart even when they overlap, sorted by start', () => {
    const list = mergeResvRegions(
      [],
      [r(0x8000n, 0x1000n, 'msi'), r(0x1000n, 0x8000n, 'reserved'), r(0x1000n, 0x1000n, 'direct')],
    );
    expect(list.map((x) => [x.start, x.type])).toEqual([
      [0x1000n, 'direct'],
      [0x1000n, 'reserved'],
      [0x8000n, 'msi'],
    ]);
    expect(formatResvRegions(list)).toBe(
      '0x0000000000001000 0x0000000000001fff direct\n' +
        '0x0000000000001000 0x0000000000008fff reserved\n' +
        '0x0000000000008000 0x0000000000008fff msi\n',
    );
  });

  it('does not merge regions separated by a gap, and merges across another type', () => {
    const gap = mergeResvRegions([], [r(0x1000n, 0x1000n, 'msi'), r(0x3000n, 0x1000n, 'msi')]);
    expect(gap).toHaveLength(2);
    const across = mergeResvRegions(
      [],
      [r(0x0n, 0x2000n, 'msi'), r(0x1000n, 0x100n, 'reserved'), r(0x1800n, 0x2000n, 'msi')],
    );
    expect(across).toEqual([r(0x0n, 0x3800n, 'msi'), r(0x1000n, 0x100n, 'reserved')]);
  });

  it('SW MSI and MSI are distinct types: not merged, both print "msi"', () => {
    const list = insertResvRegion(
      [r(0x08000000n, 0x100000n, 'sw-msi')],
      r(0x08020000n, 0x1000n, 'msi'),
    );
    expect(list).toHaveLength(2);
    expect(formatResvRegions(list)).toBe(
      '0x0000000008000000 0x00000000080fffff msi\n0x0000000008020000 0x0000000008020fff msi\n',
    );
  });

  it('handles a region ending at the top of the 64-bit space', () => {
    const top = r(0xffff_ffff_ffff_f000n, 0x1000n, 'reserved');
    expect(formatResvRegions([top])).toBe('0xfffffffffffff000 0xffffffffffffffff reserved\n');
    expect(mergeResvRegions([top], [r(0xffff_ffff_ffff_e000n, 0x1000n, 'reserved')])).toEqual([
      r(0xffff_ffff_ffff_e000n, 0x2000n, 'reserved'),
    ]);
  });
});
