// The CPU physical map: RAM banks, reserved memory, zones, swiotlb and restricted pools, MMIO.
import { addU64, parseU64, subU64 } from '@dmasim/dma-mapping';
import { type Lane, type LaneItem, laneFigure } from './lanes.js';
import type { NamedRange, ViewMemory } from './platform-view.js';
import { parseRange } from './u64-range.js';

const named = (list: readonly NamedRange[] | undefined, cls: string): LaneItem[] =>
  (list ?? []).map((r) => ({ range: parseRange(r), label: r.name, cls }));

/** The lanes of the CPU map, also listed row by row in the report's memory table. */
export function cpuMapLanes(memory: ViewMemory): Lane[] {
  const ram: LaneItem[] = memory.ram.map((r, i) => ({
    range: parseRange(r),
    label: `RAM ${i}`,
    cls: 'ram',
  }));
  const zones: LaneItem[] = memory.zones
    .filter((z) => z.start !== null && z.end !== null)
    .map((z) => ({
      range: parseRange({ start: z.start!, end: z.end! }),
      label: z.name,
      cls: `zone zone-${z.name.toLowerCase()}`,
    }));
  const pools: LaneItem[] = named(memory.restrictedPools, 'pool');
  if (memory.swiotlb) {
    const start = parseU64(memory.swiotlb.start);
    const end = subU64(addU64(start, parseU64(memory.swiotlb.size)), 1n);
    pools.unshift({
      range: { start, end },
      label: 'swiotlb',
      note: `${memory.swiotlb.nslabs} slabs`,
      cls: 'swiotlb',
    });
  }
  const lanes: Lane[] = [
    { name: 'RAM', items: ram },
    { name: 'reserved', items: named(memory.reserved, 'reserved') },
    { name: 'zones', items: zones },
    { name: 'swiotlb / pools', items: pools },
    { name: 'MMIO', items: named(memory.mmio, 'mmio') },
  ];
  return lanes.filter((l) => l.items.length > 0);
}

export function drawCpuMap(memory: ViewMemory): string {
  return laneFigure('cpu-map', cpuMapLanes(memory));
}
