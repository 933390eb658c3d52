// A DT PCI host bridge's windows (ranges, dma-ranges) for dma-iommu's PCI reservations, and
// the MSI controller its functions write to.
import type { PciHostBridgeWindows } from '@dmasim/dma-iommu';
import {
  type DtNode,
  findNodeByPhandle,
  getProperty,
  IORESOURCE_IO,
  isCompatible,
  OF_BAD_ADDR,
  type OfContext,
  ofAddressToResource,
  ofRanges,
  readCells,
} from '@dmasim/of';

/** The host bridge's outbound memory windows and inbound dma-ranges windows. */
export function hostBridgeWindows(ctx: OfContext, host: DtNode): PciHostBridgeWindows {
  const outbound = (ofRanges(ctx, host, 'ranges') ?? [])
    .filter((r) => r.cpuAddr !== OF_BAD_ADDR)
    .map((r) => ({
      cpuStart: r.cpuAddr,
      busStart: r.busAddr,
      size: r.size,
      kind: r.flags & IORESOURCE_IO ? ('io' as const) : ('mem' as const),
    }));
  const inbound = (ofRanges(ctx, host, 'dma-ranges') ?? [])
    .filter((r) => r.cpuAddr !== OF_BAD_ADDR)
    .map((r) => ({ busStart: r.busAddr, size: r.size, cpuStart: r.cpuAddr }));
  return { outbound, inbound };
}

// GICv2m frames take MSIs at MSI_SETSPI_NS (0x40); GICv3 ITSes at GITS_TRANSLATER (0x10040).
const DOORBELL_OFFSETS: [string, bigint][] = [
  ['arm,gic-v2m-frame', 0x40n],
  ['arm,gic-v3-its', 0x10040n],
];

/** The MSI controller a host bridge's functions write to: msi-map's first target, or msi-parent. */
export function msiDoorbell(ctx: OfContext, host: DtNode): bigint | null {
  const prop = getProperty(host, 'msi-map') ?? getProperty(host, 'msi-parent');
  if (!prop || prop.value.length < 4) return null;
  const cells = readCells(host, prop);
  const phandle = prop.name === 'msi-map' ? cells[1] : cells[0];
  const controller = phandle === undefined ? undefined : findNodeByPhandle(ctx, phandle);
  if (!controller) return null;
  const offset = DOORBELL_OFFSETS.find(([c]) => isCompatible(controller, c))?.[1];
  const res = ofAddressToResource(ctx, controller, 0);
  return offset === undefined || !res.resource ? null : res.resource.start + offset;
}
