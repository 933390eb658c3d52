// Driver-like DMA traffic against a platform: a description (device, mask, steps or a seeded
// generator) and a runner that returns the counters and the kernel messages it produced.
// Not kernel code: the harness `dmasim run` drives the DMA API with, so it lives with the CLI
// (the packages model the kernel; a workload is a driver's behaviour, chosen by the user).

import type { DirectPlatform, DmaStats } from '@dmasim/dma-direct';
import {
  type CoherentAllocation,
  type Device,
  DMA_FROM_DEVICE,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  type DmaDataDirection,
  type DmaOpsTable,
  DmasimError,
  dmaAllocAttrs,
  dmaBitMask,
  dmaFreeAttrs,
  dmaMapPageAttrs,
  dmaMapSgAttrs,
  dmaSetMaskAndCoherent,
  dmaUnmapPageAttrs,
  dmaUnmapSgAttrs,
  GFP_KERNEL,
  type LogEntry,
  type ScatterlistEntry,
  sgInitTable,
} from '@dmasim/dma-mapping';

/**
 * Most operations one run may generate (generate.count and --count): 10^8, minutes of work.
 * A workload is a generator, so the count costs time, not memory.
 */
export const MAX_WORKLOAD_COUNT = 100_000_000;
/**
 * Most buffers a generated workload keeps alive at once: 2^20. Each live buffer holds its
 * mapping (an IOVA, page-table entries or swiotlb slots) in the model, about a few hundred
 * bytes, so this keeps a run's live state well under 1 GiB.
 */
export const MAX_IN_FLIGHT = 1 << 20;

/** One step of a workload. Buffers are named by `id`; unmap/free refer to a live id. */
export type WorkloadStep =
  | { op: 'map'; id: number; phys: bigint; size: bigint; dir: DmaDataDirection; attrs?: number }
  | { op: 'unmap'; id: number }
  | {
      op: 'map-sg';
      id: number;
      segments: Array<{ phys: bigint; length: bigint }>;
      dir: DmaDataDirection;
    }
  | { op: 'unmap-sg'; id: number }
  | { op: 'alloc'; id: number; size: bigint; gfp?: number }
  | { op: 'free'; id: number };

export interface Workload {
  name: string;
  device: Device;
  /** The mask the driver asks for with dma_set_mask_and_coherent(); null to leave it. */
  mask: bigint | null;
  /** A fixed list, or a generator fed a seeded PRNG. */
  steps: Iterable<WorkloadStep> | ((rand: () => number) => Iterable<WorkloadStep>);
  seed?: number;
}

export interface WorkloadReport {
  name: string;
  setMaskResult: number | null;
  steps: number;
  stats: DmaStats;
  /** Failed operations, with the kernel messages logged for the device meanwhile. */
  failures: Array<{ step: number; op: WorkloadStep['op']; messages: string[] }>;
  /** Operations left live at the end (leaks from the workload's point of view). */
  liveAtEnd: number;
}

/** A typed error for a workload that refers to an id it never created. */
export class WorkloadError extends DmasimError {
  static override readonly code: string = 'WORKLOAD_STEP';
  override name = 'WorkloadError';
  constructor(
    message: string,
    readonly step: number,
  ) {
    super(`step ${step}: ${message}`);
  }
}

/** mulberry32: small, fast, seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Live =
  | { kind: 'map'; dma: bigint; size: bigint; dir: DmaDataDirection; attrs: number }
  | { kind: 'sg'; sg: ScatterlistEntry[]; dir: DmaDataDirection }
  | { kind: 'alloc'; buf: CoherentAllocation };

export function runWorkload(
  table: DmaOpsTable,
  plat: DirectPlatform,
  w: Workload,
  onProgress?: (done: number) => void,
): WorkloadReport {
  const dev = w.device;
  const setMaskResult = w.mask === null ? null : dmaSetMaskAndCoherent(table, dev, w.mask);
  const steps = typeof w.steps === 'function' ? w.steps(seededRandom(w.seed ?? 1)) : w.steps;
  const live = new Map<number, Live>();
  const failures: WorkloadReport['failures'] = [];
  let n = 0;
  // Ids whose map/alloc failed: their unmap/free is skipped, as a driver would.
  const failedIds = new Set<number>();
  const take = (id: number, kind: Live['kind']): Live | null => {
    if (failedIds.delete(id)) return null;
    const l = live.get(id);
    if (!l || l.kind !== kind) throw new WorkloadError(`no live ${kind} with id ${id}`, n);
    live.delete(id);
    return l;
  };
  for (const step of steps) {
    const logBefore = dev.log.length;
    let ok = true;
    switch (step.op) {
      case 'map': {
        const attrs = step.attrs ?? 0;
        const dma = dmaMapPageAttrs(table, dev, step.phys, step.size, step.dir, attrs);
        if (dma === DMA_MAPPING_ERROR) ok = false;
        else live.set(step.id, { kind: 'map', dma, size: step.size, dir: step.dir, attrs });
        break;
      }
      case 'unmap': {
        const l = take(step.id, 'map') as Extract<Live, { kind: 'map' }> | null;
        if (!l) break;
        dmaUnmapPageAttrs(table, dev, l.dma, l.size, l.dir, l.attrs);
        break;
      }
      case 'map-sg': {
        const sg = sgInitTable(step.segments);
        if (dmaMapSgAttrs(table, dev, sg, sg.length, step.dir) === 0) ok = false;
        else live.set(step.id, { kind: 'sg', sg, dir: step.dir });
        break;
      }
      case 'unmap-sg': {
        const l = take(step.id, 'sg') as Extract<Live, { kind: 'sg' }> | null;
        if (!l) break;
        dmaUnmapSgAttrs(table, dev, l.sg, l.sg.length, l.dir);
        break;
      }
      case 'alloc': {
        const buf = dmaAllocAttrs(table, dev, step.size, step.gfp ?? GFP_KERNEL);
        if (!buf) ok = false;
        else live.set(step.id, { kind: 'alloc', buf });
        break;
      }
      case 'free': {
        const l = take(step.id, 'alloc') as Extract<Live, { kind: 'alloc' }> | null;
        if (!l) break;
        dmaFreeAttrs(table, dev, l.buf);
        break;
      }
    }
    if (!ok) {
      if ('id' in step) failedIds.add(step.id);
      failures.push({
        step: n,
        op: step.op,
        messages: dev.log.slice(logBefore).map((e: LogEntry) => e.msg),
      });
    }
    n++;
    if (onProgress && n % 1024 === 0) onProgress(n);
  }
  onProgress?.(n);
  return {
    name: w.name,
    setMaskResult,
    steps: n,
    stats: plat.stats,
    failures,
    liveAtEnd: live.size,
  };
}

/** Where generated buffers live: page-aligned physical addresses inside [base, base + span). */
export interface BufferPlacement {
  base: bigint;
  span: bigint;
}

