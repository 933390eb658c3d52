// The bundled ACPI example: an IORT spec (writer input form) plus the ACPI platform using it.
import type { AcpiPlatformDescription, IortTableInput } from '@dmasim/acpi-iort';

/**
 * A root complex behind an SMMUv3 with a 48-bit memory address limit, a named component with a
 * 32-bit limit and one SINGLE mapping, an RMR (table revision 5), and one firmware mistake the
 * kernel warns about: a second NC with memory_address_limit 0 ("Named component missing memory
 * address limit").
 */
export const exampleIortSpec: IortTableInput = {
  revision: 5,
  oemId: 'DMASIM',
  oemTableId: 'EXAMPLE ',
  nodes: [
    { type: 'its-group', name: 'its', identifiers: [0] },
    {
      type: 'smmu-v3',
      name: 'smmu',
      revision: 5,
      baseAddress: '0x2b400000',
      flags: 1, // COHACC: the SMMU's own table walks are coherent
      mappings: [{ inputBase: 0, idCount: '0xffff', outputBase: 0, outputReference: 'its' }],
    },
    {
      type: 'root-complex',
      name: 'pcie0',
      revision: 3,
      memoryProperties: { cacheCoherency: 1, memoryFlags: 3 },
      atsAttribute: 1,
      pciSegmentNumber: 0,
      memoryAddressLimit: 48,
      mappings: [
        { inputBase: 0, idCount: '0xffff', outputBase: '0x10000', outputReference: 'smmu' },
      ],
    },
    {
      type: 'named-component',
      name: 'dma0',
      memoryProperties: { cacheCoherency: 1 },
      memoryAddressLimit: 32,
      deviceName: '\\_SB_.DMA0',
      mappings: [{ outputBase: '0x20', outputReference: 'smmu', flags: 1 }],
    },
    {
      type: 'named-component',
      name: 'eth0',
      memoryProperties: { cacheCoherency: 0 },
      memoryAddressLimit: 0, // the firmware mistake
      deviceName: '\\_SB_.ETH0',
    },
    {
      type: 'rmr',
      name: 'fb',
      rmrFlags: 1 | (5 << 2), // remap permitted, normal write-back memory (e.g. a boot framebuffer)
      mappings: [{ outputBase: '0x20', outputReference: 'smmu', flags: 1 }],
      descriptors: [{ baseAddress: '0xb0000000', length: '0x800000' }],
    },
  ],
};

/** The devices of the example machine. */
export const examplePlatform: AcpiPlatformDescription = {
  devices: [
    { path: '\\_SB_', cca: 1 },
    { path: '\\_SB_.DMA0' },
    { path: '\\_SB_.ETH0', cca: 0 },
    { path: '\\_SB_.PCI0' },
  ],
  pci: [
    { segment: 0, bdf: '00:01.0', bridge: '\\_SB_.PCI0' },
    { segment: 0, bdf: '01:00.0', bridge: '\\_SB_.PCI0', aliases: [0x100, 0x8] },
  ],
};
