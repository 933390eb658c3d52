import { type BusDmaRegion, createDevice, ERANGE } from '@dmasim/dma-mapping';
import { describe, expect, it } from 'vitest';
import { armHooks, armIommuCreateMapping } from './arm.js';
import { arm64Hooks } from './arm64.js';
import { arcHooks, riscvHooks, stubHooks } from './others.js';
import { guessArch } from './select.js';

function deviceWithMap(map: BusDmaRegion[] | null) {
  const dev = createDevice({ name: 'dev', bus: 'platform' });
  dev.dmaRangeMap = map;
  dev.fwspec = { iommuNode: '/iommu', ids: [1], flags: 0, hasOps: true };
  return dev;
}

describe('arm64 arch_setup_dma_ops', () => {
  it('warns when a non-coherent device meets a CWG larger than ARCH_DMA_MINALIGN (edge case 45)', () => {
    const dev = createDevice({ name: 'ff000000.dma', bus: 'platform' });
    arm64Hooks({ cacheLineSize: 256 }).setupDmaOps(dev, false);
    expect(dev.log).toEqual([
      {
        level: 'warn',
        msg: 'platform ff000000.dma: ARCH_DMA_MINALIGN smaller than CTR_EL0.CWG (128 < 256)',
      },
    ]);
    expect(dev.dmaCoherent).toBe(false);
  });

  it('is silent for coherent devices and copies coherency', () => {
    const dev = createDevice({ name: 'd', bus: 'platform' });
    arm64Hooks({ cacheLineSize: 256 }).setupDmaOps(dev, true);
    expect(dev.log).toEqual([]);
    expect(dev.dmaCoherent).toBe(true);
  });

  it('6.7: hands the IOMMU window to iommu_setup_dma_ops only when given an IOMMU', () => {
    const calls: [bigint, bigint][] = [];
    const hooks = arm64Hooks({ legacyIommuSetup: (_d, b, l) => calls.push([b, l]) });
    hooks.setupDmaOps(createDevice({ name: 'a', bus: 'platform' }), true, {
      dmaBase: 0n,
      size: 0x1_0000_0000n,
      iommu: true,
    });
    hooks.setupDmaOps(createDevice({ name: 'b', bus: 'platform' }), true, {
      dmaBase: 0n,
      size: 0x1_0000_0000n,
      iommu: false,
    });
    expect(calls).toEqual([[0n, 0xffff_ffffn]]);
  });
});

describe('arm (32-bit) IOMMU window', () => {
  it('6.10 derives base and max-min from the range map (edge case 46)', () => {
    const hooks = armHooks();
    const dev = deviceWithMap([{ cpuStart: 0n, dmaStart: 0n, size: 0x8000_0000n }]);
    hooks.setupDmaOps(dev, false);
    expect(hooks.lastIommuWindow(dev)).toEqual({ base: 0n, size: 0x7fff_ffffn, ret: 0 });
    expect(dev.dmaOps).toBe('arm-iommu');
  });

  it('6.7 uses the passed window (edge case 46)', () => {
    const hooks = armHooks();
    const dev = deviceWithMap(null);
    hooks.setupDmaOps(dev, false, { dmaBase: 0n, size: 0x8000_0000n, iommu: true });
    expect(hooks.lastIommuWindow(dev)).toEqual({ base: 0n, size: 0x8000_0000n, ret: 0 });
  });

  it('range not starting at zero gives base 0x80000000, size 0x7fffffff (edge case 6)', () => {
    const hooks = armHooks();
    const dev = deviceWithMap([{ cpuStart: 0n, dmaStart: 0x8000_0000n, size: 0x8000_0000n }]);
    hooks.setupDmaOps(dev, false);
    expect(hooks.lastIommuWindow(dev)).toMatchObject({ base: 0x8000_0000n, size: 0x7fff_ffffn });
  });

  it('no map: 6.10 gets 4 GiB from 0; 6.7 with size ~0 fails -ERANGE with the warning (edge case 10)', () => {
    const hooks = armHooks();
    const n = deviceWithMap(null);
    hooks.setupDmaOps(n, false);
    expect(hooks.lastIommuWindow(n)).toEqual({ base: 0n, size: 0x1_0000_0000n, ret: 0 });

    const l = deviceWithMap(null);
    hooks.setupDmaOps(l, false, { dmaBase: 0n, size: 0xffff_ffff_ffff_ffffn, iommu: true });
    expect(hooks.lastIommuWindow(l)?.ret).toBe(-ERANGE);
    expect(l.log.at(-1)).toEqual({
      level: 'warn',
      msg: 'Failed to create 18446744073709551615-byte IOMMU mapping for device dev',
    });
    expect(l.dmaOps).toBeNull();
  });

  it('a window smaller than a page is -EINVAL; coherency is never cleared', () => {
    expect(armIommuCreateMapping(0xfffn, 0x1000n)).toBe(-22);
    expect(armIommuCreateMapping(0x1000n, 0x1000n)).toBe(0);
    const dev = createDevice({ name: 'd', bus: 'platform' });
    dev.dmaCoherent = true;
    armHooks().setupDmaOps(dev, false);
    expect(dev.dmaCoherent).toBe(true);
  });
});

describe('other arches', () => {
  it('arc is coherent only with IOC and says which ops it uses', () => {
    const a = createDevice({ name: 'a', bus: 'platform' });
    arcHooks({ ioc: false }).setupDmaOps(a, true);
    expect(a.dmaCoherent).toBe(false);
    expect(a.log).toEqual([{ level: 'info', msg: 'use noncoherent DMA ops' }]);
    const b = createDevice({ name: 'b', bus: 'platform' });
    arcHooks({ ioc: true }).setupDmaOps(b, true);
    expect(b.log).toEqual([{ level: 'info', msg: 'use coherent DMA ops' }]);
  });

  it('riscv warns about cbom size and missing non-coherent support', () => {
    const dev = createDevice({ name: 'r', bus: 'platform' });
    riscvHooks({ cbomBlockSize: 128, noncoherentSupported: false }).setupDmaOps(dev, false);
    expect(dev.log.map((e) => e.msg)).toEqual([
      'platform r: ARCH_DMA_MINALIGN smaller than riscv,cbom-block-size (64 < 128)',
      'platform r: device non-coherent but no non-coherent operations supported',
    ]);
    expect(riscvHooks().defaultCoherent).toBe(true);
  });

  it('x86 has no hook: DMA is coherent', () => {
    const dev = createDevice({ name: 'x', bus: 'pci' });
    stubHooks('x86').setupDmaOps(dev, false);
    expect(dev.dmaCoherent).toBe(true);
  });

  it('guesses the arch from compatibles', () => {
    expect(guessArch(['linux,dummy-virt', 'arm,cortex-a57'])).toBe('arm64');
    expect(guessArch(['raspberrypi,model-b', 'arm,cortex-a7'])).toBe('arm');
    expect(guessArch(['sifive,hifive-unmatched-a00', 'riscv'])).toBe('riscv');
    expect(guessArch([])).toBe('arm64');
  });
});
