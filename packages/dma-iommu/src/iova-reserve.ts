// What iommu_dma_init_domain() keeps out of a new IOVA space: the PCI host bridge's windows
// (iova_reserve_pci_windows) and the IOMMU's reserved regions (iova_reserve_iommu_regions).
import { addU64, EINVAL, hex64, logErr, subU64, U64_MAX } from '@dmasim/dma-mapping';
import { type ReservedRegion, resvRegionEnd } from '@dmasim/iommu-core';
import type { IommuDmaCookie, IommuDmaDevice, PciHostBridgeWindows } from './cookie.js';
import { type IovaDomain, iovaPfn, reserveIova } from './iova-allocator.js';

/** A bus-address range (inclusive) the PCI code reserves, and why. */
export interface PciReservation {
  start: bigint;
  end: bigint;
  kind: 'pci-outbound-window' | 'dma-ranges-gap' | 'above-dma-ranges';
}

/**
 * The bus-address ranges iova_reserve_pci_windows() reserves, in its order: every outbound
 * memory window, then the gaps before, between and after the inbound windows (sorted by CPU
 * address). An inbound window starting below the end of the previous one is the kernel's
 * "Failed to reserve IOVA" error: `error` holds the [start, end] it prints.
 */
export function pciWindowReservations(bridge: PciHostBridgeWindows): {
  ranges: PciReservation[];
  error: { start: bigint; end: bigint } | null;
} {
  const ranges: PciReservation[] = [];
  for (const w of bridge.outbound) {
    if ((w.kind ?? 'mem') !== 'mem' || w.size === 0n) continue;
    ranges.push({
      start: w.busStart,
      end: subU64(addU64(w.busStart, w.size), 1n),
      kind: 'pci-outbound-window',
    });
  }
  // list_sort() is stable and orders by res->start, the CPU address.
  const inbound = bridge.inbound
    .map((w, i) => ({ w, i }))
    .sort((a, b) => {
      const ka = a.w.cpuStart ?? a.w.busStart;
      const kb = b.w.cpuStart ?? b.w.busStart;
      return ka < kb ? -1 : ka > kb ? 1 : a.i - b.i;
    })
    .map((e) => e.w);
  let start = 0n;
  for (let i = 0; i < inbound.length; i++) {
    const w = inbound[i]!;
    let end = w.busStart;
    let kind: PciReservation['kind'] = 'dma-ranges-gap';
    for (;;) {
      if (end > start) ranges.push({ start, end, kind });
      else if (end < start) return { ranges, error: { start, end } };
      start = addU64(subU64(addU64(w.busStart, w.size), 1n), 1n);
      if (i === inbound.length - 1 && end !== U64_MAX) {
        end = U64_MAX;
        kind = 'above-dma-ranges';
        continue;
      }
      break;
    }
  }
  return { ranges, error: null };
}

/** iova_reserve_pci_windows(): 0, or -EINVAL with dev_err for overlapping inbound windows. */
export function iovaReservePciWindows(ddev: IommuDmaDevice, iovad: IovaDomain): number {
  if (!ddev.hostBridge) return 0;
  const { ranges, error } = pciWindowReservations(ddev.hostBridge);
  for (const r of ranges) reserveIova(iovad, iovaPfn(iovad, r.start), iovaPfn(iovad, r.end));
  if (error) {
    logErr(ddev.dev.log, `Failed to reserve IOVA [${hex64(error.start)}-${hex64(error.end)}]`);
    return -EINVAL;
  }
  return 0;
}

/** cookie_init_hw_msi_region(): a hardware MSI window is mapped 1:1, page by page. */
function initHwMsiRegion(cookie: IommuDmaCookie, iovad: IovaDomain, region: ReservedRegion): void {
  const granule = BigInt(iovad.granule);
  let start = region.start - (region.start & (granule - 1n));
  const end = addU64(region.start, region.length);
  const pages = (subU64(end, start) + granule - 1n) / granule;
  for (let i = 0n; i < pages; i++) {
    cookie.msiPages.unshift({ phys: start, iova: start });
    start += granule;
  }
}

/**
 * iova_reserve_iommu_regions(): PCI windows first, then every reserved region except the
 * software MSI window (dma-iommu allocates doorbell pages itself); hardware MSI windows are
 * also recorded as identity-mapped doorbell pages.
 */
export function iovaReserveIommuRegions(
  ddev: IommuDmaDevice,
  cookie: IommuDmaCookie,
  iovad: IovaDomain,
): number {
  if (ddev.dev.bus === 'pci') {
    const ret = iovaReservePciWindows(ddev, iovad);
    if (ret) return ret;
  }
  for (const region of ddev.resvRegions) {
    if (region.type === 'sw-msi') continue;
    reserveIova(iovad, iovaPfn(iovad, region.start), iovaPfn(iovad, resvRegionEnd(region)));
    if (region.type === 'msi') initHwMsiRegion(cookie, iovad, region);
  }
  return 0;
}
