import { createDevice, EINVAL } from '@dmasim/dma-mapping';
import { describe, expect, it } from 'vitest';
import { iommuSubsysInit } from './default-domain.js';
import { iommuFwspecAddIds, iommuFwspecInit } from './fwspec.js';
import { iommuDriverForCompatible, iommuInstanceFromCompatible } from './iommu-factory.js';
import { createIommuCore, iommuProbeDevice } from './probe.js';
import { sysfsGroups } from './sysfs.js';

describe('iommu_fwspec_init compares the driver', () => {
  it('a second instance of the same driver is accepted; the fwspec keeps the first', () => {
    const dev = createDevice({ name: '13800000.decon', bus: 'platform' });
    expect(iommuFwspecInit(dev, '/soc@0/sysmmu@13a00000', true, 'exynos-sysmmu')).toBe(0);
    expect(iommuFwspecInit(dev, '/soc@0/sysmmu@13a10000', true, 'exynos-sysmmu')).toBe(0);
    expect(dev.fwspec?.iommuNode).toBe('/soc@0/sysmmu@13a00000');
    expect(dev.fwspec?.instances).toEqual(['/soc@0/sysmmu@13a00000', '/soc@0/sysmmu@13a10000']);
  });

  it('another driver is -EINVAL, as is the same node bound to a different driver', () => {
    const dev = createDevice({ name: 'x', bus: 'platform' });
    expect(iommuFwspecInit(dev, '/smmu@1', true, 'arm-smmu')).toBe(0);
    expect(iommuFwspecAddIds(dev, [5])).toBe(0);
    expect(iommuFwspecInit(dev, '/smmu@2', true, 'arm-smmu-v3')).toBe(-EINVAL);
    expect(dev.fwspec?.ids).toEqual([5]);
  });

  it('without a driver name the node stands for its own driver', () => {
    const dev = createDevice({ name: 'x', bus: 'platform' });
    expect(iommuFwspecInit(dev, '/a', true)).toBe(0);
    expect(iommuFwspecInit(dev, '/a', true)).toBe(0);
    expect(iommuFwspecInit(dev, '/b', true)).toBe(-EINVAL);
  });

  it('drivers come from the compatibles the driver matches', () => {
    expect(iommuDriverForCompatible(['samsung,exynos-sysmmu'])).toBe('exynos-sysmmu');
    expect(iommuDriverForCompatible(['qcom,sdm845-smmu-500', 'arm,mmu-500'])).toBe('arm-smmu');
    expect(iommuDriverForCompatible(['arm,smmu-v3'])).toBe('arm-smmu-v3');
    expect(iommuDriverForCompatible(['acme,no-such-iommu'])).toBeNull();
  });

  it.each([
    'arm,smmu-v3',
    'arm,mmu-500',
    'qcom,smmu-v2',
    'virtio,mmio',
    'mediatek,mt8183-m4u',
    'rockchip,rk3568-iommu',
    'samsung,exynos-sysmmu',
    'nvidia,tegra210-smmu',
    'allwinner,sun50i-h6-iommu',
  ])('%s: the driver named is the one whose instance binds the node', (compatible) => {
    const instance = iommuInstanceFromCompatible('/iommu@0', [compatible]);
    expect(instance?.driverName).toBe(iommuDriverForCompatible([compatible]));
  });
});

describe('exynos-sysmmu keeps per-instance state', () => {
  it('both instances of a master point at it; the master probes once, on the first', () => {
    const first = iommuInstanceFromCompatible('/soc@0/sysmmu@13a00000', ['samsung,exynos-sysmmu'])!;
    const second = iommuInstanceFromCompatible('/soc@0/sysmmu@13a10000', [
      'samsung,exynos-sysmmu',
    ])!;
    const core = createIommuCore(iommuSubsysInit({}, []), [first, second]);
    const dev = createDevice({ name: '13800000.decon', bus: 'platform' });
    iommuFwspecInit(dev, first.id, true, 'exynos-sysmmu');
    iommuFwspecInit(dev, second.id, true, 'exynos-sysmmu');
    const r = iommuProbeDevice(core, { dev, driverBound: true });
    expect(r.ret).toBe(0);
    expect(r.group?.iommu).toBe(first.id);
    expect([...core.instanceMaster]).toEqual([
      [first.id, '13800000.decon'],
      [second.id, '13800000.decon'],
    ]);
    expect(sysfsGroups(core).map((g) => g.devices)).toEqual([['13800000.decon']]);
  });
});
