import { describe, expect, it } from 'vitest';
import {
  DEFAULT_KERNEL_RELEASE,
  isKernelReleaseName,
  KERNEL_CHANGES,
  KERNEL_RELEASE_NAMES,
  type KernelChangeId,
  kernelChange,
  kernelRelease,
} from './kernel-release.js';

const releasesWith = (id: KernelChangeId) =>
  KERNEL_RELEASE_NAMES.filter((name) => kernelRelease(name).has(id));

describe('kernel releases as data', () => {
  it('6.12 (the LTS behind kernel-observations.md) is the default', () => {
    expect(DEFAULT_KERNEL_RELEASE).toBe('6.12');
    expect(kernelRelease().name).toBe('6.12');
  });

  it('the arch_setup_dma_ops() series is in 6.10 and 6.12 only', () => {
    for (const id of [
      'of-dma-ranges-mask-workaround-retired',
      'of-dma-range-map-limits',
      'iort-limits-as-limits',
      'iommu-dma-limit-checks-self-contained',
      'arch-setup-dma-ops-simplified',
    ] as const) {
      expect(releasesWith(id)).toEqual(['6.10', '6.12']);
    }
  });

  it('"Adding to IOMMU failed" for every error came with 6.11\'s of_iommu_configure() rework', () => {
    expect(releasesWith('of-iommu-configure-simplified')).toEqual(['6.12']);
  });

  it('the 6.8 "M" changes are in 6.8 and later', () => {
    expect(releasesWith('of-iommu-configure-int')).toEqual(['6.8', '6.10', '6.12']);
    expect(releasesWith('arch-setup-dma-ops-no-iommu-arg')).toEqual(['6.8', '6.10', '6.12']);
  });

  it('the 1:1 flags fix (6.13) reached 6.12.y but not 6.10.y', () => {
    expect(releasesWith('of-address-preserve-flags-1to1')).toEqual(['6.12']);
    expect(releasesWith('of-address-bus-flag-cells')).toEqual(['6.12']);
    expect(kernelChange('of-address-preserve-flags-1to1').stable).toContain('6.12.y');
  });

  it('zone_dma_limit and its 6.12.y fix are 6.12 only; iommu-addresses is everywhere', () => {
    expect(releasesWith('zone-dma-limit')).toEqual(['6.12']);
    expect(releasesWith('arm64-keep-low-ram-dma-zone')).toEqual(['6.12']);
    expect(releasesWith('arm64-zone-dma-limit-capped')).toEqual(['6.12']);
    expect(kernelChange('arm64-zone-dma-limit-capped').firstRelease).toBe('6.13');
    expect(releasesWith('of-iommu-addresses-resv-regions')).toEqual(KERNEL_RELEASE_NAMES);
  });

  it('every entry has a title, a release, an effect and where it was checked; ids are unique', () => {
    const ids = new Set(KERNEL_CHANGES.map((c) => c.id));
    expect(ids.size).toBe(KERNEL_CHANGES.length);
    for (const c of KERNEL_CHANGES) {
      expect(c.title.length).toBeGreaterThan(10);
      expect(c.firstRelease).toMatch(/^6\.\d+$/);
      expect(c.effect.length).toBeGreaterThan(10);
      expect(c.checkedIn.length).toBeGreaterThan(0);
    }
  });

  it('rejects names it does not model', () => {
    expect(isKernelReleaseName('6.12')).toBe(true);
    expect(isKernelReleaseName('6.9')).toBe(false);
    expect(() => kernelRelease('6.9' as never)).toThrow(/unknown kernel release/);
    expect(() => kernelRelease('6.12').has('no-such-change' as never)).toThrow(/unknown/);
  });
});
