// `dmasim bench map FILE --device D`: kernel/dma/map_benchmark.c's DMA_MAP_BENCHMARK run against
// the simulator, timing the simulator's own map and unmap calls with the real clock.
import {
  allocZonePages,
  formatMapBenchmark,
  getOrder,
  MapBenchmarkParamError,
  type MapBenchmarkParams,
  type MapBenchmarkResult,
  runMapBenchmark,
  validateMapBenchmarkParams,
} from '@dmasim/dma-direct';
import { getCookie } from '@dmasim/dma-iommu';
import {
  DMA_MAPPING_ERROR,
  type DmaDataDirection,
  DmasimError,
  dmaBitMask,
  dmaMapPageAttrs,
  dmaSetMask,
  dmaUnmapPageAttrs,
  GFP_KERNEL,
} from '@dmasim/dma-mapping';
import { findDevice, type Machine } from '@dmasim/machine';
import { option, type ParsedArgs, UsageError } from '../args.js';
import { bootFromArgs, type CommandOutput } from './common.js';

export const BENCH_USAGE = `dmasim bench map FILE --device D [--threads N] [--seconds S] [--granule PAGES] [--dir 0|1|2] [--dma-trans-ns NS] [--mask BITS] [--platform P.yaml] [--json]
    the kernel's dma_map_benchmark on the simulator: latency of its own map/unmap calls`;

export class MapBenchmarkError extends DmasimError {
  static override readonly code: string = 'DMA_MAP_BENCHMARK';
  override name = 'MapBenchmarkError';
  constructor(
    message: string,
    readonly device: string,
  ) {
    super(`${device}: ${message}`);
  }
}

function numberOption(args: ParsedArgs, name: string, fallback: number): number {
  const text = option(args, name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n)) throw new UsageError(`${name} must be a whole number`);
  return n;
}

export interface MapBenchOptions {
  threads: number;
  seconds: number;
  granule: number;
  dir: DmaDataDirection;
  dmaTransNs: number;
  /** dma_bits: the tool's -b, 32 by default. */
  dmaBits: number;
}

/** map_benchmark_ioctl() + do_map_benchmark() on one device of a booted platform. */
export function runMapBench(
  machine: Machine,
  deviceName: string,
  o: MapBenchOptions,
  onlineCpus: number,
): { params: MapBenchmarkParams; result: MapBenchmarkResult } {
  const target = findDevice(machine, deviceName);
  if (!target) throw new UsageError(`no device ${deviceName} on this platform`);
  const memory = machine.memory;
  if (!memory) throw new UsageError('the platform describes no RAM (give it in the platform file)');
  const dev = target.device;
  const params: MapBenchmarkParams = {
    threads: o.threads,
    seconds: o.seconds,
    granule: o.granule,
    dir: o.dir,
    dmaTransNs: o.dmaTransNs,
    onlineCpus,
  };
  validateMapBenchmarkParams(params);
  if (o.dmaBits < 20 || o.dmaBits > 64) throw new MapBenchmarkError('invalid dma_bits', dev.name);
  if (dmaSetMask(machine.dmaOps, dev, dmaBitMask(o.dmaBits)) !== 0)
    throw new MapBenchmarkError(`failed to set dma_mask on device ${dev.name}`, dev.name);
  // Each thread's buffer: __get_free_pages(GFP_KERNEL, get_order(size)).
  const size = BigInt(o.granule) * 4096n;
  const buffers = Array.from({ length: Math.max(0, o.threads) }, () => {
    const block = allocZonePages(memory.pages, GFP_KERNEL, getOrder(size));
    if (!block) throw new MapBenchmarkError('cannot allocate the benchmark buffer', dev.name);
    return BigInt(block.pfn) << 12n;
  });
  // ndelay() is not spent: a virtual offset moves the clock past the pretend transfer.
  let skipped = 0;
  const clock = {
    now: () => performance.now() * 1e6 + skipped,
    delay: (ns: number) => {
      skipped += ns;
    },
  };
  const cpus = Math.max(1, onlineCpus);
  // dma-iommu's per-CPU caches exist for the CPUs its cookie was made with.
  const iommuCpus = target.dmaIommu ? (getCookie(target.dmaIommu.domain)?.cpus ?? 1) : 1;
  const ops = {
    map(t: number, len: bigint) {
      memory.cpu = t % cpus;
      if (target.dmaIommu) target.dmaIommu.cpu = t % iommuCpus;
      return dmaMapPageAttrs(machine.dmaOps, dev, buffers[t]!, len, o.dir, 0);
    },
    unmap(t: number, dma: bigint, len: bigint) {
      memory.cpu = t % cpus;
      if (target.dmaIommu) target.dmaIommu.cpu = t % iommuCpus;
      if (dma !== DMA_MAPPING_ERROR) dmaUnmapPageAttrs(machine.dmaOps, dev, dma, len, o.dir, 0);
    },
  };
  return { params, result: runMapBenchmark(params, clock, ops, dev.name) };
}

export function benchCommand(args: ParsedArgs): CommandOutput {
  const [sub, file] = args.positionals;
  const device = option(args, '--device');
  if (sub !== 'map' || file === undefined || device === undefined)
    throw new UsageError(BENCH_USAGE);
  const { machine } = bootFromArgs(args, file);
  const dir = numberOption(args, '--dir', 0);
  const o: MapBenchOptions = {
    threads: numberOption(args, '--threads', 1),
    seconds: numberOption(args, '--seconds', 20),
    granule: numberOption(args, '--granule', 1),
    dir: (dir >= 0 && dir <= 3 ? dir : 3) as DmaDataDirection,
    dmaTransNs: numberOption(args, '--dma-trans-ns', 0),
    dmaBits: numberOption(args, '--mask', 32),
  };
  let out: ReturnType<typeof runMapBench>;
  try {
    out = runMapBench(machine, device, o, machine.cpus);
  } catch (e) {
    // The ioctl's -EINVAL with its pr_err text.
    if (e instanceof MapBenchmarkParamError) throw new UsageError(e.message);
    throw e;
  }
  const { params, result } = out;
  const lines = [...result.errors, ...formatMapBenchmark(params, result)];
  return {
    json: {
      threads: params.threads,
      seconds: params.seconds,
      node: -1,
      dir: params.dir,
      granule: params.granule,
      dmaTransNs: params.dmaTransNs,
      loops: result.loops,
      avgMap100ns: result.avgMap100ns,
      mapStddev: result.mapStddev,
      avgUnmap100ns: result.avgUnmap100ns,
      unmapStddev: result.unmapStddev,
      errors: result.errors,
    },
    text: lines.join('\n'),
  };
}
