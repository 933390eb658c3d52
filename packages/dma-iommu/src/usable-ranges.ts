// "Which IOVA ranges can this device really use?" Two views of one group's address space: what
// iommufd reports (IOMMU_IOAS_IOVA_RANGES: the aperture minus the group's reserved regions) and
// what dma-iommu's allocator will actually hand out, with every difference named.
import { minNotZero, U64_MAX } from '@dmasim/dma-mapping';
import {
  type IovaRange,
  type ReservedRegion,
  type ResvType,
  resvRegionEnd,
} from '@dmasim/iommu-core';
import { getCookie, type IommuDmaDevice, type PciHostBridgeWindows } from './cookie.js';
import { pfnToAddr } from './iova-allocator.js';
import { pciWindowReservations } from './iova-reserve.js';

export type IovaView = 'vfio' | 'dma-api';

export type RestrictionKind =
  | ResvType
  | 'pci-outbound-window'
  | 'dma-ranges-gap'
  | 'above-dma-ranges'
  | 'iova-floor'
  | 'above-dma-limit';

/** A range (inclusive) that one or both views cannot use, and why. */
export interface IovaRestriction {
  start: bigint;
  end: bigint;
  kind: RestrictionKind;
  views: IovaView[];
}

export interface UsableRangesInput {
  /** Domain geometry aperture, inclusive. */
  apertureStart: bigint;
  apertureEnd: bigint;
  /** IOVA granule (smallest IOMMU page): dma-iommu reserves whole granules. */
  granule: bigint;
  /** The group's merged reserved regions. */
  resvRegions: readonly ReservedRegion[];
  /** Host bridge windows of the PCI device that initialised the DMA domain, if any. */
  hostBridge?: PciHostBridgeWindows | null;
  /** start_pfn << shift: the allocator never goes below it. */
  iovaFloor?: bigint;
  /** min_not_zero(dma mask, bus_dma_limit) of a device: nothing above it is handed out. */
  dmaLimit?: bigint;
}

export interface UsableRanges {
  vfio: IovaRange[];
  dmaApi: IovaRange[];
  restrictions: IovaRestriction[];
}

/** Which views a reserved region type restricts (iommufd skips direct-relaxable; dma-iommu
 * allocates inside the software MSI window itself). */
function resvViews(type: ResvType): IovaView[] {
  if (type === 'direct-relaxable') return ['dma-api'];
  if (type === 'sw-msi') return ['vfio'];
  return ['vfio', 'dma-api'];
}

/** Round [start, end] out to whole granules, as reserve_iova() works in pfns. */
function granuleRange(start: bigint, end: bigint, granule: bigint): IovaRange {
  const mask = granule - 1n;
  return { start: start & ~mask, end: end | mask };
}

/** Ranges of [lo, hi] not covered by any of `holes` (all inclusive). */
export function subtractRanges(lo: bigint, hi: bigint, holes: readonly IovaRange[]): IovaRange[] {
  if (lo > hi) return [];
  const sorted = [...holes].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: IovaRange[] = [];
  let cursor = lo; // next address not yet accounted for; may reach hi + 1
  for (const h of sorted) {
    if (h.end < cursor || h.start > hi) continue;
    if (h.start > cursor) out.push({ start: cursor, end: h.start - 1n });
    if (h.end + 1n > cursor) cursor = h.end + 1n;
    if (cursor > hi) break;
  }
  if (cursor <= hi) out.push({ start: cursor, end: hi });
  return out;
}

/**
 * Both views side by side. Each view is the aperture minus the restrictions that name it; the
 * restrictions list says which view each one belongs to.
 */
export function usableIovaRanges(input: UsableRangesInput): UsableRanges {
  const g = input.granule;
  const restrictions: IovaRestriction[] = [];
  for (const r of input.resvRegions) {
    if (r.length === 0n) continue;
    const views = resvViews(r.type);
    const end = resvRegionEnd(r);
    // iommufd reserves exact bytes; dma-iommu whole granules.
    if (views.includes('vfio')) {
      restrictions.push({ start: r.start, end, kind: r.type, views: ['vfio'] });
    }
    if (views.includes('dma-api')) {
      restrictions.push({ ...granuleRange(r.start, end, g), kind: r.type, views: ['dma-api'] });
    }
  }
  if (input.hostBridge) {
    // A "Failed to reserve IOVA" error leaves the ranges reserved before it in place.
    for (const p of pciWindowReservations(input.hostBridge).ranges) {
      restrictions.push({ ...granuleRange(p.start, p.end, g), kind: p.kind, views: ['dma-api'] });
    }
  }
  const floor = input.iovaFloor ?? g;
  if (floor > 0n) {
    restrictions.push({ start: 0n, end: floor - 1n, kind: 'iova-floor', views: ['dma-api'] });
  }
  if (input.dmaLimit !== undefined && input.dmaLimit !== U64_MAX) {
    // The allocator hands out whole granules up to the one holding the limit.
    const top = input.dmaLimit | (g - 1n);
    if (top < U64_MAX) {
      restrictions.push({
        start: top + 1n,
        end: U64_MAX,
        kind: 'above-dma-limit',
        views: ['dma-api'],
      });
    }
  }
  const holesFor = (view: IovaView) => restrictions.filter((r) => r.views.includes(view));
  return {
    vfio: subtractRanges(input.apertureStart, input.apertureEnd, holesFor('vfio')),
    dmaApi: subtractRanges(input.apertureStart, input.apertureEnd, holesFor('dma-api')),
    restrictions,
  };
}

/**
 * The two views for a device whose DMA domain is initialised: its group's reserved regions are
 * passed in (iommu_get_group_resv_regions), the rest comes from the device and the domain.
 */
export function usableRangesForDevice(
  ddev: IommuDmaDevice,
  groupResvRegions: readonly ReservedRegion[],
  dmaMask?: bigint,
): UsableRanges {
  const iovad = getCookie(ddev.domain)?.iovad ?? null;
  const { geometry } = ddev.domain;
  const granule = iovad ? BigInt(iovad.granule) : 1n << BigInt(lowestBit(ddev.domain.pgsizeBitmap));
  return usableIovaRanges({
    apertureStart: geometry.apertureStart,
    apertureEnd: geometry.apertureEnd,
    granule,
    resvRegions: groupResvRegions,
    hostBridge: ddev.dev.bus === 'pci' ? ddev.hostBridge : null,
    iovaFloor: iovad ? pfnToAddr(iovad, iovad.startPfn) : granule,
    dmaLimit: dmaMask === undefined ? undefined : minNotZero(dmaMask, ddev.dev.busDmaLimit),
  });
}

function lowestBit(x: bigint): number {
  if (x === 0n) return 12;
  let n = 0;
  while (((x >> BigInt(n)) & 1n) === 0n) n++;
  return n;
}
