import {
  type ArchName,
  type BusDmaRegion,
  type Device,
  type DeviceBus,
  getDmaMask,
  hex,
  pciDevid,
} from '@dmasim/dma-mapping';
import { sysfsGroupType } from '@dmasim/iommu-core';
import { iovaWindow, type Machine, type MachineDevice } from '@dmasim/machine';
import type { ViewDevice } from '@dmasim/report';
import { type MemoryReport, MISSING_RAM_REPORT, memoryReport } from './memory-report.js';

/** One device's line of `dmasim inspect --json`: the report's device view, typed. */
export interface DeviceReport extends ViewDevice {
  bus: DeviceBus;
  /** PCI requester ID, hex (PCI only). */
  rid?: string;
}

export interface InspectReport {
  arch: ArchName;
  devices: DeviceReport[];
  /** RAM, zones and the swiotlb pool as the kernel boots them (when RAM is described). */
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
  if (dev.pci) report.rid = hex(pciDevid(dev.pci));
  if (where.node !== undefined) report.node = where.node;
  return report;
}

/** Group, default domain type and IOVA window into the device's `iommu` entry. */
function withIommuState(report: DeviceReport, d: MachineDevice): DeviceReport {
  if (!report.iommu || !d.group) return report;
  const window = d.dmaIommu ? iovaWindow(d.dmaIommu) : null;
  const iova = window ? { base: hex(window.base), limit: hex(window.limit) } : null;
  return {
    ...report,
    iommu: {
      ...report.iommu,
      group: d.group.id,
      domain: sysfsGroupType(d.group).trim(),
      ...(iova ? { iovaBase: iova.base, iovaLimit: iova.limit } : {}),
    },
  };
}

/** `dmasim inspect`: every device of a booted machine, and its memory. */
export function inspectReport(machine: Machine): InspectReport {
  const devices = machine.devices.map((d) =>
    withIommuState(
      deviceReport(d.device, {
        path: d.path,
        ret: d.ret,
        ...(d.node !== undefined ? { node: d.node } : {}),
      }),
      d,
    ),
  );
  const report: InspectReport = { arch: machine.arch, devices };
  if (machine.memory) report.memory = memoryReport(machine.memory, machine.reserved);
  // A device tree without RAM says so; an ACPI machine without a memory map has no memory part.
  else if (machine.firmware === 'device-tree') report.memory = MISSING_RAM_REPORT;
  return report;
}
