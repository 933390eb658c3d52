// What `dmasim run` reports: the DMA layer's counters over one workload, in JSON and as text
// carrying the same numbers.

import { type DmaStats, IO_TLB_SIZE } from '@dmasim/dma-direct';
import type { DmaIommuDomainStats } from '@dmasim/dma-iommu';
import { errName, hex } from '@dmasim/dma-mapping';
import { formatColumns } from './columns.js';
import { type OutputStyle, outputStyle } from './terminal.js';
import type { WorkloadReport } from './workload.js';

export interface RunIommuReport {
  /** The domain's type and the IOMMU it sits on. */
  domain: string;
  iovaAllocs: number;
  rcacheHits: number;
  /** rcacheHits / iovaAllocs, 0 when nothing was allocated. */
  rcacheHitRate: number;
  iovaAllocFailures: number;
  /** Page-table pages the domain holds at the end of the run. */
  pageTablePages: number;
  /** Per-unmap IOTLB syncs (strict) plus domain-wide flushes (lazy). */
  iotlbInvalidations: number;
  flushQueueFlushes: number;
}

export interface RunReport {
  workload: string;
  device: string;
  ops: 'dma-direct' | 'iommu-dma';
  steps: number;
  /** The driver's dma_set_mask_and_coherent(): mask asked for and what it returned. */
  setMask: { mask: string; result: number } | null;
  maps: number;
  unmaps: number;
  mapFailures: number;
  bounces: number;
  bounceBytes: number;
  swiotlbHighWater: { slots: number; bytes: number };
  allocations: { DMA: number; DMA32: number; Normal: number; cma: number };
  allocFailures: number;
  /** arch_sync_dma_for_device()/_for_cpu() calls. */
  cacheMaintenance: number;
  /** Failed operations with the kernel messages they logged (the first 20). */
  failures: { total: number; first: Array<{ step: number; op: string; messages: string[] }> };
  iommu: RunIommuReport | null;
}

const FAILURES_KEPT = 20;

/** Counters that only grow: the run's share is after minus before. */
function delta(after: DmaIommuDomainStats, before: DmaIommuDomainStats | null) {
  const d = (k: keyof DmaIommuDomainStats) =>
    (after[k] as number) - ((before?.[k] as number | undefined) ?? 0);
  return {
    iovaAllocs: d('iovaAllocs'),
    rcacheHits: d('rcacheHits'),
    iovaAllocFailures: d('iovaAllocFailures'),
    mapCalls: d('mapCalls'),
    unmapCalls: d('unmapCalls'),
    cacheSyncs: d('cacheSyncs'),
    bounces: d('bounces'),
    iotlb: d('iotlbSyncs') + d('iotlbFlushAll'),
    fqFlushes: d('fqFlushes'),
  };
}

export interface RunReportInput {
  device: string;
  maskAsked: bigint | null;
  run: WorkloadReport;
  /** dma-direct's counters (bounces land there for every device). */
  stats: DmaStats;
  iommu: { domain: string; before: DmaIommuDomainStats | null; after: DmaIommuDomainStats } | null;
}

export function buildRunReport(input: RunReportInput): RunReport {
  const { run, stats } = input;
  const failed = (ops: string[]) => run.failures.filter((f) => ops.includes(f.op)).length;
  const io = input.iommu ? delta(input.iommu.after, input.iommu.before) : null;
  return {
    workload: run.name,
    device: input.device,
    ops: io ? 'iommu-dma' : 'dma-direct',
    steps: run.steps,
    setMask:
      input.maskAsked === null || run.setMaskResult === null
        ? null
        : { mask: hex(input.maskAsked), result: run.setMaskResult },
    maps: io ? io.mapCalls : stats.maps,
    unmaps: io ? io.unmapCalls : stats.unmaps,
    mapFailures: failed(['map', 'map-sg']),
    bounces: stats.bounces + (io?.bounces ?? 0),
    bounceBytes: stats.bounceBytes,
    swiotlbHighWater: {
      slots: stats.swiotlbHighWater,
      bytes: stats.swiotlbHighWater * IO_TLB_SIZE,
    },
    allocations: { ...stats.allocsPerZone, cma: stats.allocsFromCma },
    allocFailures: failed(['alloc']),
    cacheMaintenance:
      stats.cacheMaintenanceForDevice + stats.cacheMaintenanceForCpu + (io?.cacheSyncs ?? 0),
    failures: { total: run.failures.length, first: run.failures.slice(0, FAILURES_KEPT) },
    iommu:
      io && input.iommu
        ? {
            domain: input.iommu.domain,
            iovaAllocs: io.iovaAllocs,
            rcacheHits: io.rcacheHits,
            rcacheHitRate: io.iovaAllocs ? io.rcacheHits / io.iovaAllocs : 0,
            iovaAllocFailures: io.iovaAllocFailures,
            pageTablePages: input.iommu.after.pageTablePagesTotal,
            iotlbInvalidations: io.iotlb,
            flushQueueFlushes: io.fqFlushes,
          }
        : null,
  };
}

const row = (label: string, value: string | number) => [`${label}:`.padEnd(22), String(value)];

/**
 * The report as text: one "label: value" row per counter; on a terminal a long value wraps
 * under itself.
 */
export function formatRunReport(r: RunReport, style: OutputStyle = outputStyle()): string[] {
  const rows = [
    row(
      'driver mask',
      r.setMask
        ? `dma_set_mask_and_coherent(${r.setMask.mask}) = ${r.setMask.result === 0 ? '0' : `${r.setMask.result} (${errName(r.setMask.result)})`}`
        : 'unchanged',
    ),
    row('maps', r.maps),
    row('unmaps', r.unmaps),
    row('map failures', r.mapFailures),
    row('bounces', r.bounces),
    row('bounce bytes', r.bounceBytes),
    row(
      'swiotlb high water',
      `${r.swiotlbHighWater.slots} slots (${r.swiotlbHighWater.bytes} bytes)`,
    ),
    row(
      'allocations',
      `DMA ${r.allocations.DMA}, DMA32 ${r.allocations.DMA32}, Normal ${r.allocations.Normal}, CMA ${r.allocations.cma}`,
    ),
    row('alloc failures', r.allocFailures),
    row('cache maintenance', r.cacheMaintenance),
  ];
  if (r.iommu) {
    const i = r.iommu;
    rows.push(
      row('IOMMU domain', i.domain),
      row('IOVA allocations', i.iovaAllocs),
      row(
        'rcache hits',
        `${i.rcacheHits} (${(i.rcacheHitRate * 100).toFixed(1)}% of IOVA allocations)`,
      ),
      row('IOVA failures', i.iovaAllocFailures),
      row('page-table pages', i.pageTablePages),
      row('IOTLB invalidations', i.iotlbInvalidations),
      row('flush-queue flushes', i.flushQueueFlushes),
    );
  }
  const lines = [
    `${r.workload} on ${r.device} through ${r.ops}, ${r.steps} steps`,
    ...formatColumns(rows, style, { gap: '' }),
  ];
  if (r.failures.total > 0) {
    lines.push(
      `failures (${r.failures.first.length} of ${r.failures.total} shown):`,
      ...r.failures.first.map(
        (f) => `  step ${f.step} ${f.op}: ${f.messages.join(' / ') || '(no message)'}`,
      ),
    );
  }
  return lines;
}
