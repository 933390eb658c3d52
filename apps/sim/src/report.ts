import {
  type ArchName,
  type BusDmaRegion,
  type Device,
  type DeviceBus,
  getDmaMask,
  hex,
  type LogEntry,
} from '@dmasim/dma-mapping';
import type { MemoryReport } from './memory-platform.js';

/** One device's line of `dmasim inspect --json`. */
export interface DeviceReport {
  /** DT node path, ACPI path, or "pci:SSSS:BB:DD.F". */
  path: string;
  bus: DeviceBus;
  /** PCI requester ID, hex (PCI only). */
  rid?: string;
  /** The DT node describing a PCI endpoint, when one does. */
  node?: string;
  /** What the firmware configuration call returned (0, or a negative errno). */
  ret: number;
  rangeMap: { cpuStart: string; dmaStart: string; size: string }[] | null;
  busDmaLimit: string;
  dmaMask: string | null;
  coherentDmaMask: string;
  coherent: boolean;
  /**
   * The IOMMU and the IDs firmware gives; once the IOMMU core has probed the device, also its
   * group, default domain type and (DMA domains) the IOVA window dma-iommu allocates in.
   */
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

export interface InspectReport {
  arch: ArchName;
  devices: DeviceReport[];
  /** Device trees: RAM, zones and the swiotlb pool as the kernel boots them. */
  memory?: MemoryReport;
}

export function rangeMapReport(map: readonly BusDmaRegion[] | null): DeviceReport['rangeMap'] {
  if (map === null) return null;
  return map.map((r) => ({
    cpuStart: hex(r.cpuStart),
    dmaStart: hex(r.dmaStart),
    size: hex(r.size),
  }));
}

/** The report for a configured device; `path`, `node` and `ret` come from the caller. */
export function deviceReport(
  dev: Device,
  where: { path: string; node?: string; ret: number },
): DeviceReport {
  const mask = getDmaMask(dev);
  const report: DeviceReport = {
    path: where.path,
    bus: dev.bus,
    ret: where.ret,
    rangeMap: rangeMapReport(dev.dmaRangeMap),
    busDmaLimit: hex(dev.busDmaLimit),
    dmaMask: mask === null ? null : hex(mask),
    coherentDmaMask: hex(dev.coherentDmaMask),
    coherent: dev.dmaCoherent,
    iommu: dev.fwspec?.hasOps
      ? { node: dev.fwspec.iommuNode, ids: dev.fwspec.ids.map((id) => hex(id)) }
      : null,
    log: dev.log,
  };
  if (dev.pci) report.rid = hex((dev.pci.bus << 8) | dev.pci.devfn);
  if (where.node !== undefined) report.node = where.node;
  return report;
}

/** "pci:SSSS:BB:DD.F" from a segment and RID. */
export function pciPath(segment: number, rid: number): string {
  const p2 = (n: number) => n.toString(16).padStart(2, '0');
  return `pci:${segment.toString(16).padStart(4, '0')}:${p2(rid >> 8)}:${p2((rid >> 3) & 0x1f)}.${rid & 7}`;
}
