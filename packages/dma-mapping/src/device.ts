import type { BusDmaRegion } from './bus-dma-region.js';
import type { KernelLog } from './log.js';
import type { Bdf } from './pci-bdf.js';
import { dmaBitMask } from './u64.js';

export type DeviceBus = 'platform' | 'amba' | 'pci';

/** Where dev->dma_mask points: nowhere, at coherent_dma_mask, or at the device's own storage. */
export type DmaMaskPointer =
  | { kind: 'null' }
  | { kind: 'coherent' }
  | { kind: 'own'; value: bigint };

/** struct iommu_fwspec: the IOMMU a device sits behind and its IDs (stream/requester IDs). */
export interface IommuFwspec {
  /** The IOMMU's firmware node: a DT node path, or "iort@0x..." for an IORT node. */
  iommuNode: string;
  ids: number[];
  /** IOMMU_FWSPEC_PCI_RC_ATS and friends. */
  flags: number;
  /** false while the IOMMU driver has not registered (a deferral is pending). */
  hasOps: boolean;
  /** The IOMMU driver (fwspec->ops) the fwspec was made for; a second IOMMU must match it. */
  driver?: string;
  /**
   * Every IOMMU node the device's firmware named, in order (iommuNode first). Drivers that link
   * each instance to the master (exynos-sysmmu's owner->controllers) read this.
   */
  instances?: string[];
}

/** PCI identity of a device: what dev_is_pci() and pci_for_each_dma_alias() see. */
export interface PciIdentity extends Bdf {
  /** DMA aliases in the order pci_for_each_dma_alias() visits them (the device's own RID first). */
  aliases: number[];
}

/** The DMA-relevant slice of struct device. Plain data: functions act on it. */
export interface Device {
  /** dev_name(), e.g. "9000000.pl011" or "0000:00:01.0". */
  name: string;
  bus: DeviceBus;
  /** The firmware node describing it: a DT node path or an ACPI path; null when none. */
  fwNode: string | null;
  pci: PciIdentity | null;
  coherentDmaMask: bigint;
  dmaMask: DmaMaskPointer;
  busDmaLimit: bigint;
  dmaRangeMap: BusDmaRegion[] | null;
  dmaCoherent: boolean;
  /** dev->dma_ops: null is dma-direct; "dummy" for DEV_DMA_NOT_SUPPORTED; "arm-iommu" for ARM32. */
  dmaOps: null | 'dummy' | 'arm-iommu';
  /** dev->dma_iommu: set by iommu_setup_dma_ops() when the default domain is a DMA domain. */
  dmaIommu: boolean;
  fwspec: IommuFwspec | null;
  /** restricted-dma-pool assigned by of_dma_set_restricted_buffer(): the pool's node path. */
  restrictedPool: string | null;
  log: KernelLog;
  /** dev->dma_parms: absent until a driver sets one (dma_set_min_align_mask() and friends). */
  dmaParms?: DeviceDmaParms;
}

/** struct device_dma_parameters: what drivers tell the DMA layer about their segments. */
export interface DeviceDmaParms {
  /** dma_set_max_seg_size(); 0 means unset (dma_get_max_seg_size() then answers 64 KiB). */
  maxSegmentSize?: bigint;
  /** dma_set_seg_boundary(); 0 means unset (dma_get_seg_boundary() then answers ULONG_MAX). */
  segmentBoundaryMask?: bigint;
  /** dma_set_min_align_mask(): low address bits swiotlb must preserve when bouncing. */
  minAlignMask?: bigint;
}

export interface NewDevice {
  name: string;
  bus: DeviceBus;
  fwNode?: string | null;
  pci?: PciIdentity | null;
}

/**
 * A freshly created device as the bus code leaves it before configuration: platform_device_alloc
 * and the AMBA/PCI equivalents set a 32-bit coherent mask and point dma_mask at it.
 */
export function createDevice(init: NewDevice): Device {
  return {
    name: init.name,
    bus: init.bus,
    fwNode: init.fwNode ?? null,
    pci: init.pci ?? null,
    coherentDmaMask: dmaBitMask(32),
    dmaMask: { kind: 'coherent' },
    busDmaLimit: 0n,
    dmaRangeMap: null,
    dmaCoherent: false,
    dmaOps: null,
    dmaIommu: false,
    fwspec: null,
    restrictedPool: null,
    log: [],
  };
}

/** *dev->dma_mask, or null when the pointer is NULL. */
export function getDmaMask(dev: Device): bigint | null {
  switch (dev.dmaMask.kind) {
    case 'null':
      return null;
    case 'coherent':
      return dev.coherentDmaMask;
    case 'own':
      return dev.dmaMask.value;
  }
}

/** *dev->dma_mask = value; writes through to coherent_dma_mask when the pointer aliases it. */
export function setDmaMask(dev: Device, value: bigint): void {
  switch (dev.dmaMask.kind) {
    case 'null':
      throw new Error(`${dev.name}: write through a NULL dma_mask pointer`);
    case 'coherent':
      dev.coherentDmaMask = value;
      return;
    case 'own':
      dev.dmaMask = { kind: 'own', value };
      return;
  }
}
