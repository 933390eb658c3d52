// The per-CPU IOVA range caches of drivers/iommu/iova.c (magazines and a depot, after Bonwick &
// Adams), and alloc_iova_fast() / free_iova_fast() on top of them.
import {
  allocIova,
  findIova,
  freeIova,
  type IovaDomain,
  IovaDomainError,
  removeIova,
} from './iova-allocator.js';

/** IOVA_MAG_SIZE: pfns per magazine (chosen so a magazine is 1 KiB in the kernel). */
export const IOVA_MAG_SIZE = 127;
/** IOVA_RANGE_CACHE_MAX_SIZE: orders 0..5 (1..32 pages) are cached. */
export const IOVA_RANGE_CACHE_MAX_SIZE = 6;
/** IOVA_DEPOT_DELAY: the depot trims one magazine per 100 ms while it holds more than one per CPU. */
export const IOVA_DEPOT_DELAY_MS = 100;

interface IovaMagazine {
  size: number;
  pfns: Float64Array;
}

interface IovaCpuRcache {
  loaded: IovaMagazine;
  prev: IovaMagazine;
}

interface IovaRcache {
  /** Full magazines, most recently pushed last. */
  depot: IovaMagazine[];
  cpus: IovaCpuRcache[];
  /** When the delayed depot work is due; null when not scheduled. */
  depotWorkDueMs: number | null;
}

export interface IovaRcacheStats {
  fastAllocs: number;
  rcacheHits: number;
  rcacheMisses: number;
  fastAllocFailures: number;
  /** Times every cache was flushed back to the tree to retry a failed allocation. */
  rcacheFlushes: number;
  depotPushes: number;
  depotReclaims: number;
}

/** A simulated clock the caller advances; timers compare against it. */
export interface SimClock {
  nowMs: number;
}

/** iovad->rcaches plus the CPU count they are built for. */
export interface IovaRcaches {
  iovad: IovaDomain;
  caches: IovaRcache[];
  /** Online CPUs; each has its own loaded/prev magazines. */
  cpus: number;
  clock: SimClock;
  stats: IovaRcacheStats;
}

// A magazine's storage comes with its first pfn: a domain starts with two per CPU per order, and
// allocating them all up front dominated booting a board with many IOMMU masters.
const NO_PFNS = new Float64Array(0);

function newMagazine(): IovaMagazine {
  return { size: 0, pfns: NO_PFNS };
}

/** iova_magazine_push() */
function magazinePush(mag: IovaMagazine, pfn: number): void {
  if (mag.pfns === NO_PFNS) mag.pfns = new Float64Array(IOVA_MAG_SIZE);
  mag.pfns[mag.size++] = pfn;
}

/** iova_domain_init_rcaches() */
export function initIovaRcaches(
  iovad: IovaDomain,
  cpus: number,
  clock: SimClock = { nowMs: 0 },
): IovaRcaches {
  if (!Number.isInteger(cpus) || cpus < 1) {
    throw new IovaDomainError(`${cpus} CPUs`, 'cpus');
  }
  const caches: IovaRcache[] = [];
  for (let order = 0; order < IOVA_RANGE_CACHE_MAX_SIZE; order++) {
    const perCpu: IovaCpuRcache[] = [];
    for (let c = 0; c < cpus; c++) perCpu.push({ loaded: newMagazine(), prev: newMagazine() });
    caches.push({ depot: [], cpus: perCpu, depotWorkDueMs: null });
  }
  return {
    iovad,
    caches,
    cpus,
    clock,
    stats: {
      fastAllocs: 0,
      rcacheHits: 0,
      rcacheMisses: 0,
      fastAllocFailures: 0,
      rcacheFlushes: 0,
      depotPushes: 0,
      depotReclaims: 0,
    },
  };
}

/** order_base_2(): ceil(log2(n)), 0 for n <= 1. */
export function orderBase2(n: number): number {
  if (n <= 1) return 0;
  const m = n - 1;
  return m < 2 ** 32 ? 32 - Math.clz32(m) : 64 - Math.clz32(Math.floor(m / 2 ** 32));
}

function cpuRcache(rc: IovaRcaches, cache: IovaRcache, cpu: number): IovaCpuRcache {
  const c = cache.cpus[cpu];
  if (c === undefined) throw new IovaDomainError(`no CPU ${cpu} (have ${rc.cpus})`, 'cpu');
  return c;
}

/** iova_magazine_free_pfns(): give every pfn of a magazine back to the tree. */
function magazineFreePfns(iovad: IovaDomain, mag: IovaMagazine): void {
  for (let i = 0; i < mag.size; i++) {
    const node = findIova(iovad, mag.pfns[i]!);
    if (node) removeIova(iovad, node); // the kernel WARNs on a missing one and goes on
  }
  mag.size = 0;
}

/** iova_magazine_pop(): the topmost pfn not above limitPfn, swapped out; 0 when none fits. */
function magazinePop(mag: IovaMagazine, limitPfn: number): number {
  let i = mag.size - 1;
  while (mag.pfns[i]! > limitPfn) {
    if (i === 0) return 0;
    i--;
  }
  const pfn = mag.pfns[i]!;
  mag.size--;
  mag.pfns[i] = mag.pfns[mag.size]!;
  return pfn;
}

function scheduleDepotWork(rc: IovaRcaches, cache: IovaRcache): void {
  if (cache.depotWorkDueMs === null) cache.depotWorkDueMs = rc.clock.nowMs + IOVA_DEPOT_DELAY_MS;
}

