// Workloads for `dmasim run`: the built-in driver-like ones of workload.ts (nic-rx, nvme,
// gpu-alloc) and workload files (YAML or JSON) holding a fixed step list or a seeded generator.

import {
  type Device,
  DMA_BIDIRECTIONAL,
  DMA_FROM_DEVICE,
  DMA_TO_DEVICE,
  type DmaDataDirection,
  DmasimError,
  dmaBitMask,
  parseU64,
} from '@dmasim/dma-mapping';
import { checkInput } from './input-check.js';
import { WORKLOAD_FILE } from './schema/input.js';
import {
  type BufferPlacement,
  gpuAllocWorkload,
  nicRxWorkload,
  nvmeWorkload,
  type Workload,
  type WorkloadStep,
} from './workload.js';
import { parseYamlText } from './yaml-text.js';

export interface WorkloadRunOptions {
  /** Packets (nic-rx), commands (nvme), buffers (gpu-alloc), operations (a file's generator). */
  count?: number;
  seed?: number;
  /** Overrides the workload's driver mask (bits). */
  maskBits?: number;
}

/** A workload before it is bound to a device and to where its buffers live. */
export interface WorkloadSpec {
  name: string;
  /** The device the workload names, if any (--device overrides). */
  device?: string;
  /** Bind to a device; `placement` is where generated buffers live unless the file says. */
  build(device: Device, placement: BufferPlacement, options: WorkloadRunOptions): Workload;
  /** Steps the run will take (for the progress bar); null when unknown. */
  expectedSteps(options: WorkloadRunOptions): number | null;
}

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

const maskOption = (o: WorkloadRunOptions) =>
  o.maskBits === undefined ? {} : { mask: dmaBitMask(o.maskBits) };
const seedOption = (o: WorkloadRunOptions) => (o.seed === undefined ? {} : { seed: o.seed });

const NIC_RING = 256;

export const BUILTIN_WORKLOADS: Record<string, WorkloadSpec> = {
  'nic-rx': {
    name: 'nic-rx',
    build: (dev, placement, o) =>
      nicRxWorkload(dev, placement, {
        ring: NIC_RING,
        ...(o.count !== undefined ? { packets: o.count } : {}),
        ...maskOption(o),
        ...seedOption(o),
      }),
    expectedSteps: (o) => 2 * NIC_RING + 2 * (o.count ?? 10_000),
  },
  nvme: {
    name: 'nvme',
    build: (dev, placement, o) =>
      nvmeWorkload(dev, placement, {
        ...(o.count !== undefined ? { commands: o.count } : {}),
        ...maskOption(o),
        ...seedOption(o),
      }),
    expectedSteps: (o) => 2 * (o.count ?? 2_000),
  },
  'gpu-alloc': {
    name: 'gpu-alloc',
    build: (dev, _placement, o) =>
      gpuAllocWorkload(dev, {
        ...(o.count !== undefined ? { buffers: o.count } : {}),
        ...maskOption(o),
        ...seedOption(o),
      }),
    expectedSteps: (o) => 2 * (o.count ?? 64),
  },
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An address or size: a number (exact below 2^53) or a string such as "0x100000000". */
function u64Field(v: unknown, where: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string') {
    try {
      return parseU64(v);
    } catch {
      // fall through to the typed error
    }
  }
  throw new WorkloadFileError(`expected an address or size, got ${JSON.stringify(v)}`, where);
}

function intField(v: unknown, where: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new WorkloadFileError(`expected a whole number from ${min} to ${max}`, where);
  }
  return v;
}

const DIRECTIONS: Record<string, DmaDataDirection> = {
  bidirectional: DMA_BIDIRECTIONAL,
  'to-device': DMA_TO_DEVICE,
  'from-device': DMA_FROM_DEVICE,
};

function dirField(v: unknown, where: string): DmaDataDirection {
  if (v === 0 || v === 1 || v === 2) return v;
  if (typeof v === 'string' && v in DIRECTIONS) return DIRECTIONS[v]!;
  throw new WorkloadFileError('dir must be bidirectional, to-device, from-device or 0..2', where);
}

function parseStep(raw: unknown, where: string): WorkloadStep {
  if (!isRecord(raw)) throw new WorkloadFileError('a step must be a mapping', where);
  const id = intField(raw.id, `${where}.id`, 0);
  switch (raw.op) {
    case 'map':
      return {
        op: 'map',
        id,
        phys: u64Field(raw.phys, `${where}.phys`),
        size: u64Field(raw.size, `${where}.size`),
        dir: dirField(raw.dir ?? 'bidirectional', `${where}.dir`),
        ...(raw.attrs !== undefined ? { attrs: intField(raw.attrs, `${where}.attrs`, 0) } : {}),
      };
    case 'map-sg': {
      if (!Array.isArray(raw.segments) || raw.segments.length === 0)
        throw new WorkloadFileError('map-sg needs a list of segments', where);
      return {
        op: 'map-sg',
        id,
        dir: dirField(raw.dir ?? 'bidirectional', `${where}.dir`),
        segments: raw.segments.map((s, i) => {
          const w = `${where}.segments[${i}]`;
          if (!isRecord(s)) throw new WorkloadFileError('a segment needs phys and length', w);
          return { phys: u64Field(s.phys, `${w}.phys`), length: u64Field(s.length, `${w}.length`) };
        }),
      };
    }
    case 'alloc':
      return { op: 'alloc', id, size: u64Field(raw.size, `${where}.size`) };
    case 'unmap':
    case 'unmap-sg':
    case 'free':
      return { op: raw.op, id };
    default:
      throw new WorkloadFileError(
        'op must be map, unmap, map-sg, unmap-sg, alloc or free',
        `${where}.op`,
      );
  }
}

