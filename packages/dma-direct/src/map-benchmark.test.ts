import {
  createDevice,
  DMA_BIDIRECTIONAL,
  DMA_TO_DEVICE,
  dmaBitMask,
  dmaMapSingle,
  dmaUnmapSingle,
} from '@dmasim/dma-mapping';
import { describe, expect, it } from 'vitest';
import { createDirectOps } from './direct.js';
import { formatMapBenchmark, runMapBenchmark } from './map-benchmark.js';
import { createPlatform } from './platform.js';
import { rpi4PlatformInput } from './reference-platforms.js';

function rpi4() {
  const plat = createPlatform(rpi4PlatformInput());
  return { plat, table: { direct: createDirectOps(plat) } };
}

function limitedDevice(name: string) {
  const dev = createDevice({ name, bus: 'platform' });
  dev.busDmaLimit = 0x3fff_ffffn;
  return dev;
}

describe('map benchmark', () => {
  it('averages in 100 ns units on a virtual clock', () => {
    const { plat, table } = rpi4();
    const dev = limitedDevice('bench');
    let t = 0;
    const clock = { now: () => t, delay: (ns: number) => (t += ns) };
    const r = runMapBenchmark(
      { threads: 2, seconds: 1, granule: 1, dir: DMA_BIDIRECTIONAL, dmaTransNs: 0, onlineCpus: 4 },
      clock,
      {
        map: (thread, size) => {
          t += 25_000 + thread * 10_000;
          return dmaMapSingle(
            table,
            dev,
            0x8000_0000n + BigInt(thread) * 0x10_0000n,
            size,
            DMA_BIDIRECTIONAL,
          );
        },
        unmap: (_thread, dma, size) => {
          t += 12_000;
          dmaUnmapSingle(table, dev, dma, size, DMA_BIDIRECTIONAL);
        },
      },
      'bench',
    );
    // map: 250 and 350 (×100 ns) alternate → mean 300, variance 92500 - 90000 → stddev 50.
    expect(r.avgMap100ns).toBe(300);
    expect(r.mapStddev).toBe(50);
    expect(r.avgUnmap100ns).toBe(120);
    expect(r.unmapStddev).toBe(0);
    expect(r.loops).toBe(Math.ceil(1e9 / 84_000) * 2);
    expect(plat.stats.bounces).toBe(r.loops);
    expect(
      formatMapBenchmark(
        { threads: 2, seconds: 1, granule: 1, dir: DMA_TO_DEVICE, dmaTransNs: 0, onlineCpus: 4 },
        r,
      ),
    ).toEqual([
      'dma mapping benchmark: threads:2 seconds:1 node:-1 dir:TO_DEVICE granule: 1',
      'average map latency(us):30.0 standard deviation:5.0',
      'average unmap latency(us):12.0 standard deviation:0.0',
    ]);
  });

  it('rejects the parameters the ioctl rejects', () => {
    const clock = { now: () => 0, delay: () => {} };
    const ops = { map: () => 0n, unmap: () => {} };
    const base = {
      threads: 1,
      seconds: 1,
      granule: 1,
      dir: DMA_BIDIRECTIONAL,
      dmaTransNs: 0,
      onlineCpus: 2,
    } as const;
    expect(() => runMapBenchmark({ ...base, threads: 3 }, clock, ops, 'd')).toThrowError(
      'invalid thread number',
    );
    expect(() => runMapBenchmark({ ...base, seconds: 301 }, clock, ops, 'd')).toThrowError(
      'invalid duration seconds',
    );
    expect(() =>
      runMapBenchmark({ ...base, dmaTransNs: 10_000_001 }, clock, ops, 'd'),
    ).toThrowError('invalid transmission delay');
    expect(dmaBitMask(32)).toBe(0xffff_ffffn);
  });
});
