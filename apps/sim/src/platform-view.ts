// The report's view of a booted platform (device table, memory map, IOMMU groups' IOVA spaces)
// and the lint findings on its firmware. Browser-safe: the web page runs it too.
import type { ArchName, KernelRelease } from '@dmasim/dma-mapping';
import {
  createOfContext,
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
import { type AcpiArch, inspectAcpi } from './inspect-acpi.js';
import { inspectDeviceTree } from './inspect-platform.js';
import { buildIommuPlatform } from './iommu-platform.js';
import { groupIovaViews } from './iova-view.js';
import { memoryPlatformInput, treeMemoryReport } from './memory-platform.js';
import type { PlatformFile } from './platform-file.js';

export type LoadedFirmware =
  | { kind: 'dt'; source: string; tree: DeviceTree }
  | { kind: 'acpi'; source: string; acpi: LoadedAcpi };

export interface PlatformViewOptions {
  kernel: KernelRelease;
  arch?: ArchName;
  platformFile?: PlatformFile;
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

/** RAM, reservations, zones, CMA and pools as booted; without RAM (a bootloader fills /memory in) only the MMIO. */
function treeMemory(
  tree: DeviceTree,
  arch: ArchName,
  cmdline: string,
  kernel: KernelRelease,
): ViewMemory {
  const mmio = mmioRanges(createOfContext(tree));
  const report = treeMemoryReport(tree, arch, cmdline, kernel);
  if (report.ram.length === 0) return { ram: [], zones: [], swiotlb: null, mmio };
  const pools = memoryPlatformInput(tree, { arch }).input.restrictedPools ?? [];
  const poolNames = new Set(pools.map((p) => p.name));
  const reserved = report.reserved.filter((r) => !poolNames.has(r.name));
  if (report.cma) {
    const start = BigInt(report.cma.start);
    reserved.push(named('CMA', start, BigInt(report.cma.size)));
  }
  return {
    ram: report.ram,
    zones: report.zones,
    swiotlb: report.swiotlb,
    reserved,
    restrictedPools: pools.map((p) => named(p.name, p.base, p.size)),
    mmio,
  };
}

export function platformView(fw: LoadedFirmware, opts: PlatformViewOptions): PlatformView {
  if (fw.kind === 'dt') {
    const options = {
      kernel: opts.kernel,
      ...(opts.arch ? { arch: opts.arch } : {}),
      ...(opts.platformFile ? { platformFile: opts.platformFile } : {}),
      ...(opts.cmdline ? { cmdline: opts.cmdline } : {}),
    };
    const report = inspectDeviceTree(fw.tree, options);
    const cmdline = `${opts.platformFile?.cmdlineText ?? ''} ${opts.cmdline ?? ''}`;
    const iommu = buildIommuPlatform(fw.tree, options);
    return {
      source: fw.source,
      kernel: opts.kernel.name,
      arch: report.arch,
      devices: report.devices,
      memory: treeMemory(fw.tree, report.arch, cmdline, opts.kernel),
      iommuGroups: groupIovaViews(iommu),
      log: iommu.log,
    };
  }
  const arch: AcpiArch = opts.arch === 'loongarch' ? 'loongarch' : 'arm64';
  const report = inspectAcpi(fw.acpi.table, fw.acpi.description, { arch, kernel: opts.kernel });
  return {
    source: fw.source,
    kernel: opts.kernel.name,
    arch,
    devices: report.devices,
    memory: null,
    iommuGroups: [],
    log: fw.acpi.tableLog,
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