function pickPhys(rand: () => number, p: BufferPlacement, size: bigint): bigint {
  const pages = Number((p.span - size) / 4096n);
  return p.base + BigInt(Math.floor(rand() * Math.max(1, pages))) * 4096n;
}

/** nic-rx: a receive ring of 2 KiB buffers mapped FROM_DEVICE, refilled as packets arrive. */
export function nicRxWorkload(
  device: Device,
  placement: BufferPlacement,
  opts: { ring?: number; packets?: number; mask?: bigint; seed?: number } = {},
): Workload {
  const ring = opts.ring ?? 256;
  const packets = opts.packets ?? 10_000;
  return {
    name: 'nic-rx',
    device,
    mask: opts.mask ?? dmaBitMask(64),
    seed: opts.seed ?? 1,
    steps: function* (rand) {
      for (let i = 0; i < ring; i++) {
        yield {
          op: 'map',
          id: i,
          phys: pickPhys(rand, placement, 2048n),
          size: 2048n,
          dir: DMA_FROM_DEVICE,
        };
      }
      for (let p = 0; p < packets; p++) {
        const slot = p % ring;
        yield { op: 'unmap', id: slot };
        yield {
          op: 'map',
          id: slot,
          phys: pickPhys(rand, placement, 2048n),
          size: 2048n,
          dir: DMA_FROM_DEVICE,
        };
      }
      for (let i = 0; i < ring; i++) yield { op: 'unmap', id: i };
    },
  };
}

/** nvme: scatterlists of 4 KiB pages totalling 4 KiB–128 KiB, a queue of them in flight. */
export function nvmeWorkload(
  device: Device,
  placement: BufferPlacement,
  opts: { depth?: number; commands?: number; mask?: bigint; seed?: number } = {},
): Workload {
  const depth = opts.depth ?? 32;
  const commands = opts.commands ?? 2_000;
  return {
    name: 'nvme',
    device,
    mask: opts.mask ?? dmaBitMask(64),
    seed: opts.seed ?? 2,
    steps: function* (rand) {
      for (let c = 0; c < commands + depth; c++) {
        if (c >= depth) yield { op: 'unmap-sg', id: c - depth };
        if (c >= commands) continue;
        const pages = 1 + Math.floor(rand() * 32);
        const segments = Array.from({ length: pages }, () => ({
          phys: pickPhys(rand, placement, 4096n),
          length: 4096n,
        }));
        yield {
          op: 'map-sg',
          id: c,
          segments,
          dir: rand() < 0.5 ? DMA_TO_DEVICE : DMA_FROM_DEVICE,
        };
      }
    },
  };
}

/** gpu-alloc: large coherent buffers (1–32 MiB), a few alive at a time. */
export function gpuAllocWorkload(
  device: Device,
  opts: { buffers?: number; alive?: number; mask?: bigint; seed?: number } = {},
): Workload {
  const buffers = opts.buffers ?? 64;
  const alive = opts.alive ?? 4;
  return {
    name: 'gpu-alloc',
    device,
    mask: opts.mask ?? dmaBitMask(40),
    seed: opts.seed ?? 3,
    steps: function* (rand) {
      for (let b = 0; b < buffers + alive; b++) {
        if (b >= alive) yield { op: 'free', id: b - alive };
        if (b >= buffers) continue;
        const mib = 1 + Math.floor(rand() * 32);
        yield { op: 'alloc', id: b, size: BigInt(mib) << 20n };
      }
    },
  };
}
