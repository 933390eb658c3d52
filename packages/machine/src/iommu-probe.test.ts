// kernel-observations.md cases B, C, C2 and D, reproduced from QEMU's own blobs.
import { iommuDmaMapPage } from '@dmasim/dma-iommu';
import { DMA_BIDIRECTIONAL, DMA_MAPPING_ERROR, hex, kernelRelease } from '@dmasim/dma-mapping';
import {
  groupResvRegions,
  sysfsGroups,
  sysfsGroupType,
  sysfsReservedRegions,
} from '@dmasim/iommu-core';
import type { DeviceTree } from '@dmasim/of';
import { describe, expect, it } from 'vitest';
import { blob, hasCorpus, QEMU_VIRT_PLATFORM } from '../test/corpus.js';
import { type BootOptions, bootMachine } from './machine.js';

// The facts were read on 6.12; 6.10 decides the same for these boards.
const RELEASES = ['6.10', '6.12'] as const;

function groupsOf(tree: DeviceTree, options: BootOptions = {}) {
  const platform = bootMachine(
    { kind: 'device-tree', tree },
    { platform: QEMU_VIRT_PLATFORM, kernel: kernelRelease(), ...options },
  );
  return {
    platform,
    groups: sysfsGroups(platform.iommu).map((g) => ({
      devices: [...g.devices].sort(),
      type: sysfsGroupType(g),
      reserved: sysfsReservedRegions(platform.iommu, g),
    })),
  };
}

const SMMU_MSI = '0x0000000008000000 0x00000000080fffff msi\n';
const EXPECTED_GROUPS = [['0000:00:01.0'], ['0000:00:02.0'], ['0000:00:03.0', '0000:01:00.0']];

describe.skipIf(!hasCorpus)('QEMU virt with SMMUv3 (case B)', () => {
  it.each(RELEASES)(
    '%s: groups, types and reserved regions as the real kernel printed them',
    (name) => {
      const { groups, platform } = groupsOf(blob('qemu__virt-smmuv3.dtb'), {
        kernel: kernelRelease(name),
      });
      expect(groups.map((g) => g.devices)).toEqual(EXPECTED_GROUPS);
      for (const g of groups) {
        expect(g.type).toBe('DMA\n');
        expect(g.reserved).toBe(SMMU_MSI);
      }
      expect(platform.iommu.log).toContainEqual({
        level: 'info',
        msg: 'iommu: Default domain type: Translated',
      });
      // The host bridge has no driver, so no group; the SMMU itself has none either.
      expect(groups.flatMap((g) => g.devices)).not.toContain('0000:00:00.0');
    },
  );

  it('the first IOVA of a 64-bit PCI device is the MSI doorbell at 0xfffff000, then downwards', () => {
    const { platform } = groupsOf(blob('qemu__virt-smmuv3.dtb'));
    const nic = platform.devices.find((d) => d.path === 'pci:0000:00:01.0')!;
    expect(nic.device.coherentDmaMask).toBe(0xffff_ffff_ffff_ffffn);
    expect(nic.msiAddress).toBe(0xfffff000n);
    const ddev = nic.dmaIommu!;
    const iovas = [0, 1, 2].map((i) =>
      iommuDmaMapPage(ddev, 0x4000_0000n + BigInt(i) * 0x1000n, 0x1000n, DMA_BIDIRECTIONAL),
    );
    expect(iovas.map(hex)).toEqual(['0xffffe000', '0xffffd000', '0xffffc000']);
    for (const iova of iovas) expect(iova >= 0xfffb_e000n && iova <= 0xffff_f000n).toBe(true);
  });

  it.each(RELEASES)(
    '%s: iommu.passthrough=1 gives identity, iommu.strict=0 DMA-FQ (C, C2)',
    (name) => {
      const kernel = kernelRelease(name);
      const identity = groupsOf(blob('qemu__virt-smmuv3.dtb'), {
        cmdline: 'iommu.passthrough=1',
        kernel,
      });
      expect(identity.groups.map((g) => g.type)).toEqual([
        'identity\n',
        'identity\n',
        'identity\n',
      ]);
      expect(identity.groups.every((g) => g.reserved === SMMU_MSI)).toBe(true);
      expect(identity.platform.iommu.log).toContainEqual({
        level: 'info',
        msg: 'iommu: Default domain type: Passthrough (set via kernel command line)',
      });
      const lazy = groupsOf(blob('qemu__virt-smmuv3.dtb'), { cmdline: 'iommu.strict=0', kernel });
      expect(lazy.groups.map((g) => g.type)).toEqual(['DMA-FQ\n', 'DMA-FQ\n', 'DMA-FQ\n']);
    },
  );

  it('an inbound dma-ranges window: its gaps are reserved in the IOVA space only', () => {
    const tree = blob('qemu__virt-smmuv3.dtb');
    const host = tree.root.children.find((n) => n.name === 'pcie@10000000')!;
    // 1 GiB inbound window: PCI bus 0x0 sees CPU 0x40000000.
    const cells = [0x0200_0000, 0, 0, 0, 0x4000_0000, 0, 0x4000_0000];
    const value = new Uint8Array(cells.length * 4);
    for (const [i, c] of cells.entries()) new DataView(value.buffer).setUint32(i * 4, c);
    host.properties.push({ name: 'dma-ranges', value });
    const { platform, groups } = groupsOf(tree);
    expect(groups.every((g) => g.reserved === SMMU_MSI)).toBe(true);
    const nic = platform.devices.find((d) => d.path === 'pci:0000:00:01.0')!;
    expect(nic.msiAddress).toBe(0x3ffff000n);
    const iova = iommuDmaMapPage(nic.dmaIommu!, 0x4000_0000n, 0x1000n, DMA_BIDIRECTIONAL);
    expect(iova).not.toBe(DMA_MAPPING_ERROR);
    expect(iova < 0x4000_0000n).toBe(true);
    expect(groupResvRegions(platform.iommu, nic.group!).map((r) => r.type)).toEqual(['sw-msi']);
  });
});

describe.skipIf(!hasCorpus)('QEMU virt with virtio-iommu (case D)', () => {
  it.each(RELEASES)('%s: same groups, the probed doorbell as the only reserved region', (name) => {
    const { groups, platform } = groupsOf(blob('qemu__virt-virtio-iommu.dtb'), {
      kernel: kernelRelease(name),
    });
    expect(groups.map((g) => g.devices)).toEqual(EXPECTED_GROUPS);
    for (const g of groups) {
      expect(g.type).toBe('DMA\n');
      expect(g.reserved).toBe('0x0000000008020000 0x0000000008020fff msi\n');
    }
    // The doorbell sits in an MSI region: used as is, not taken from the allocator.
    const nic = platform.devices.find((d) => d.path === 'pci:0000:00:01.0')!;
    expect(nic.msiAddress).toBe(0x0802_0000n);
    expect(iommuDmaMapPage(nic.dmaIommu!, 0x4000_0000n, 0x1000n, DMA_BIDIRECTIONAL)).toBe(
      0xfffff000n,
    );
  });
});
