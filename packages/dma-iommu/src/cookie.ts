// struct iommu_dma_cookie (domain->iova_cookie) and the per-device inputs dma-iommu reads:
// dev->iommu flags, the PCI host bridge windows, dma_parms, the swiotlb it may bounce through.
import {
  type Device,
  type DmaDataDirection,
  DmasimError,
  dmaSetMaxSegSize,
  dmaSetSegBoundary,
  U32_MAX,
} from '@dmasim/dma-mapping';
import {
  EEXIST,
  type IommuDomain,
  type IommuIotlbGather,
  newIotlbGather,
  type ReservedRegion,
} from '@dmasim/iommu-core';
import type { FlushQueue } from './flush-queue.js';
import type { IovaDomain } from './iova-allocator.js';
import type { IovaRcaches, SimClock } from './iova-rcache.js';

/** Misuse of the model (a call the kernel would BUG or WARN on), with the device it concerns. */
export class DmaIommuError extends DmasimError {
  static override readonly code: string = 'DMA_IOMMU_MISUSE';
  constructor(
    readonly device: string,
    message: string,
  ) {
    super(`${device}: ${message}`);
    this.name = 'DmaIommuError';
  }
}

/** One MSI doorbell page mapped in a domain (struct iommu_dma_msi_page). */
export interface MsiPage {
  phys: bigint;
  iova: bigint;
}

export interface DmaIommuStats {
  mapCalls: number;
  unmapCalls: number;
  /** arch_sync_dma_for_device / _for_cpu calls for non-coherent devices. */
  cacheSyncs: number;
  /** Mappings bounced through swiotlb. */
  bounces: number;
  mapFailures: number;
}

/** struct iommu_dma_cookie for an IOVA cookie: null allocator until iommu_dma_init_domain(). */
export interface IommuDmaCookie {
  iovad: IovaDomain | null;
  rcaches: IovaRcaches | null;
  /** cookie->fq_domain != NULL: unmaps are queued (DMA-FQ). */
  fq: FlushQueue | null;
  msiPages: MsiPage[];
  clock: SimClock;
  /** CPUs the per-CPU caches and queues are built for. */
  cpus: number;
  stats: DmaIommuStats;
  /** The gather unmaps fill (on the stack in the kernel; reused here to save an allocation). */
  gather: IommuIotlbGather;
}

/** A cookie after iommu_dma_init_domain(): allocator and caches present. */
export interface InitialisedCookie extends IommuDmaCookie {
  iovad: IovaDomain;
  rcaches: IovaRcaches;
}

/** A host bridge outbound (CPU → PCI) memory window: bus address = cpuStart - (cpuStart - busStart). */
export interface PciOutboundWindow {
  cpuStart: bigint;
  busStart: bigint;
  size: bigint;
  /** Only IORESOURCE_MEM windows are reserved; I/O windows are skipped. */
  kind?: 'mem' | 'io';
}

/** An inbound dma-ranges window of the host bridge (bridge->dma_ranges). */
export interface PciInboundWindow {
  busStart: bigint;
  size: bigint;
  /** CPU address (res->start), which the kernel sorts by; defaults to busStart. */
  cpuStart?: bigint;
}

export interface PciHostBridgeWindows {
  outbound: PciOutboundWindow[];
  inbound: PciInboundWindow[];
}

/** swiotlb as dma-iommu uses it for untrusted devices: an injected interface. */
export interface SwiotlbHook {
  /** is_swiotlb_active(dev) */
  active: boolean;
  /** swiotlb_tbl_map_single(): the bounce slot's physical address, or DMA_MAPPING_ERROR. */
  mapSingle(phys: bigint, size: bigint, allocAlignMask: bigint, dir: DmaDataDirection): bigint;
  /** swiotlb_tbl_unmap_single() */
  unmapSingle(phys: bigint, size: bigint, dir: DmaDataDirection): void;
  /** is_swiotlb_buffer() */
  isBuffer(phys: bigint): boolean;
}

