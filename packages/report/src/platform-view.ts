// What the report and the lint rules read of a booted platform: the JSON shape of
// `dmasim inspect --json` plus the memory map and the IOMMU groups' IOVA views. Numbers are hex
// strings (u64-exact, JSON-safe); the drawing code parses them back to bigint.
import type { LogEntry } from '@dmasim/dma-mapping';

/** An inclusive address range, both ends hex. */
export interface HexRange {
  start: string;
  end: string;
}

/** One bus_dma_region of a device's range map. */
export interface ViewRangeEntry {
  cpuStart: string;
  dmaStart: string;
  size: string;
}

export interface ViewDevice {
  /** DT node path, ACPI path, or "pci:SSSS:BB:DD.F". */
  path: string;
  bus: string;
  /** The DT node describing a PCI endpoint, when one does. */
  node?: string;
  /** What the firmware configuration call returned (0, or a negative errno). */
  ret: number;
  rangeMap: ViewRangeEntry[] | null;
  busDmaLimit: string;
  dmaMask: string | null;
  coherentDmaMask: string;
  coherent: boolean;
  iommu: {
    node: string;
    ids: string[];
    group?: number;
    domain?: string;
    iovaBase?: string;
    iovaLimit?: string;
  } | null;
  log: LogEntry[];
}

/** A named region of the CPU physical map. */
export interface NamedRange extends HexRange {
  name: string;
}

export interface ViewMemory {
  ram: HexRange[];
  /** Empty zones have null bounds. */
  zones: { name: string; start: string | null; end: string | null }[];
  swiotlb: { start: string; size: string; nslabs: number } | null;
  /** /memreserve/ and /reserved-memory regions that are not DMA pools. */
  reserved?: NamedRange[];
  /** restricted-dma-pool regions (each its own swiotlb). */
  restrictedPools?: NamedRange[];
  /** Device register and bus windows as the CPU sees them. */
  mmio?: NamedRange[];
}

/** One IOMMU group's IOVA space: what VFIO/iommufd and the DMA API may use, and why not. */
export interface ViewIommuGroup {
  id: number;
  devices: string[];
  vfio: HexRange[];
  /** Null when the group's default domain is not a DMA domain. */
  dmaApi: HexRange[] | null;
  restrictions: (HexRange & { kind: string; views: string[] })[];
}

export interface PlatformView {
  /** The firmware file the view was booted from. */
  source: string;
  kernel: string;
  arch: string;
  devices: ViewDevice[];
  memory: ViewMemory | null;
  iommuGroups: ViewIommuGroup[];
  /** Messages that belong to no device (table checks, IOMMU core policy). */
  log: LogEntry[];
}
