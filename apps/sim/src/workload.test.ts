import {
  createDirectOps,
  createPlatform,
  parseSwiotlbParam,
  rpi4PlatformInput,
} from '@dmasim/dma-direct';
import { createDevice } from '@dmasim/dma-mapping';
import { describe, expect, it } from 'vitest';
import { gpuAllocWorkload, nicRxWorkload, nvmeWorkload, runWorkload } from './workload.js';

const GiB = 1n << 30n;

function rpi4(swiotlb?: string) {
  const plat = createPlatform(rpi4PlatformInput(swiotlb ? parseSwiotlbParam(swiotlb) : undefined));
  return { plat, table: { direct: createDirectOps(plat) } };
}

function limitedDevice(name: string) {
  const dev = createDevice({ name, bus: 'platform' });
  dev.busDmaLimit = 0x3fff_ffffn;
  return dev;
}

describe('workloads', () => {
  it('nic-rx above 1 GiB bounces every buffer and leaves nothing mapped', () => {
    const { plat, table } = rpi4();
    const progress: number[] = [];
    const report = runWorkload(
      table,
      plat,
      nicRxWorkload(
        limitedDevice('eth0'),
        { base: GiB, span: 4n * GiB },
        { ring: 64, packets: 1000 },
      ),
      (n) => progress.push(n),
    );
    expect(report.setMaskResult).toBe(0);
    expect(report.failures).toEqual([]);
    expect(report.stats.maps).toBe(1064);
    expect(report.stats.bounces).toBe(1064);
    expect(report.stats.swiotlbHighWater).toBe(64);
    expect(report.stats.swiotlbUsedSlots).toBe(0);
    expect(report.liveAtEnd).toBe(0);
    expect(progress.at(-1)).toBe(report.steps);
  });

  it('nvme with a tiny pool reports the kernel message for each failed command', () => {
    const { plat, table } = rpi4('256');
    const report = runWorkload(
      table,
      plat,
      nvmeWorkload(
        limitedDevice('nvme0'),
        { base: 2n * GiB, span: 4n * GiB },
        { depth: 16, commands: 200 },
      ),
    );
    expect(report.failures.length).toBeGreaterThan(0);
    const first = report.failures[0];
    expect(first?.op).toBe('map-sg');
    expect(first?.messages[0]).toMatch(
      /^swiotlb buffer is full \(sz: 4096 bytes\), total 512 \(slots\), used \d+ \(slots\)$/,
    );
    expect(report.stats.swiotlbUsedSlots).toBe(0);
    expect(plat.swiotlb.totalUsed).toBe(0);
  });

  it('gpu-alloc draws on CMA and the zones, and frees everything', () => {
    const { plat, table } = rpi4();
    const report = runWorkload(
      table,
      plat,
      gpuAllocWorkload(limitedDevice('gpu'), { buffers: 16 }),
    );
    const s = report.stats;
    expect(s.allocsFromCma + s.allocFailures).toBeGreaterThan(0);
    expect(s.allocsPerZone.DMA).toBe(16 - s.allocFailures);
    expect(s.frees).toBe(16 - s.allocFailures);
    expect(report.liveAtEnd).toBe(0);
  });
});
