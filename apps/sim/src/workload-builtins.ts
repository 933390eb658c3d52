// The built-in workloads of `dmasim run`: driver-like nic-rx, nvme and gpu-alloc (workload.ts).
// Workload files are read by workload-file.ts, loaded only when --workload names a file.

import { type Device, dmaBitMask } from '@dmasim/dma-mapping';
import {
  type BufferPlacement,
  gpuAllocWorkload,
  nicRxWorkload,
  nvmeWorkload,
  type Workload,
} from './workload.js';

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
