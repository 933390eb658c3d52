// One device of a booted machine, as each boot stage leaves it.
import type { IommuDmaDevice } from '@dmasim/dma-iommu';
import type { Device } from '@dmasim/dma-mapping';
import type { IommuGroup, PcieType } from '@dmasim/iommu-core';
import type { PciFunctionSpec } from './firmware.js';

/** What bus/device population and dma_configure produced. */
export interface ConfiguredDevice {
  /** DT node path, ACPI path, the IORT fwnode of an SMMU ("iort@0x48"), or "pci:SSSS:BB:DD.F". */
  path: string;
  /** The DT node describing a PCI function, when one does. */
  node?: string;
  device: Device;
  /** What of_dma_configure() / acpi_dma_configure() returned. */
  ret: number;
  /** PCI: the host bridge (DT node path or ACPI path); null otherwise. */
  host: string | null;
  /** PCI: the platform description's entry for the function, when it has one. */
  pci: PciFunctionSpec | null;
  /** PCI bridges: the buses behind it as enumeration numbered them (DT), else absent. */
  bridge?: { secondary: number; subordinate: number } | null;
  /** PCI bridges: the PCIe port type its DT node implies, else absent. */
  port?: PcieType | null;
  /** A bus with devices below it, or an IOMMU itself: no driver does DMA through it. */
  infrastructure: boolean;
}

export interface MachineDevice extends ConfiguredDevice {
  /** PCI: whether a driver binds; null for platform devices (their drivers are not modelled). */
  driverBound: boolean | null;
  /** What iommu_probe_device() returned (0 when probed or not behind an IOMMU). */
  iommuRet: number;
  group: IommuGroup | null;
  /** dma-iommu's state for a device in a DMA domain. */
  dmaIommu: IommuDmaDevice | null;
  /** The MSI doorbell as the device writes it (an IOVA in a DMA domain), when it uses MSI. */
  msiAddress: bigint | null;
}
