// An ACPI machine booted end to end: a QEMU-virt-like IORT (SMMUv3, root complex memory size
// limit 31 bits, a root port with ACS, two revision 5 RMRs), RAM from the UEFI memory map.
import { type IortTableInput, readIort, writeIort } from '@dmasim/acpi-iort';
import { iommuDmaMapPage } from '@dmasim/dma-iommu';
import { DMA_BIDIRECTIONAL } from '@dmasim/dma-mapping';
import { sysfsGroups, sysfsGroupType, sysfsReservedRegions } from '@dmasim/iommu-core';
import { describe, expect, it } from 'vitest';
import { QEMU_VIRT_PLATFORM } from '../test/corpus.js';
import type { AcpiFirmware, PlatformDescription } from './firmware.js';
import { bootMachine, findDevice } from './machine.js';

const IORT: IortTableInput = {
  revision: 5,
  nodes: [
    { type: 'its-group', name: 'its', identifiers: [0] },
    {
      type: 'smmu-v3',
      name: 'smmu',
      baseAddress: 0x0905_0000n,
      flags: 1,
      mappings: [{ inputBase: 0, idCount: 0xffff, outputBase: 0, outputReference: 'its' }],
    },
    {
      type: 'root-complex',
      memoryProperties: { cacheCoherency: 1, memoryFlags: 3 },
      pciSegmentNumber: 0,
      memoryAddressLimit: 31,
      mappings: [{ inputBase: 0, idCount: 0xffff, outputBase: 0, outputReference: 'smmu' }],
    },
    {
      type: 'rmr',
      rmrFlags: 0x14, // remapping not permitted, normal write-back memory
      mappings: [{ outputBase: 0x8, outputReference: 'smmu', flags: 1 }],
      descriptors: [{ baseAddress: 0xbe00_0000n, length: 0x10_0000n }],
    },
    {
      type: 'rmr',
      rmrFlags: 0x15, // remapping permitted
      mappings: [{ outputBase: 0x100, outputReference: 'smmu', flags: 1 }],
      descriptors: [{ baseAddress: 0xbf00_0000n, length: 0x80_0000n }],
    },
  ],
} as IortTableInput;

const firmware: AcpiFirmware = {
  kind: 'acpi',
  iort: readIort(writeIort(IORT)).table,
  devices: [{ path: '\\_SB_.PCI0', cca: 1 }],
  its: [{ id: 0, base: 0x0808_0000n }],
};

function platform(preserveConfig: boolean): PlatformDescription {
  return {
    memory: [{ start: 0x4000_0000n, size: 0x8000_0000n }],
    pci: [
      {
        host: '\\_SB_.PCI0',
        segment: 0,
        preserveConfig,
        // The PCI functions of the QEMU virt device-tree example, described the same way.
        devices: QEMU_VIRT_PLATFORM.pci![0]!.devices,
      },
    ],
  };
}

const groups = (preserveConfig: boolean) => {
  const m = bootMachine(firmware, { platform: platform(preserveConfig) });
  return sysfsGroups(m.iommu).map((g) => ({
    devices: g.devices,
    type: sysfsGroupType(g).trim(),
    reserved: sysfsReservedRegions(m.iommu, g),
  }));
};

const SW_MSI = '0x0000000008000000 0x00000000080fffff msi\n';

describe('ACPI QEMU-virt-like platform', () => {
  it('ACS requested before the scan (iort_enable_acs): every function in its own group', () => {
    expect(groups(false)).toEqual([
      { devices: ['0000:00:01.0'], type: 'DMA', reserved: SW_MSI },
      { devices: ['0000:00:02.0'], type: 'DMA', reserved: SW_MSI },
      { devices: ['0000:00:03.0'], type: 'DMA', reserved: SW_MSI },
      { devices: ['0000:01:00.0'], type: 'DMA', reserved: SW_MSI },
    ]);
  });

  it('preserveConfig (_DSM 5) lets the RMRs reach PCI devices as direct regions', () => {
    expect(groups(true).map((g) => g.reserved)).toEqual([
      `${SW_MSI}0x00000000be000000 0x00000000be0fffff direct\n`,
      SW_MSI,
      SW_MSI,
      `${SW_MSI}0x00000000bf000000 0x00000000bf7fffff direct-relaxable\n`,
    ]);
  });

  it('the 31-bit limit: the MSI doorbell gets IOVA 0x7ffff000, buffers go on downwards', () => {
    const m = bootMachine(firmware, { platform: platform(true) });
    const nic = findDevice(m, 'pci:0000:00:01.0')!;
    expect(nic.device.busDmaLimit).toBe(0x7fff_ffffn);
    expect(nic.device.coherentDmaMask).toBe(0xffff_ffff_ffff_ffffn);
    expect(nic.msiAddress).toBe(0x7fff_f000n);
    expect(iommuDmaMapPage(nic.dmaIommu!, 0x4000_0000n, 0x1000n, DMA_BIDIRECTIONAL)).toBe(
      0x7fff_e000n,
    );
    // ZONE_DMA follows the IORT limit: acpi_iort_dma_get_max_cpu_address().
    expect(m.memory!.memory.zones.DMA).toMatchObject({ start: 0x4000_0000n, end: 0x7fff_ffffn });
  });

  it('the host bridge without a driver and the SMMU itself get no group', () => {
    const m = bootMachine(firmware, { platform: platform(false) });
    expect(m.devices.map((d) => [d.path, d.group?.id ?? null])).toEqual([
      ['iort@0x48', null],
      ['\\_SB_.PCI0', null],
      ['pci:0000:00:00.0', null],
      ['pci:0000:00:01.0', 0],
      ['pci:0000:00:02.0', 1],
      ['pci:0000:00:03.0', 2],
      ['pci:0000:01:00.0', 3],
    ]);
    expect(m.devices[0]!.infrastructure).toBe(true);
  });
});
