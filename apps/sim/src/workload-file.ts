// Workload files for `dmasim run` (YAML or JSON): a fixed step list or a seeded generator. The
// built-in workloads are in workload-builtins.ts.

import { DMA_BIDIRECTIONAL, DmasimError, dmaBitMask } from '@dmasim/dma-mapping';
import type { StaticDecode } from '@sinclair/typebox';
import { readInputFile } from './input-check.js';
import { WORKLOAD_FILE } from './schema/input.js';
import {
  type BufferPlacement,
  MAX_IN_FLIGHT,
  MAX_WORKLOAD_COUNT,
  type WorkloadStep,
} from './workload.js';
import type { WorkloadRunOptions, WorkloadSpec } from './workload-builtins.js';

export { MAX_IN_FLIGHT, MAX_WORKLOAD_COUNT };

export class WorkloadFileError extends DmasimError {
  static override readonly code: string = 'DMASIM_WORKLOAD_FILE';
  override name = 'WorkloadFileError';
  constructor(
    message: string,
    readonly where: string,
  ) {
    super(`${where}: ${message}`);
  }
}

type WorkloadDocument = StaticDecode<typeof WORKLOAD_FILE>;
/** A generator's mix entry, decoded with its defaults (schema/input.ts). */
type MixEntry = NonNullable<WorkloadDocument['generate']>['mix'][number];

function pickPhys(rand: () => number, p: BufferPlacement, size: bigint): bigint {
  const pages = p.span > size ? Number((p.span - size) / 4096n) : 0;
  return p.base + BigInt(Math.floor(rand() * Math.max(1, pages))) * 4096n;
}

/** The generator: buffers of the mix, `inFlight` alive, the oldest released first. */
function* generate(
  rand: () => number,
  mix: MixEntry[],
  count: number,
  inFlight: number,
  placement: BufferPlacement,
): Generator<WorkloadStep> {
  const total = mix.reduce((a, m) => a + m.weight, 0);
  // A queue with a moving head: shift() would make each release cost the queue's length.
  const live: Array<{ id: number; op: MixEntry['op'] }> = [];
  let head = 0;
  const release = (b: { id: number; op: MixEntry['op'] }): WorkloadStep =>
    b.op === 'map'
      ? { op: 'unmap', id: b.id }
      : b.op === 'map-sg'
        ? { op: 'unmap-sg', id: b.id }
        : { op: 'free', id: b.id };
  for (let id = 0; id < count; id++) {
    if (live.length - head >= inFlight) {
      yield release(live[head]!);
      live[head++] = undefined as never;
      if (head > 4096 && head * 2 > live.length) {
        live.splice(0, head);
        head = 0;
      }
    }
    // Weighted pick: walk the mix until the cumulative weight passes the draw.
    const draw = rand() * total;
    let acc = 0;
    const m =
      mix.find((e) => {
        acc += e.weight;
        return draw < acc;
      }) ?? mix[mix.length - 1]!;
    const size = m.sizes[Math.floor(rand() * m.sizes.length)]!;
    if (m.op === 'map') {
      yield { op: 'map', id, phys: pickPhys(rand, placement, size), size, dir: m.dir };
    } else if (m.op === 'map-sg') {
      const n = m.segments[0] + Math.floor(rand() * (m.segments[1] - m.segments[0] + 1));
      const segments = Array.from({ length: n }, () => ({
        phys: pickPhys(rand, placement, m.segmentSize),
        length: m.segmentSize,
      }));
      yield { op: 'map-sg', id, segments, dir: m.dir };
    } else yield { op: 'alloc', id, size };
    live.push({ id, op: m.op });
  }
  for (let i = head; i < live.length; i++) yield release(live[i]!);
}

/** A step as the file gives it; map and map-sg default to bidirectional. */
function workloadStep(step: NonNullable<WorkloadDocument['steps']>[number]): WorkloadStep {
  if (step.op === 'map' || step.op === 'map-sg')
    return { ...step, dir: step.dir ?? DMA_BIDIRECTIONAL };
  return step;
}

/** Parse a workload file (YAML, of which JSON is a subset); its rules are WORKLOAD_FILE. */
export function parseWorkloadFile(text: string, fileName: string): WorkloadSpec {
  const { value: doc } = readInputFile(
    WORKLOAD_FILE,
    text,
    fileName,
    (message, where) => new WorkloadFileError(message, where),
  );
  const mask = doc.mask ?? null;
  const fileSeed = doc.seed ?? 1;
  const name = doc.name ?? (fileName.split('/').pop() ?? fileName).replace(/\.[^.]*$/, '');
  const maskOf = (o: WorkloadRunOptions) =>
    o.maskBits !== undefined ? dmaBitMask(o.maskBits) : mask === null ? null : dmaBitMask(mask);
  const base = { name, ...(doc.device !== undefined ? { device: doc.device } : {}) };

  if ((doc.steps === undefined) === (doc.generate === undefined))
    throw new WorkloadFileError('give either steps or generate', fileName);
  if (doc.steps !== undefined) {
    const steps = doc.steps.map(workloadStep);
    return {
      ...base,
      build: (device, _p, o) => ({ name, device, mask: maskOf(o), steps }),
      expectedSteps: () => steps.length,
    };
  }
  const g = doc.generate!;
  const mix = g.mix;
  const count = g.count ?? 1000;
  const inFlight = g.inFlight ?? 64;
  const placement: BufferPlacement | null = g.placement
    ? { base: g.placement.base, span: g.placement.size }
    : null;
  return {
    ...base,
    build: (device, defaultPlacement, o) => ({
      name,
      device,
      mask: maskOf(o),
      seed: o.seed ?? fileSeed,
      steps: (rand) =>
        generate(rand, mix, o.count ?? count, inFlight, placement ?? defaultPlacement),
    }),
    expectedSteps: (o) => 2 * (o.count ?? count),
  };
}
