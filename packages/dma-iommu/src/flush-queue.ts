// The DMA-FQ flush queue of drivers/iommu/dma-iommu.c: unmapped IOVAs wait in a per-CPU ring
// until one IOTLB flush covers a whole batch (ring full, or the 10 ms timer).
import { type IommuDomain, iommuFlushIotlbAll } from '@dmasim/iommu-core';
import { freeIovaFast, type IovaRcaches } from './iova-rcache.js';

/** IOVA_DEFAULT_FQ_SIZE / IOVA_DEFAULT_FQ_TIMEOUT: per-CPU queues. */
export const IOVA_DEFAULT_FQ_SIZE = 256;
export const IOVA_DEFAULT_FQ_TIMEOUT_MS = 10;
/** IOVA_SINGLE_FQ_SIZE / IOVA_SINGLE_FQ_TIMEOUT: one shared queue for shadowing IOMMUs. */
export const IOVA_SINGLE_FQ_SIZE = 32768;
export const IOVA_SINGLE_FQ_TIMEOUT_MS = 1000;

/** struct iova_fq: a ring of (pfn, pages, flush counter) with one slot always left empty. */
interface IovaFq {
  pfns: Float64Array;
  pages: Float64Array;
  counters: Float64Array;
  head: number;
  tail: number;
  modMask: number;
}

export interface FlushQueueStats {
  queued: number;
  /** fq_flush_iotlb() calls: one domain-wide IOTLB invalidation each. */
  flushes: number;
  flushesWhenFull: number;
  flushesByTimer: number;
}

export interface FlushQueue {
  single: boolean;
  queues: IovaFq[];
  size: number;
  timeoutMs: number;
  flushStartCnt: number;
  flushFinishCnt: number;
  /** fq_timer: when it fires, and on which CPU it was armed; null when not armed. */
  timerDueMs: number | null;
  timerCpu: number;
  stats: FlushQueueStats;
}

function newRing(size: number): IovaFq {
  return {
    pfns: new Float64Array(size),
    pages: new Float64Array(size),
    counters: new Float64Array(size),
    head: 0,
    tail: 0,
    modMask: size - 1,
  };
}

/** iommu_dma_init_fq(): per-CPU rings of 256, or one ring of 32768 when shadowOnFlush. */
export function initFlushQueue(cpus: number, shadowOnFlush: boolean): FlushQueue {
  const single = shadowOnFlush;
  const size = single ? IOVA_SINGLE_FQ_SIZE : IOVA_DEFAULT_FQ_SIZE;
  const queues: IovaFq[] = [];
  for (let i = 0; i < (single ? 1 : cpus); i++) queues.push(newRing(size));
  return {
    single,
    queues,
    size,
    timeoutMs: single ? IOVA_SINGLE_FQ_TIMEOUT_MS : IOVA_DEFAULT_FQ_TIMEOUT_MS,
    flushStartCnt: 0,
    flushFinishCnt: 0,
    timerDueMs: null,
    timerCpu: 0,
    stats: { queued: 0, flushes: 0, flushesWhenFull: 0, flushesByTimer: 0 },
  };
}

/** fq_ring_free_locked(): release entries whose flush has completed, oldest first. */
function ringFree(fq: FlushQueue, ring: IovaFq, rc: IovaRcaches, cpu: number): void {
  const done = fq.flushFinishCnt;
  while (ring.head !== ring.tail) {
    const idx = ring.head;
    if (ring.counters[idx]! >= done) break;
    freeIovaFast(rc, ring.pfns[idx]!, ring.pages[idx]!, cpu);
    ring.head = (idx + 1) & ring.modMask;
  }
}

/** fq_flush_iotlb(): one domain-wide invalidation, bracketed by the start/finish counters. */
function flushIotlb(fq: FlushQueue, domain: IommuDomain): void {
  fq.flushStartCnt++;
  iommuFlushIotlbAll(domain);
  fq.flushFinishCnt++;
  fq.stats.flushes++;
}

/**
 * queue_iova(): park an unmapped range until an IOTLB flush covers it; a full ring forces the
 * flush now, and the first queued entry arms the timer.
 */
export function queueIova(
  fq: FlushQueue,
  domain: IommuDomain,
  rc: IovaRcaches,
  pfn: number,
  pages: number,
  cpu: number,
  nowMs: number,
): void {
  const ring = fq.single ? fq.queues[0]! : fq.queues[cpu];
  if (ring === undefined) throw new RangeError(`flush queue: no CPU ${cpu}`);
  ringFree(fq, ring, rc, cpu);
  if (((ring.tail + 1) & ring.modMask) === ring.head) {
    flushIotlb(fq, domain);
    fq.stats.flushesWhenFull++;
    ringFree(fq, ring, rc, cpu);
  }
  const idx = ring.tail;
  ring.tail = (idx + 1) & ring.modMask;
  ring.pfns[idx] = pfn;
  ring.pages[idx] = pages;
  ring.counters[idx] = fq.flushStartCnt;
  fq.stats.queued++;
  if (fq.timerDueMs === null) {
    fq.timerDueMs = nowMs + fq.timeoutMs;
    fq.timerCpu = cpu;
  }
}

/** fq_flush_timeout(): flush once and release every ring. */
export function flushQueueTimeout(fq: FlushQueue, domain: IommuDomain, rc: IovaRcaches): void {
  const cpu = fq.timerCpu;
  fq.timerDueMs = null;
  flushIotlb(fq, domain);
  fq.stats.flushesByTimer++;
  for (const ring of fq.queues) ringFree(fq, ring, rc, cpu);
}

/** Entries still waiting for a flush, across all rings. */
export function flushQueueDepth(fq: FlushQueue): number {
  let n = 0;
  for (const ring of fq.queues) n += (ring.tail - ring.head) & ring.modMask;
  return n;
}
