import {
  type ArchName,
  type BusDmaRegion,
  type Device,
  type DeviceBus,
  getDmaMask,
  hex,
} from '@dmasim/dma-mapping';
import type { ViewDevice } from '@dmasim/report';
import type { MemoryReport } from './memory-platform.js';

/** One device's line of `dmasim inspect --json`: the report's device view, typed. */
export interface DeviceReport extends ViewDevice {
  bus: DeviceBus;
  /** PCI requester ID, hex (PCI only). */
  rid?: string;
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
