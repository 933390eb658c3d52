// `pnpm bench` section for dma-iommu: throughput of the DMA-API map/unmap path through an SMMUv3
// domain and of the IOVA allocator, on one core. Built to dist/bench.js; scripts/bench.mjs calls
// runBenchmarks() and prints the Markdown it returns.
import { createDevice, DMA_BIDIRECTIONAL, dmaBitMask, setDmaMask } from '@dmasim/dma-mapping';
import {
  createDomain,
  type DomainType,
  deviceResvRegions,
  type IommuDomain,
  smmuV3Instance,
} from '@dmasim/iommu-core';
import { createIommuDmaDevice, type IommuDmaDevice, iommuGetDmaCookie } from './cookie.js';
import { iommuSetupDmaOps } from './init-domain.js';
import { allocIova, freeIova, initIovaDomain } from './iova-allocator.js';
import { allocIovaFast, freeIovaFast, initIovaRcaches } from './iova-rcache.js';
import { iommuDmaMapPage, iommuDmaUnmapPage } from './map.js';
import { iommuDmaAdvanceClock } from './timers.js';

const RUNS = 7;
const RUN_MS = 250;

/**
 * Operations per second of `batch` (which does `n` operations per call): the median of RUNS
 * runs of at least RUN_MS each, after one warm-up run.
 */
function opsPerSecond(n: number, batch: () => void): number {
  const rates: number[] = [];
  for (let run = -1; run < RUNS; run++) {
    let ops = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      batch();
      ops += n;
      elapsed = performance.now() - start;
    } while (elapsed < RUN_MS);
    if (run >= 0) rates.push((ops * 1000) / elapsed);
  }
  rates.sort((a, b) => a - b);
  return rates[RUNS >> 1]!;
}

/** A 64-bit coherent PCI device behind a QEMU-virt-like SMMUv3, its default domain of `type`. */
function smmuPciDevice(type: DomainType): { ddev: IommuDmaDevice; domain: IommuDomain } {
  const smmu = smmuV3Instance({ id: '/smmuv3@9050000' });
  const domain = createDomain({
    type,
    iommu: smmu.id,
    pgsizeBitmap: smmu.pgsizeBitmap,
    geometry: smmu.geometry,
    pageTable: smmu.pageTable,
  });
  iommuGetDmaCookie(domain);
  const dev = createDevice({ name: '0000:00:01.0', bus: 'pci' });
  dev.dmaCoherent = true;
  const ddev = createIommuDmaDevice({ dev, domain, resvRegions: deviceResvRegions(smmu, []) });
  if (iommuSetupDmaOps(ddev) !== 0) throw new Error('bench: iommu_setup_dma_ops failed');
  setDmaMask(dev, dmaBitMask(64));
  return { ddev, domain };
}

/** map_page + unmap_page of one 4 KiB buffer, repeated. */
function mapUnmapPairsPerSecond(type: DomainType): number {
  const { ddev, domain } = smmuPciDevice(type);
  const n = 4096;
  let nowMs = 0;
  return opsPerSecond(n, () => {
    for (let i = 0; i < n; i++) {
      const dma = iommuDmaMapPage(ddev, 0x4000_0000n, 0x1000n, DMA_BIDIRECTIONAL);
      iommuDmaUnmapPage(ddev, dma, 0x1000n, DMA_BIDIRECTIONAL);
      // 1 ms of simulated time per 1024 pairs: the flush-queue timer and depot work still run.
      if ((i & 1023) === 1023) iommuDmaAdvanceClock(domain, ++nowMs);
    }
  });
}

function iovaTreeAllocFreePerSecond(): number {
  const iovad = initIovaDomain(4096, 1);
  const n = 4096;
  return opsPerSecond(n, () => {
    for (let i = 0; i < n; i++) freeIova(iovad, allocIova(iovad, 1, 0xf_ffff, true)!.pfnLo);
  });
}

function iovaCachedAllocFreePerSecond(): number {
  const rcaches = initIovaRcaches(initIovaDomain(4096, 1), 1);
  const n = 4096;
  return opsPerSecond(n, () => {
    for (let i = 0; i < n; i++) freeIovaFast(rcaches, allocIovaFast(rcaches, 1, 0xf_ffff, true), 1);
  });
}

const fmt = (perSec: number) => Math.round(perSec).toLocaleString('en-US');

/** The Markdown section: a heading, what was measured, and the table. */
export function runBenchmarks(): string {
  const rows: Array<[string, number]> = [
    ['dma-iommu map+unmap pairs, strict (DMA)', mapUnmapPairsPerSecond('DMA')],
    ['dma-iommu map+unmap pairs, lazy (DMA-FQ)', mapUnmapPairsPerSecond('DMA-FQ')],
    ['IOVA alloc+free with rcaches (alloc_iova_fast)', iovaCachedAllocFreePerSecond()],
    ['IOVA alloc+free without rcaches (alloc_iova)', iovaTreeAllocFreePerSecond()],
  ];
  return [
    '## dma-iommu and the IOVA allocator',
    '',
    'One 4 KiB `iommu_dma_map_page` + `iommu_dma_unmap_page` pair at a time for a coherent PCI',
    'device with a 64-bit mask behind an SMMUv3 (4K | 2M | 1G pages, 48-bit IAS, SW MSI window',
    'reserved), strict and with the flush queue; and single-page IOVA allocate + free pairs with',
    'and without the per-CPU range caches. Median of 7 runs of 250 ms each, one core.',
    "runtime.md §8 describes the kernel's `dma_map_benchmark` but cites no figures, so there",
    'is no kernel column.',
    '',
    '| what | pairs/s |',
    '|---|---|',
    ...rows.map(([what, perSec]) => `| ${what} | ${fmt(perSec)} |`),
  ].join('\n');
}
