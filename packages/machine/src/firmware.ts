// What bootMachine() takes: the firmware (a device tree, or an IORT with the ACPI facts a DSDT
// and MADT would give) and the platform description firmware does not carry (PCI functions and
// their drivers, RAM where the firmware file gives none, the kernel command line).
import type { AcpiDeviceSpec, IortTable } from '@dmasim/acpi-iort';
import type { KernelLog } from '@dmasim/dma-mapping';
import type { PcieType } from '@dmasim/iommu-core';
import type { DeviceTree } from '@dmasim/of';

export interface DeviceTreeFirmware {
  kind: 'device-tree';
  tree: DeviceTree;
}

/** A GIC ITS as the MADT lists it: the IORT's ITS group identifiers name these. */
export interface GicIts {
  id: number;
  /** The ITS frame's physical base; the MSI doorbell is GITS_TRANSLATER at +0x10040. */
  base: bigint;
}

export interface AcpiFirmware {
  kind: 'acpi';
  /** The IORT, or null (only _CCA and _DMA apply). */
  iort: IortTable | null;
  /** What the kernel printed on installing the table (checksum, node pointer overflow). */
  iortLog?: KernelLog;
  /** DSDT facts: _CCA, _DMA, _CRS per device object. */
  devices?: AcpiDeviceSpec[];
  /** MADT GIC ITS entries. */
  its?: GicIts[];
}

export type Firmware = DeviceTreeFirmware | AcpiFirmware;

/** One PCI function. The same keys mean the same for a DT host and an ACPI host bridge. */
export interface PciFunctionSpec {
  /** "BB:DD.F" */
  bdf: string;
  /** Whether a driver binds (only then does the IOMMU core probe it). Default: true. */
  driver?: boolean;
  /** What the driver passes to dma_set_mask_and_coherent(); absent: the driver sets none. */
  driverMask?: number;
  /** The driver sets up MSIs (the doorbell gets an IOVA in a DMA domain). */
  msi?: boolean;
  /** A bridge: the bus range behind it. */
  bridge?: { secondary: number; subordinate: number };
  /** Has an ACS capability (SV/RR/CR/UF). */
  acs?: boolean;
  pcie?: PcieType;
  /**
   * DMA aliases (requester IDs) in pci_for_each_dma_alias() order, overriding what the topology
   * gives; default: derived from the bridges above the function and its `dmaAliases`.
   */
  aliases?: number[];
  /** Quirk DMA aliases (pci_add_dma_alias, dev->dma_alias_mask): devfns on the same bus. */
  dmaAliases?: number[];
  /** A conventional bridge with the PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS quirk. */
  pcieBridgeAlias?: boolean;
}

/** A PCI host bridge and the functions found behind it. */
export interface PciHostSpec {
  /** DT: the host bridge node path. ACPI: the host bridge's ACPI path ("\\_SB_.PCI0"). */
  host: string;
  /** ACPI: the PCI segment (DT: linux,pci-domain decides). Default 0. */
  segment?: number;
  /** ACPI: _DSM function 5 said to preserve the boot configuration (gates IORT RMRs for PCI). */
  preserveConfig?: boolean;
  devices: PciFunctionSpec[];
}

/** A RAM range (the UEFI memory map's conventional memory, or a DT board's missing /memory). */
export interface MemoryRange {
  start: bigint;
  size: bigint;
}

/** What the platform adds to the firmware: the platform file's contents, as plain data. */
export interface PlatformDescription {
  /** The kernel command line the platform boots with. */
  cmdline?: string;
  /** RAM; for ACPI the UEFI memory map. A device tree's /memory is used when this is absent. */
  memory?: MemoryRange[];
  pci?: PciHostSpec[];
}