/** __iova_rcache_insert(): always succeeds in the model (magazine allocation cannot fail). */
function rcacheInsert(rc: IovaRcaches, pfn: number, size: number, cpu: number): boolean {
  const order = orderBase2(size);
  if (order >= IOVA_RANGE_CACHE_MAX_SIZE) return false;
  const cache = rc.caches[order]!;
  const c = cpuRcache(rc, cache, cpu);
  if (c.loaded.size === IOVA_MAG_SIZE) {
    if (c.prev.size !== IOVA_MAG_SIZE) {
      const t = c.prev;
      c.prev = c.loaded;
      c.loaded = t;
    } else {
      cache.depot.push(c.loaded);
      rc.stats.depotPushes++;
      scheduleDepotWork(rc, cache);
      c.loaded = newMagazine();
    }
  }
  magazinePush(c.loaded, pfn);
  return true;
}

/** iova_rcache_get(): limitPfn is exclusive, as alloc_iova_fast passes it. */
function rcacheGet(rc: IovaRcaches, size: number, limitPfn: number, cpu: number): number {
  const order = orderBase2(size);
  if (order >= IOVA_RANGE_CACHE_MAX_SIZE) return 0;
  const cache = rc.caches[order]!;
  const c = cpuRcache(rc, cache, cpu);
  if (c.loaded.size === 0) {
    if (c.prev.size !== 0) {
      const t = c.prev;
      c.prev = c.loaded;
      c.loaded = t;
    } else {
      const mag = cache.depot.pop();
      if (mag === undefined) return 0;
      c.loaded = mag;
    }
  }
  return magazinePop(c.loaded, limitPfn - size);
}

/** free_cpu_cached_iovas() */
export function freeCpuCachedIovas(rc: IovaRcaches, cpu: number): void {
  for (const cache of rc.caches) {
    const c = cpuRcache(rc, cache, cpu);
    magazineFreePfns(rc.iovad, c.loaded);
    magazineFreePfns(rc.iovad, c.prev);
  }
}

/** free_global_cached_iovas() */
export function freeGlobalCachedIovas(rc: IovaRcaches): void {
  for (const cache of rc.caches) {
    for (let mag = cache.depot.pop(); mag; mag = cache.depot.pop()) {
      magazineFreePfns(rc.iovad, mag);
    }
  }
}

/** Round a cacheable size up to a power of two, as alloc_iova_fast does. */
export function fastAllocLength(size: number): number {
  // Orders below 5 fit a 32-bit shift (2 ** n would be a Math.pow call on this hot path).
  return size < 1 << (IOVA_RANGE_CACHE_MAX_SIZE - 1) ? 1 << orderBase2(size) : size;
}

/**
 * alloc_iova_fast(): a cached range when one fits below limitPfn (inclusive), else a size-aligned
 * tree allocation; if that fails and flushRcache is set, every cache is flushed back to the tree
 * and the tree is tried once more. Returns the start pfn, 0 on failure.
 */
export function allocIovaFast(
  rc: IovaRcaches,
  size: number,
  limitPfn: number,
  flushRcache: boolean,
  cpu = 0,
): number {
  rc.stats.fastAllocs++;
  const len = fastAllocLength(size);
  const cached = rcacheGet(rc, len, limitPfn + 1, cpu);
  if (cached) {
    rc.stats.rcacheHits++;
    return cached;
  }
  rc.stats.rcacheMisses++;
  for (;;) {
    const node = allocIova(rc.iovad, len, limitPfn, true);
    if (node) return node.pfnLo;
    if (!flushRcache) break;
    flushRcache = false;
    rc.stats.rcacheFlushes++;
    for (let cpuNr = 0; cpuNr < rc.cpus; cpuNr++) freeCpuCachedIovas(rc, cpuNr);
    freeGlobalCachedIovas(rc);
  }
  rc.stats.fastAllocFailures++;
  return 0;
}

/** free_iova_fast(): into this CPU's cache when the size is cacheable, else back to the tree. */
export function freeIovaFast(rc: IovaRcaches, pfn: number, size: number, cpu = 0): void {
  if (rcacheInsert(rc, pfn, size, cpu)) return;
  freeIova(rc.iovad, pfn);
}

/**
 * iova_depot_work_func(), run for every depot whose delayed work is due by `nowMs`: while a
 * depot holds more magazines than there are CPUs, free one and look again 100 ms later.
 */
export function runDepotWork(rc: IovaRcaches, nowMs: number): void {
  for (const cache of rc.caches) {
    while (cache.depotWorkDueMs !== null && cache.depotWorkDueMs <= nowMs) {
      const ranAt = cache.depotWorkDueMs;
      cache.depotWorkDueMs = null;
      if (cache.depot.length > rc.cpus) {
        magazineFreePfns(rc.iovad, cache.depot.pop()!);
        rc.stats.depotReclaims++;
        cache.depotWorkDueMs = ranAt + IOVA_DEPOT_DELAY_MS;
      }
    }
  }
}

/** Every cached pfn with the order of the cache holding it, for inspection and checks. */
export function cachedPfns(rc: IovaRcaches): Array<{ pfn: number; order: number }> {
  const out: Array<{ pfn: number; order: number }> = [];
  rc.caches.forEach((cache, order) => {
    const mags = [...cache.depot, ...cache.cpus.flatMap((c) => [c.loaded, c.prev])];
    for (const mag of mags) {
      for (let i = 0; i < mag.size; i++) out.push({ pfn: mag.pfns[i]!, order });
    }
  });
  return out;
}

/** Number of magazines waiting in each order's depot. */
export function depotSizes(rc: IovaRcaches): number[] {
  return rc.caches.map((c) => c.depot.length);
}
