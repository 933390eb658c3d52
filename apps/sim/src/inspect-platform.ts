// `dmasim inspect` for a device tree: every device's firmware configuration, and for devices
// behind an IOMMU what the IOMMU core and dma-iommu then decided.

import { iovaFloor } from '@dmasim/dma-iommu';
import { type Device, getDmaMask, hex, minNotZero, minU64 } from '@dmasim/dma-mapping';
import { sysfsGroupType } from '@dmasim/iommu-core';
import { type DeviceTree, walkNodes } from '@dmasim/of';
import {
  buildIommuPlatform,
  type IommuPlatformOptions,
  type ProbedDevice,
} from './iommu-platform.js';
import { type DeviceReport, deviceReport, type InspectReport, pciPath } from './report.js';

/** The IOVA window dma-iommu allocates in for a device: [iova floor, min(masks, limit, aperture)]. */
function iovaWindow(probed: ProbedDevice): { base: string; limit: string } | null {
  const ddev = probed.dmaIommu;
  const base = ddev ? iovaFloor(ddev) : null;
  if (!ddev || base === null) return null;
  const dev: Device = probed.device;
  const mask = getDmaMask(dev) ?? dev.coherentDmaMask;
  let limit = minNotZero(mask, dev.busDmaLimit);
  if (ddev.domain.geometry.forceAperture) limit = minU64(limit, ddev.domain.geometry.apertureEnd);
  return { base: hex(base), limit: hex(limit) };
}

/** Group, default domain type and IOVA window into the device's `iommu` entry. */
function withIommuState(report: DeviceReport, probed: ProbedDevice | undefined): DeviceReport {
  if (!report.iommu || !probed?.group) return report;
  const iova = iovaWindow(probed);
  return {
    ...report,
    iommu: {
      ...report.iommu,
      group: probed.group.id,
      domain: sysfsGroupType(probed.group).trim(),
      ...(iova ? { iovaBase: iova.base, iovaLimit: iova.limit } : {}),
    },
  };
}

/** Platform devices in tree order, then PCI functions, as the kernel configured and probed them. */
export function inspectDeviceTree(
  tree: DeviceTree,
  options: IommuPlatformOptions = {},
): InspectReport {
  const platform = buildIommuPlatform(tree, options);
  const probed = new Map(platform.devices.map((p) => [p.device, p]));
  const order = new Map([...walkNodes(tree.root)].map((n, i) => [n, i]));
  const platformReports = [...platform.dt.platformDevices]
    .sort((a, b) => order.get(a.pdev.node)! - order.get(b.pdev.node)!)
    .map(({ pdev, ret }) =>
      withIommuState(
        deviceReport(pdev.device, { path: pdev.node.path, ret }),
        probed.get(pdev.device),
      ),
    );
  const pciReports = platform.dt.pciDevices.map(({ endpoint, ret }) => {
    const where: { path: string; ret: number; node?: string } = {
      path: pciPath(endpoint.device.pci?.segment ?? 0, endpoint.rid),
      ret,
    };
    if (endpoint.node) where.node = endpoint.node.path;
    return withIommuState(deviceReport(endpoint.device, where), probed.get(endpoint.device));
  });
  return { arch: platform.dt.arch, devices: [...platformReports, ...pciReports] };
}