interface MixEntry {
  op: 'map' | 'map-sg' | 'alloc';
  weight: number;
  sizes: bigint[];
  dir: DmaDataDirection;
  /** map-sg: segment count range and segment size. */
  segments: [number, number];
  segmentSize: bigint;
}

function parseMix(raw: unknown, where: string): MixEntry {
  if (!isRecord(raw)) throw new WorkloadFileError('a mix entry must be a mapping', where);
  if (raw.op !== 'map' && raw.op !== 'map-sg' && raw.op !== 'alloc')
    throw new WorkloadFileError('op must be map, map-sg or alloc', `${where}.op`);
  const sizes =
    raw.sizes === undefined
      ? [4096n]
      : Array.isArray(raw.sizes) && raw.sizes.length > 0
        ? raw.sizes.map((s, i) => u64Field(s, `${where}.sizes[${i}]`))
        : null;
  if (!sizes || sizes.some((s) => s === 0n))
    throw new WorkloadFileError('sizes must be a non-empty list of sizes above 0', where);
  let segments: [number, number] = [1, 1];
  if (raw.segments !== undefined) {
    const s = raw.segments;
    if (!Array.isArray(s) || s.length !== 2)
      throw new WorkloadFileError('segments must be [min, max]', `${where}.segments`);
    const lo = intField(s[0], `${where}.segments[0]`, 1, 1024);
    segments = [lo, intField(s[1], `${where}.segments[1]`, lo, 1024)];
  }
  return {
    op: raw.op,
    weight: raw.weight === undefined ? 1 : intField(raw.weight, `${where}.weight`, 1),
    sizes,
    dir: dirField(raw.dir ?? 'bidirectional', `${where}.dir`),
    segments,
    segmentSize:
      raw.segmentSize === undefined ? 4096n : u64Field(raw.segmentSize, `${where}.segmentSize`),
  };
}

function pickPhys(rand: () => number, p: BufferPlacement, size: bigint): bigint {
  const pages = p.span > size ? Number((p.span - size) / 4096n) : 0;
  return p.base + BigInt(Math.floor(rand() * Math.max(1, pages))) * 4096n;
}

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

/** Parse a workload file (YAML, of which JSON is a subset). */
export function parseWorkloadFile(text: string, fileName: string): WorkloadSpec {
  let doc: unknown;
  try {
    doc = parseYamlText(text);
  } catch (e) {
    // The library's message ends in a code frame: its first line says where.
    throw new WorkloadFileError((e as Error).message.split('\n')[0]!.replace(/:$/, ''), fileName);
  }
  if (!isRecord(doc)) throw new WorkloadFileError('the top level must be a mapping', fileName);
  const at = (k: string) => `${fileName}: ${k}`;
  checkInput(WORKLOAD_FILE, doc, fileName, (m, where) => new WorkloadFileError(m, where));
  if (doc.device !== undefined && typeof doc.device !== 'string')
    throw new WorkloadFileError('device must be a path', at('device'));
  const mask =
    doc.mask === undefined || doc.mask === null ? null : intField(doc.mask, at('mask'), 0, 64);
  const fileSeed = doc.seed === undefined ? 1 : intField(doc.seed, at('seed'), 0);
  const name =
    typeof doc.name === 'string'
      ? doc.name
      : (fileName.split('/').pop() ?? fileName).replace(/\.[^.]*$/, '');
  const maskOf = (o: WorkloadRunOptions) =>
    o.maskBits !== undefined ? dmaBitMask(o.maskBits) : mask === null ? null : dmaBitMask(mask);
  const base = { name, ...(typeof doc.device === 'string' ? { device: doc.device } : {}) };

  if ((doc.steps === undefined) === (doc.generate === undefined))
    throw new WorkloadFileError('give either steps or generate', fileName);
  if (doc.steps !== undefined) {
    if (!Array.isArray(doc.steps)) throw new WorkloadFileError('steps must be a list', at('steps'));
    const steps = doc.steps.map((s, i) => parseStep(s, at(`steps[${i}]`)));
    return {
      ...base,
      build: (device, _p, o) => ({ name, device, mask: maskOf(o), steps }),
      expectedSteps: () => steps.length,
    };
  }
  const g = doc.generate;
  if (!isRecord(g)) throw new WorkloadFileError('generate must be a mapping', at('generate'));
  if (!Array.isArray(g.mix) || g.mix.length === 0)
    throw new WorkloadFileError('generate needs a non-empty mix', at('generate.mix'));
  const mix = g.mix.map((m, i) => parseMix(m, at(`generate.mix[${i}]`)));
  const count =
    g.count === undefined ? 1000 : intField(g.count, at('generate.count'), 0, MAX_WORKLOAD_COUNT);
  const inFlight =
    g.inFlight === undefined ? 64 : intField(g.inFlight, at('generate.inFlight'), 1, MAX_IN_FLIGHT);
  let placement: BufferPlacement | null = null;
  if (g.placement !== undefined) {
    const p = g.placement;
    if (!isRecord(p))
      throw new WorkloadFileError('placement needs base and size', at('generate.placement'));
    placement = {
      base: u64Field(p.base, at('generate.placement.base')),
      span: u64Field(p.size, at('generate.placement.size')),
    };
  }
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
