// The measuring core of kernel/dma/map_benchmark.c (DMA_MAP_BENCHMARK ioctl): threads map and
// unmap `granule` pages in a loop for `seconds`; latencies are summed in units of 100 ns and the
// result is the mean and standard deviation. Pure: the clock and the map/unmap calls are injected.

import {
  DMA_DIRECTION_NAMES,
  DMA_MAPPING_ERROR,
  type DmaDataDirection,
  DmasimError,
} from '@dmasim/dma-mapping';

/** DMA_MAP_MAX_SECONDS / DMA_MAP_MAX_TRANS_DELAY */
export const DMA_MAP_MAX_SECONDS = 300;
export const DMA_MAP_MAX_TRANS_DELAY = 10_000_000;

export interface MapBenchmarkParams {
  threads: number;
  seconds: number;
  /** Pages per mapping. */
  granule: number;
  dir: DmaDataDirection;
  /** ndelay() between map and unmap: the pretend transfer. */
  dmaTransNs: number;
  /** Online CPUs: the ioctl refuses more threads. */
  onlineCpus: number;
}

export interface MapBenchmarkClock {
  /** ktime_get() in nanoseconds. */
  now(): number;
  /** ndelay(); a virtual clock advances here. */
  delay(ns: number): void;
}

export interface MapBenchmarkOps {
  map(thread: number, size: bigint): bigint;
  unmap(thread: number, dma: bigint, size: bigint): void;
}

export interface MapBenchmarkResult {
  loops: number;
  avgMap100ns: number;
  mapStddev: number;
  avgUnmap100ns: number;
  unmapStddev: number;
  /** pr_err() lines ("dma_map_single failed on ..."). */
  errors: string[];
}

export class MapBenchmarkParamError extends DmasimError {
  static override readonly code: string = 'MAP_BENCHMARK_PARAM';
  override name = 'MapBenchmarkParamError';
  constructor(
    message: string,
    readonly field: keyof MapBenchmarkParams,
  ) {
    super(`${field}: ${message}`);
  }
}

/** map_benchmark_ioctl()'s parameter checks, with its messages. */
export function validateMapBenchmarkParams(p: MapBenchmarkParams): void {
  if (!Number.isInteger(p.threads) || p.threads <= 0 || p.threads > p.onlineCpus) {
    throw new MapBenchmarkParamError('invalid thread number', 'threads');
  }
  if (!Number.isInteger(p.seconds) || p.seconds <= 0 || p.seconds > DMA_MAP_MAX_SECONDS) {
    throw new MapBenchmarkParamError('invalid duration seconds', 'seconds');
  }
  if (
    !Number.isInteger(p.dmaTransNs) ||
    p.dmaTransNs < 0 ||
    p.dmaTransNs > DMA_MAP_MAX_TRANS_DELAY
  ) {
    throw new MapBenchmarkParamError('invalid transmission delay', 'dmaTransNs');
  }
  if (p.dir !== 0 && p.dir !== 1 && p.dir !== 2) {
    throw new MapBenchmarkParamError('invalid DMA direction', 'dir');
  }
  if (!Number.isInteger(p.granule) || p.granule < 1 || p.granule > 1024) {
    throw new MapBenchmarkParamError('Invalid granule size', 'granule');
  }
}

/** int_sqrt64() */
function intSqrt(x: number): number {
  return x <= 0 ? 0 : Math.floor(Math.sqrt(x));
}

/**
 * do_map_benchmark(): the threads run round-robin, one map/unmap each turn, until the clock
 * passes `seconds` (or `maxLoops`, a guard for clocks that do not move).
 */
export function runMapBenchmark(
  p: MapBenchmarkParams,
  clock: MapBenchmarkClock,
  ops: MapBenchmarkOps,
  deviceName: string,
  maxLoops = 10_000_000,
): MapBenchmarkResult {
  validateMapBenchmarkParams(p);
  const size = BigInt(p.granule) * 4096n;
  let sumMap = 0;
  let sumUnmap = 0;
  let sumSqMap = 0;
  let sumSqUnmap = 0;
  let loops = 0;
  const errors: string[] = [];
  const failed = new Array<boolean>(p.threads).fill(false);
  const deadline = clock.now() + p.seconds * 1e9;
  while (clock.now() < deadline && loops < maxLoops && failed.some((f) => !f)) {
    for (let t = 0; t < p.threads; t++) {
      if (failed[t]) continue;
      const mapStart = clock.now();
      const dma = ops.map(t, size);
      if (dma === DMA_MAPPING_ERROR) {
        errors.push(`dma_map_single failed on ${deviceName}`);
        failed[t] = true;
        continue;
      }
      const mapDelta = clock.now() - mapStart;
      clock.delay(p.dmaTransNs);
      const unmapStart = clock.now();
      ops.unmap(t, dma, size);
      const unmapDelta = clock.now() - unmapStart;
      const map100 = Math.floor(mapDelta / 100);
      const unmap100 = Math.floor(unmapDelta / 100);
      sumMap += map100;
      sumUnmap += unmap100;
      sumSqMap += map100 * map100;
      sumSqUnmap += unmap100 * unmap100;
      loops++;
    }
  }
  if (loops === 0)
    return { loops, avgMap100ns: 0, mapStddev: 0, avgUnmap100ns: 0, unmapStddev: 0, errors };
  const avgMap = Math.floor(sumMap / loops);
  const avgUnmap = Math.floor(sumUnmap / loops);
  return {
    loops,
    avgMap100ns: avgMap,
    mapStddev: intSqrt(Math.floor(sumSqMap / loops) - avgMap * avgMap),
    avgUnmap100ns: avgUnmap,
    unmapStddev: intSqrt(Math.floor(sumSqUnmap / loops) - avgUnmap * avgUnmap),
    errors,
  };
}

/** The selftest tool's (tools/dma/dma_map_benchmark.c) report lines. */
export function formatMapBenchmark(
  p: MapBenchmarkParams,
  r: MapBenchmarkResult,
  node = -1,
): string[] {
  return [
    `dma mapping benchmark: threads:${p.threads} seconds:${p.seconds} node:${node} dir:${DMA_DIRECTION_NAMES[p.dir]} granule: ${p.granule}`,
    `average map latency(us):${(r.avgMap100ns / 10).toFixed(1)} standard deviation:${(r.mapStddev / 10).toFixed(1)}`,
    `average unmap latency(us):${(r.avgUnmap100ns / 10).toFixed(1)} standard deviation:${(r.unmapStddev / 10).toFixed(1)}`,
  ];
}
