// struct iommu_domain: type, page sizes, geometry, page-table state and IOTLB counters.
import { type IntervalMappings, newIntervalMappings } from './interval-mappings.js';
import { newRadixPageTable, type RadixFormat, type RadixPageTable } from './io-pgtable.js';
import { type IommuIotlbGather, iommuIotlbGatherInit } from './iotlb-gather.js';

/** Sysfs names of the domain types (iommu_group type attribute). */
export type DomainType = 'identity' | 'DMA' | 'DMA-FQ' | 'blocked' | 'unmanaged';

/** __IOMMU_DOMAIN_PAGING: the domain has a page table and accepts iommu_map(). */
export function domainIsPaging(type: DomainType): boolean {
  return type === 'DMA' || type === 'DMA-FQ' || type === 'unmanaged';
}

/** __IOMMU_DOMAIN_DMA_API: the DMA API (dma-iommu) owns the domain's IOVA space. */
export function domainUsesDmaApi(type: DomainType): boolean {
  return type === 'DMA' || type === 'DMA-FQ';
}

export interface DomainGeometry {
  apertureStart: bigint;
  /** Inclusive. */
  apertureEnd: bigint;
  /** DMA API must stay inside the aperture (dma-iommu clips its limit to apertureEnd). */
  forceAperture: boolean;
}

/** Counters of the invalidations a real IOMMU would be asked for. */
export interface IotlbStats {
  /** ops->map_pages() calls. */
  mapPagesCalls: number;
  /** ops->unmap_pages() calls. */
  unmapPagesCalls: number;
  /** Leaf entries whose invalidation was added to the gather (io_pgtable_tlb_add_page). */
  tlbAddPage: number;
  /** Walk-cache invalidations for freed tables (io_pgtable_tlb_flush_walk). */
  tlbFlushWalk: number;
  /** iotlb_sync_map() after a successful iommu_map(). */
  syncMap: number;
  /** iommu_iotlb_sync() after an unmap. */
  sync: number;
  /** iommu_flush_iotlb_all() (flush-queue batches). */
  flushAll: number;
}

/** The page-table state behind a paging domain. */
export type DomainPageTable = RadixPageTable | IntervalMappings;

export interface IommuDomain {
  type: DomainType;
  /** The IOMMU instance (its firmware node id) that allocated the domain. */
  iommu: string;
  /** Supported page sizes: bit n set means 2^n bytes. 0 for identity/blocked. */
  pgsizeBitmap: bigint;
  geometry: DomainGeometry;
  /** null for identity and blocked domains. */
  pageTable: DomainPageTable | null;
  iotlb: IotlbStats;
  /** domain->iova_cookie: owned by dma-iommu (its IOVA domain and flush queue); null until set. */
  iovaCookie: unknown;
}

export function newIotlbStats(): IotlbStats {
  return {
    mapPagesCalls: 0,
    unmapPagesCalls: 0,
    tlbAddPage: 0,
    tlbFlushWalk: 0,
    syncMap: 0,
    sync: 0,
    flushAll: 0,
  };
}

/** How a driver's paging domains translate: an io-pgtable style radix table, or virtio-iommu. */
export type PageTableSpec = { kind: 'radix'; format: RadixFormat } | { kind: 'intervals' };

export interface NewDomain {
  type: DomainType;
  iommu: string;
  pgsizeBitmap: bigint;
  geometry: DomainGeometry;
  pageTable: PageTableSpec;
}

/** A driver's domain_alloc: paging types get a page table, identity/blocked none. */
export function createDomain(init: NewDomain): IommuDomain {
  const paging = domainIsPaging(init.type);
  let pageTable: DomainPageTable | null = null;
  if (paging) {
    pageTable =
      init.pageTable.kind === 'radix'
        ? newRadixPageTable(init.pageTable.format)
        : newIntervalMappings();
  }
  return {
    type: init.type,
    iommu: init.iommu,
    pgsizeBitmap: paging ? init.pgsizeBitmap : 0n,
    geometry: { ...init.geometry },
    pageTable,
    iotlb: newIotlbStats(),
    iovaCookie: null,
  };
}

/** iommu_flush_iotlb_all(): what a flush-queue batch does. */
export function iommuFlushIotlbAll(domain: IommuDomain): void {
  domain.iotlb.flushAll++;
}

/** iommu_iotlb_sync(): complete the invalidations gathered by unmaps and empty the gather. */
export function iommuIotlbSync(domain: IommuDomain, gather?: IommuIotlbGather): void {
  domain.iotlb.sync++;
  if (gather) iommuIotlbGatherInit(gather);
}
