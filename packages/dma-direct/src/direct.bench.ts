// Throughput of the dma-direct hot paths: `npx vitest bench --run` in packages/dma-direct.
// Each iteration is one map+unmap pair (or one translation), so hz is pairs (lookups) per second.

import { type BusDmaRegion, createDevice, DMA_TO_DEVICE } from '@dmasim/dma-mapping';
import { bench, describe } from 'vitest';
import { dmaDirectMapPage, dmaDirectUnmapPage } from './direct.js';
import { createPlatform } from './platform.js';
import { physToDmaIndexed } from './range-index.js';

const GiB = 1n << 30n;
const plat = createPlatform({
  arch: 'arm64',
  banks: [
    { start: 0n, size: 0x3b40_0000n },
    { start: 0x4000_0000n, size: 0xbc00_0000n },
    { start: 0x1_0000_0000n, size: 4n * GiB },
  ],
  firmwareDmaLimit: 0x3fff_ffffn,
  cpus: 4,
});
const coherent64 = createDevice({ name: 'direct', bus: 'pci' });
coherent64.dmaCoherent = true;
coherent64.coherentDmaMask = 0xffff_ffff_ffff_ffffn;
const limited = createDevice({ name: 'bounced', bus: 'platform' });
limited.dmaCoherent = true;
limited.busDmaLimit = 0x3fff_ffffn;

let i = 0;
describe('map+unmap pairs', () => {
  bench('direct (no translation, in reach)', () => {
    const phys = 0x1_0000_0000n + BigInt((i++ & 1023) << 12);
    const dma = dmaDirectMapPage(plat, coherent64, phys, 4096n, DMA_TO_DEVICE, 0);
    dmaDirectUnmapPage(plat, coherent64, dma, 4096n, DMA_TO_DEVICE, 0);
  });
  bench('bounced through swiotlb (4 KiB)', () => {
    const phys = 0x1_0000_0000n + BigInt((i++ & 1023) << 12);
    const dma = dmaDirectMapPage(plat, limited, phys, 4096n, DMA_TO_DEVICE, 0);
    dmaDirectUnmapPage(plat, limited, dma, 4096n, DMA_TO_DEVICE, 0);
  });
});

function rangeMap(n: number): BusDmaRegion[] {
  return Array.from({ length: n }, (_, k) => ({
    cpuStart: BigInt(k) << 32n,
    dmaStart: (BigInt(k) << 32n) + 0x8000_0000n,
    size: 1n << 32n,
  }));
}

describe('phys_to_dma translation vs dma_range_map size', () => {
  for (const n of [1, 2, 4, 8, 16, 64, 256]) {
    const map = rangeMap(n);
    let j = 0;
    bench(`${n} regions`, () => {
      physToDmaIndexed(map, (BigInt(j++ % n) << 32n) + 0x1234n);
    });
  }
});
