// A device-tree machine booted far enough to run DMA traffic: memory and swiotlb (dma-direct),
// every device configured, IOMMUs probed with dma-iommu domains, and the DMA API dispatcher's
// table over both.
import { type DirectPlatform, freeRanges, MemoryLayoutError } from '@dmasim/dma-direct';
import type { IommuDmaDevice } from '@dmasim/dma-iommu';
import type { ArchName, Device, DmaOpsTable, KernelRelease } from '@dmasim/dma-mapping';
import { createOfContext, type DeviceTree, walkNodes } from '@dmasim/of';
import { parseCmdline } from './cmdline.js';
import { treeArch } from './inspect-dt.js';
import { buildIommuPlatform, type IommuPlatform } from './iommu-platform.js';
import { buildMemoryPlatform } from './memory-platform.js';
import type { PlatformFile } from './platform-file.js';
import { pciPath } from './report.js';
import { runtimeOpsTable } from './runtime-ops.js';

export interface RuntimeDevice {
  /** Node path, or "pci:SSSS:BB:DD.F". */
  path: string;
  device: Device;
  /** What the firmware configuration returned. */
  ret: number;
  dmaIommu: IommuDmaDevice | null;
  /** A platform device with platform devices below it (a bus), or an IOMMU itself. */
  infrastructure: boolean;
  /** PCI: whether a driver binds (platform file), null for platform devices. */
  driverBound: boolean | null;
}

export interface RuntimePlatform {
  arch: ArchName;
  memory: DirectPlatform;
  iommu: IommuPlatform;
  table: DmaOpsTable;
  /** Platform devices in tree order, then PCI functions. */
  devices: RuntimeDevice[];
}

export interface RuntimePlatformOptions {
  arch?: ArchName;
  kernel?: KernelRelease;
  platformFile?: PlatformFile;
  cmdline?: string;
}

export function buildRuntimePlatform(
  tree: DeviceTree,
  options: RuntimePlatformOptions = {},
): RuntimePlatform {
  const arch = options.arch ?? treeArch(createOfContext(tree));
  const cmdline = `${options.platformFile?.cmdlineText ?? ''} ${options.cmdline ?? ''}`;
  const swiotlb = parseCmdline(cmdline).swiotlb;
  const memory = buildMemoryPlatform(tree, {
    arch,
    ...(swiotlb ? { swiotlb } : {}),
    ...(options.kernel ? { kernel: options.kernel } : {}),
  });
  const dmaIommu = new Map<Device, IommuDmaDevice>();
  const table = runtimeOpsTable(memory, (dev) => dmaIommu.get(dev) ?? null);
  const iommu = buildIommuPlatform(tree, {
    arch,
    ...(options.kernel ? { kernel: options.kernel } : {}),
    ...(options.platformFile ? { platformFile: options.platformFile } : {}),
    ...(options.cmdline ? { cmdline: options.cmdline } : {}),
    dmaOps: table,
  });
  for (const d of iommu.devices) if (d.dmaIommu) dmaIommu.set(d.device, d.dmaIommu);

  const { dt } = iommu;
  const order = new Map([...walkNodes(tree.root)].map((n, i) => [n, i]));
  const iommuNodes = new Set(
    [...dt.platformDevices, ...dt.pciDevices.map((p) => ({ pdev: p.endpoint }))]
      .map(({ pdev }) => (pdev.device.fwspec?.hasOps ? pdev.device.fwspec.iommuNode : null))
      .filter((p): p is string => p !== null),
  );
  const parents = new Set(dt.platformDevices.map((p) => p.pdev.node.parent));
  const platformDevices = [...dt.platformDevices]
    .sort((a, b) => order.get(a.pdev.node)! - order.get(b.pdev.node)!)
    .map(({ pdev, ret }) => ({
      path: pdev.node.path,
      device: pdev.device,
      ret,
      dmaIommu: dmaIommu.get(pdev.device) ?? null,
      infrastructure: parents.has(pdev.node) || iommuNodes.has(pdev.node.path),
      driverBound: null,
    }));
  const pciDevices = dt.pciDevices.map(({ endpoint, ret }) => {
    const path = pciPath(endpoint.device.pci?.segment ?? 0, endpoint.rid);
    const probed = iommu.devices.find((d) => d.device === endpoint.device);
    return {
      path,
      device: endpoint.device,
      ret,
      dmaIommu: dmaIommu.get(endpoint.device) ?? null,
      infrastructure: false,
      driverBound: probed?.pci?.driver ?? true,
    };
  });
  return { arch, memory, iommu, table, devices: [...platformDevices, ...pciDevices] };
}

/** Look a device up by its report path or its kernel name. */
export function findRuntimeDevice(plat: RuntimePlatform, name: string): RuntimeDevice | null {
  return plat.devices.find((d) => d.path === name || d.device.name === name) ?? null;
}

/**
 * The device a workload runs on when none is named: the first configured leaf platform device
 * whose DMA is constrained (a dma-ranges window or bus limit: where bouncing happens), else the
 * first PCI function a driver binds, else the first configured leaf platform device.
 */
export function defaultRuntimeDevice(plat: RuntimePlatform): RuntimeDevice | null {
  const usable = plat.devices.filter(
    (d) => d.ret === 0 && !d.infrastructure && d.device.dmaMask.kind !== 'null',
  );
  const platform = usable.filter((d) => d.driverBound === null);
  return (
    platform.find((d) => d.device.dmaRangeMap !== null || d.device.busDmaLimit !== 0n) ??
    usable.find((d) => d.driverBound === true) ??
    platform[0] ??
    null
  );
}

/**
 * Where generated buffers live: the highest free RAM range left after boot (the page
 * allocator hands out high memory first), at most 1 GiB of it.
 */
export function defaultPlacement(memory: DirectPlatform): { base: bigint; span: bigint } {
  const ranges = freeRanges(memory.memblock);
  if (ranges.length === 0) throw new MemoryLayoutError('no free RAM left after boot');
  const [start, end] = ranges.reduce((best, r) =>
    r[1] - r[0] >= 16n << 20n && r[0] > best[0] ? r : best,
  );
  const span = end - start > 1n << 30n ? 1n << 30n : end - start;
  return { base: end - span, span };
}
