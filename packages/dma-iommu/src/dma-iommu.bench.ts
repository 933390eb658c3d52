// Throughput of the hot paths, printed as operations per second. A plain script: bundle it
// with esbuild (after building the workspace) and run it with node, e.g.
//   esbuild src/dma-iommu.bench.ts --bundle --platform=node --format=esm --outfile=/tmp/b.mjs
//   node /tmp/b.mjs
import { createDevice, setDmaMask } from '@dmasim/dma-mapping';
import { createDomain } from '@dmasim/iommu-core';
import { createIommuDmaDevice, iommuGetDmaCookie } from './cookie.js';
import { iommuSetupDmaOps } from './init-domain.js';
import { allocIova, freeIova, initIovaDomain } from './iova-allocator.js';
import { allocIovaFast, freeIovaFast, initIovaRcaches } from './iova-rcache.js';
import { iommuDmaMapPage, iommuDmaUnmapPage } from './map.js';
import { iommuDmaAdvanceClock } from './timers.js';

function rate(label: string, n: number, body: () => void): number {
  const t0 = performance.now();
  body();
  const s = (performance.now() - t0) / 1000;
  const perSec = n / s;
  console.log(`${label.padEnd(44)} ${Math.round(perSec).toLocaleString('en-US').padStart(12)} /s`);
  return perSec;
}

export function runBench(n = 1_000_000): Record<string, number> {
  const out: Record<string, number> = {};
  {
    const d = initIovaDomain(4096, 1);
    out.treeAllocFree = rate('IOVA alloc+free, tree only', n, () => {
      for (let i = 0; i < n; i++) freeIova(d, allocIova(d, 1, 0xfffff, true)!.pfnLo);
    });
  }
  {
    const d = initIovaDomain(4096, 1);
    const rc = initIovaRcaches(d, 1);
    out.fastAllocFree = rate('IOVA alloc+free, with rcaches', n, () => {
      for (let i = 0; i < n; i++) freeIovaFast(rc, allocIovaFast(rc, 1, 0xfffff, true), 1);
    });
  }
  for (const type of ['DMA', 'DMA-FQ'] as const) {
    const domain = createDomain({
      type,
      iommu: 'bench',
      pgsizeBitmap: (1n << 12n) | (1n << 21n) | (1n << 30n),
      geometry: { apertureStart: 0n, apertureEnd: (1n << 48n) - 1n, forceAperture: true },
      pageTable: {
        kind: 'radix',
        format: { granuleShift: 12, ias: 48, oas: 48, partialBlockUnmap: 'split' },
      },
    });
    iommuGetDmaCookie(domain);
    const dev = createDevice({ name: '0000:00:01.0', bus: 'pci' });
    dev.dmaCoherent = true;
    const ddev = createIommuDmaDevice({ dev, domain });
    iommuSetupDmaOps(ddev);
    setDmaMask(dev, (1n << 64n) - 1n);
    const m = n / 4;
    out[type] = rate(`dma-iommu map+unmap pairs (${type === 'DMA' ? 'strict' : 'lazy'})`, m, () => {
      for (let i = 0; i < m; i++) {
        const iova = iommuDmaMapPage(ddev, 0x4000_0000n, 0x1000n, 'bidirectional');
        iommuDmaUnmapPage(ddev, iova, 0x1000n, 'bidirectional');
        if ((i & 1023) === 0) iommuDmaAdvanceClock(domain, i / 1024);
      }
    });
  }
  return out;
}

runBench();
