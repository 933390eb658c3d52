// The report's view of a booted platform (device table, memory map, IOMMU groups' IOVA spaces)
// and the lint findings on its firmware. Browser-safe: the web page runs it too.
import type { ArchName, KernelLog, KernelRelease } from '@dmasim/dma-mapping';
import {
  bootMachine,
  type Machine,
  type MemoryRange,
  type PlatformDescription,
} from '@dmasim/machine';
import {
  type DeviceTree,
  type DtNode,
  OF_BAD_ADDR,
  type OfContext,
  ofAddressToResource,
  ofRanges,
} from '@dmasim/of';
import {
  type Finding,
  lintDeviceTree,
  lintIort,
  type NamedRange,
  type PlatformView,
  sortFindings,
  type ViewMemory,
} from '@dmasim/report';
import type { LoadedAcpi } from './acpi-source.js';
import { groupIovaViews } from './iova-view.js';
import { inspectReport } from './report.js';

export type LoadedFirmware =
  | { kind: 'dt'; source: string; tree: DeviceTree }
  | { kind: 'acpi'; source: string; acpi: LoadedAcpi };

export interface PlatformViewOptions {
  kernel: KernelRelease;
  arch?: ArchName;
  /** A device tree's platform file (an ACPI platform file carries its own). */
  platformFile?: PlatformDescription;
  /** RAM replacing the firmware's: a device tree's /memory, an ACPI machine's UEFI memory map. */
  memory?: MemoryRange[];
  cmdline?: string;
}

const hexOf = (n: bigint) => `0x${n.toString(16)}`;
const named = (name: string, start: bigint, size: bigint): NamedRange => ({
  name,
  start: hexOf(start),
  end: hexOf(start + size - 1n),
});

/** MMIO as the CPU sees it: the outbound windows and registers of the root's children. */
function mmioRanges(ctx: OfContext): NamedRange[] {
  const out: NamedRange[] = [];
  const top = ctx.tree.root.children.filter(
    (n: DtNode) =>
      !['memory', 'reserved-memory', 'cpus', 'chosen', 'aliases'].includes(n.name.split('@')[0]!),
  );
  for (const node of top) {
    for (const r of ofRanges(ctx, node, 'ranges') ?? []) {
      if (r.cpuAddr !== OF_BAD_ADDR && r.size > 0n)
        out.push(named(`${node.name} ranges`, r.cpuAddr, r.size));
    }
    for (let i = 0; i < 8; i++) {
      const res = ofAddressToResource(ctx, node, i);
      if (!res.resource) break;
      out.push(
        named(`${node.name} reg`, res.resource.start, res.resource.end - res.resource.start + 1n),
      );
    }
  }
  return out;
}

/**
 * RAM, reservations, zones, CMA and pools as booted; a device tree without RAM (a bootloader
 * fills /memory in) shows only the MMIO; an ACPI machine without a memory map shows nothing.
 */
export function machineMemory(machine: Machine): ViewMemory | null {
  const mmio = machine.of ? mmioRanges(machine.of) : [];
  const report = inspectReport(machine).memory;
  if (!report) return null;
  if (report.ram.length === 0) return { ram: [], zones: [], swiotlb: null, mmio };
  const pools: { path: string; start: bigint; end: bigint }[] = [];
  for (const [path, mem] of machine.memory?.restrictedPools ?? []) {
    if (mem.pool) pools.push({ path, start: mem.pool.start, end: mem.pool.end });
  }
  const poolPaths = new Set(pools.map((p) => p.path));
  const reserved = report.reserved.filter((r) => !poolPaths.has(r.name));
  if (report.cma) {
    const start = BigInt(report.cma.start);
    reserved.push(named('CMA', start, BigInt(report.cma.size)));
  }
  return {
    ram: report.ram,
    zones: report.zones,
    swiotlb: report.swiotlb,
    reserved,
    restrictedPools: pools.map((p) =>
      named(p.path.slice(p.path.lastIndexOf('/') + 1), p.start, p.end - p.start),
    ),
    mmio,
  };
}

/** Boot the firmware (one Machine) and view it: devices, memory map, IOMMU groups, kernel log. */
export function platformView(fw: LoadedFirmware, opts: PlatformViewOptions): PlatformView {
  const platform = (fw.kind === 'dt' ? opts.platformFile : fw.acpi.platform) ?? {};
  const machine = bootMachine(
    fw.kind === 'dt' ? { kind: 'device-tree', tree: fw.tree } : fw.acpi.firmware,
    {
      kernel: opts.kernel,
      ...(opts.arch ? { arch: opts.arch } : {}),
      ...(opts.cmdline ? { cmdline: opts.cmdline } : {}),
      platform: opts.memory ? { ...platform, memory: opts.memory } : platform,
    },
  );
  const report = inspectReport(machine);
  // The IOMMU core's lines for a device tree; the table's own messages for ACPI.
  const log: KernelLog =
    fw.kind === 'dt' ? machine.iommu.log : [...fw.acpi.tableLog, ...machine.iommu.log];
  return {
    source: fw.source,
    kernel: opts.kernel.name,
    arch: report.arch,
    devices: report.devices,
    memory: machineMemory(machine),
    iommuGroups: groupIovaViews(machine),
    log,
  };
}

/** The lint findings for a firmware and the view booted from it under `kernel`, errors first. */
export function lintFirmware(
  fw: LoadedFirmware,
  view: PlatformView,
  kernel: KernelRelease,
): Finding[] {
  if (fw.kind === 'dt') {
    return sortFindings(
      lintDeviceTree(fw.tree, view, {
        kernel: kernel.name,
        dmaRangeSizeWorkaround: !kernel.has('of-dma-ranges-mask-workaround-retired'),
      }),
    );
  }
  return sortFindings(fw.acpi.table ? lintIort(fw.acpi.table, { kernel: kernel.name }) : []);
}