/** What dma-iommu knows of a device besides struct device: dev->iommu, PCI facts, dma_parms. */
export interface IommuDmaDevice {
  dev: Device;
  /** iommu_get_dma_domain(dev): the group's default domain. */
  domain: IommuDomain;
  /** iommu_get_resv_regions(dev): what the IOMMU driver reports for the device. */
  resvRegions: ReservedRegion[];
  /** The PCI host bridge's windows; null for non-PCI devices. */
  hostBridge: PciHostBridgeWindows | null;
  /** pci_dev->untrusted (external-facing port): always bounce unaligned buffers, never lazy. */
  untrusted: boolean;
  /** dev->iommu->pci_32bit_workaround: try below 4 GiB first. */
  pci32BitWorkaround: boolean;
  /** device_iommu_capable(dev, IOMMU_CAP_DEFERRED_FLUSH). */
  deferredFlush: boolean;
  /** dev->iommu->shadow_on_flush: one big queue instead of per-CPU ones. */
  shadowOnFlush: boolean;
  swiotlb: SwiotlbHook | null;
  /** The CPU the calls run on (per-CPU caches and queues). */
  cpu: number;
}

export interface NewIommuDmaDevice {
  dev: Device;
  domain: IommuDomain;
  resvRegions?: ReservedRegion[];
  hostBridge?: PciHostBridgeWindows | null;
  untrusted?: boolean;
  deferredFlush?: boolean;
  shadowOnFlush?: boolean;
  swiotlb?: SwiotlbHook | null;
  cpu?: number;
}

/**
 * The device as iommu probe leaves it. A PCI device without dma_parms gets pci_device_add()'s
 * (64 KiB segments, 4 GiB boundary); others keep the DMA API defaults (64 KiB, no boundary).
 */
export function createIommuDmaDevice(init: NewIommuDmaDevice): IommuDmaDevice {
  const { dev } = init;
  if (dev.bus === 'pci') {
    if (!dev.dmaParms?.maxSegmentSize) dmaSetMaxSegSize(dev, 0x10000n);
    if (!dev.dmaParms?.segmentBoundaryMask) dmaSetSegBoundary(dev, U32_MAX);
  }
  return {
    dev: init.dev,
    domain: init.domain,
    resvRegions: init.resvRegions ?? [],
    hostBridge: init.hostBridge ?? null,
    untrusted: init.untrusted ?? false,
    pci32BitWorkaround: false,
    deferredFlush: init.deferredFlush ?? true,
    shadowOnFlush: init.shadowOnFlush ?? false,
    swiotlb: init.swiotlb ?? null,
    cpu: init.cpu ?? 0,
  };
}

/**
 * iommu_get_dma_cookie(): attach an empty IOVA cookie to a DMA domain. -EEXIST (as a negative
 * number) when one is already there, 0 otherwise.
 */
export function iommuGetDmaCookie(
  domain: IommuDomain,
  opts: { cpus?: number; clock?: SimClock } = {},
): number {
  if (domain.iovaCookie !== null) return -EEXIST;
  const cookie: IommuDmaCookie = {
    iovad: null,
    rcaches: null,
    fq: null,
    msiPages: [],
    clock: opts.clock ?? { nowMs: 0 },
    cpus: opts.cpus ?? 1,
    stats: { mapCalls: 0, unmapCalls: 0, cacheSyncs: 0, bounces: 0, mapFailures: 0 },
    gather: newIotlbGather(),
  };
  domain.iovaCookie = cookie;
  return 0;
}

/** The domain's cookie, or null when none was attached. */
export function getCookie(domain: IommuDomain): IommuDmaCookie | null {
  return (domain.iovaCookie as IommuDmaCookie | null) ?? null;
}

/** The cookie of an initialised DMA domain; a typed error otherwise. */
export function initialisedCookie(ddev: IommuDmaDevice): InitialisedCookie {
  const cookie = getCookie(ddev.domain);
  if (!cookie?.iovad || !cookie.rcaches) {
    throw new DmaIommuError(ddev.dev.name, 'domain has no initialised DMA cookie');
  }
  return cookie as InitialisedCookie;
}
