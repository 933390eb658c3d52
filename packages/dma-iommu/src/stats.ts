// One snapshot of a DMA domain's counters: allocator, caches, page tables, IOTLB, flush queue.
import type { IommuDomain } from '@dmasim/iommu-core';
import { iommuTablePages } from '@dmasim/iommu-core';
import { getCookie } from './cookie.js';
import { flushQueueDepth } from './flush-queue.js';
import { iovaRangeCount } from './iova-allocator.js';

export interface DmaIommuDomainStats {
  /** alloc_iova_fast() calls and how many the caches answered. */
  iovaAllocs: number;
  rcacheHits: number;
  rcacheHitRate: number;
  iovaAllocFailures: number;
  rcacheFlushes: number;
  treeAllocs: number;
  treeFrees: number;
  /** Ranges in the tree now (allocated, cached and reserved). */
  treeRanges: number;
  mapCalls: number;
  unmapCalls: number;
  mapFailures: number;
  cacheSyncs: number;
  bounces: number;
  /** Page-table pages per level (radix tables only) and their total. */
  pageTablePages: number[];
  pageTablePagesTotal: number;
  /** IOTLB invalidations: per-unmap syncs (strict) and domain-wide flushes (lazy). */
  iotlbSyncs: number;
  iotlbFlushAll: number;
  fqFlushes: number;
  fqFlushesWhenFull: number;
  fqFlushesByTimer: number;
  fqPending: number;
}

/** Counters of a domain with a DMA cookie; null before iommu_dma_init_domain(). */
export function dmaIommuDomainStats(domain: IommuDomain): DmaIommuDomainStats | null {
  const cookie = getCookie(domain);
  if (!cookie?.iovad || !cookie.rcaches) return null;
  const rs = cookie.rcaches.stats;
  const is = cookie.iovad.stats;
  const pages = iommuTablePages(domain);
  const fq = cookie.fq;
  return {
    iovaAllocs: rs.fastAllocs,
    rcacheHits: rs.rcacheHits,
    rcacheHitRate: rs.fastAllocs ? rs.rcacheHits / rs.fastAllocs : 0,
    iovaAllocFailures: rs.fastAllocFailures,
    rcacheFlushes: rs.rcacheFlushes,
    treeAllocs: is.treeAllocs,
    treeFrees: is.treeFrees,
    treeRanges: iovaRangeCount(cookie.iovad),
    mapCalls: cookie.stats.mapCalls,
    unmapCalls: cookie.stats.unmapCalls,
    mapFailures: cookie.stats.mapFailures,
    cacheSyncs: cookie.stats.cacheSyncs,
    bounces: cookie.stats.bounces,
    pageTablePages: pages,
    pageTablePagesTotal: pages.reduce((a, b) => a + b, 0),
    iotlbSyncs: domain.iotlb.sync,
    iotlbFlushAll: domain.iotlb.flushAll,
    fqFlushes: fq?.stats.flushes ?? 0,
    fqFlushesWhenFull: fq?.stats.flushesWhenFull ?? 0,
    fqFlushesByTimer: fq?.stats.flushesByTimer ?? 0,
    fqPending: fq ? flushQueueDepth(fq) : 0,
  };
}
