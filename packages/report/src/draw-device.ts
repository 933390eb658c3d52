// One device's DMA view: its bus address space (top) with each dma-ranges window joined to the
// CPU addresses it reaches (bottom), the mask and bus limit, and which RAM it can and cannot reach.
import { addU64, hex, parseU64, subU64, U64_MAX } from '@dmasim/dma-mapping';
import { segmentedAxis } from './address-axis.js';
import {
  axisTicks,
  FIGURE_WIDTH,
  LANE_HEIGHT,
  LANE_LEFT,
  LANE_RIGHT,
  laneRow,
  rangePoints,
} from './lanes.js';
import type { ViewDevice, ViewMemory } from './platform-view.js';
import { type DeviceReach, type DmaWindow, deviceReach } from './reach.js';
import { attrs, escapeXml, fmt, labelledRect } from './svg.js';
import { parseRange, type U64Range } from './u64-range.js';

const BUS_Y = 78;
const CPU_Y = 150;
const REACH_Y = CPU_Y + LANE_HEIGHT + 6;
const CPU_AXIS_Y = REACH_Y + LANE_HEIGHT + 6;
const HEIGHT = CPU_AXIS_Y + 74;

/** A window as drawn: the implicit 1:1 view stops at the device's highest usable bus address. */
function shownWindow(w: DmaWindow, maxBus: bigint): { bus: U64Range; cpu: U64Range } {
  const size = w.identity ? (maxBus === U64_MAX ? U64_MAX : maxBus + 1n) : w.size;
  const busEnd = subU64(addU64(w.dmaStart, size), 1n);
  const cpuEnd = subU64(addU64(w.cpuStart, size), 1n);
  return { bus: { start: w.dmaStart, end: busEnd }, cpu: { start: w.cpuStart, end: cpuEnd } };
}

function marker(x: number, label: string, cls: string, title: string): string {
  const line = `<line${attrs({ x1: fmt(x), x2: fmt(x), y1: BUS_Y - 4, y2: BUS_Y + LANE_HEIGHT + 4, class: cls })}><title>${escapeXml(title)}</title></line>`;
  // Near the right edge the label reads leftwards from the line.
  const anchor = x > LANE_RIGHT - 120 ? { x: fmt(x - 2), 'text-anchor': 'end' } : { x: fmt(x + 2) };
  const y = BUS_Y + LANE_HEIGHT + (cls === 'limit' ? 24 : 14);
  const text = `<text${attrs({ ...anchor, y, class: `marker-label ${cls}` })}>${escapeXml(label)}</text>`;
  return line + text;
}

/** The figure for `dev`; `memory` supplies the RAM to reach (none: windows only). */
export function drawDevice(dev: ViewDevice, memory: ViewMemory | null): string {
  const ram = (memory?.ram ?? []).map(parseRange);
  const reach: DeviceReach = deviceReach(dev, ram);
  const windows = reach.windows.map((w) => ({ w, ...shownWindow(w, reach.maxBusAddress) }));
  const mask = parseU64(dev.dmaMask ?? dev.coherentDmaMask);
  const limit = parseU64(dev.busDmaLimit);
  const busPoints = [0n, ...rangePoints(windows.map((w) => w.bus))];
  if (mask !== U64_MAX) busPoints.push(mask + 1n);
  if (limit !== 0n && limit !== U64_MAX) busPoints.push(limit + 1n);
  const busAxis = segmentedAxis(busPoints, LANE_LEFT, LANE_RIGHT);
  const cpuPoints = [0n, ...rangePoints([...windows.map((w) => w.cpu), ...ram])];
  const cpuAxis = segmentedAxis(cpuPoints, LANE_LEFT, LANE_RIGHT);

  const parts: string[] = [];
  parts.push(axisTicks(busAxis, BUS_Y - 4, true, 'bus'));
  parts.push(
    `<text${attrs({ x: 4, y: BUS_Y + 15, class: 'lane-name' })}>bus (DMA)</text>`,
    `<rect${attrs({ x: LANE_LEFT, y: BUS_Y, width: LANE_RIGHT - LANE_LEFT, height: LANE_HEIGHT, class: 'track' })}/>`,
    `<text${attrs({ x: 4, y: CPU_Y + 15, class: 'lane-name' })}>CPU physical</text>`,
    `<rect${attrs({ x: LANE_LEFT, y: CPU_Y, width: LANE_RIGHT - LANE_LEFT, height: LANE_HEIGHT, class: 'track' })}/>`,
  );
  windows.forEach(({ w, bus, cpu }, i) => {
    const bx0 = busAxis.x(bus.start);
    const bx1 = busAxis.x(bus.end + 1n);
    const cx0 = cpuAxis.x(cpu.start);
    const cx1 = cpuAxis.x(cpu.end + 1n);
    const name = w.identity ? '1:1 (no dma-ranges)' : `window ${i}`;
    const title = `${name}: bus ${hex(bus.start)}-${hex(bus.end)} -> CPU ${hex(cpu.start)}-${hex(cpu.end)} (size ${hex(bus.end - bus.start + 1n)}, offset ${hex(subU64(cpu.start, bus.start))})`;
    const data = {
      'data-window': i,
      'data-dma-start': hex(bus.start),
      'data-cpu-start': hex(cpu.start),
      'data-size': hex(bus.end - bus.start + 1n),
    };
    parts.push(
      `<polygon${attrs({ points: `${fmt(bx0)},${BUS_Y + LANE_HEIGHT} ${fmt(bx1)},${BUS_Y + LANE_HEIGHT} ${fmt(cx1)},${CPU_Y} ${fmt(cx0)},${CPU_Y}`, class: 'connector' })}><title>${escapeXml(title)}</title></polygon>`,
      labelledRect(
        { x: bx0, y: BUS_Y, width: bx1 - bx0, height: LANE_HEIGHT },
        title,
        `${name} bus ${hex(bus.start)}`,
        { class: 'win win-bus', ...data },
      ),
      labelledRect(
        { x: cx0, y: CPU_Y, width: cx1 - cx0, height: LANE_HEIGHT },
        title,
        `${name} cpu ${hex(cpu.start)}`,
        { class: 'win win-cpu', ...data },
      ),
    );
  });
  if (mask !== U64_MAX) {
    parts.push(marker(busAxis.x(mask + 1n), `mask ${hex(mask)}`, 'mask', `DMA mask ${hex(mask)}`));
  }
  if (limit !== 0n && limit !== U64_MAX && limit !== mask) {
    parts.push(
      marker(
        busAxis.x(limit + 1n),
        `bus limit ${hex(limit)}`,
        'limit',
        `bus_dma_limit ${hex(limit)}`,
      ),
    );
  }
  const via = reach.translated ? ' through the IOMMU' : '';
  parts.push(
    laneRow(
      cpuAxis,
      {
        name: 'RAM reach',
        items: [
          ...reach.reachable.map((range) => ({
            range,
            label: 'reachable',
            note: `the device reaches this RAM directly${via}`,
            cls: 'reach',
          })),
          ...reach.unreachable.map((range) => ({
            range,
            label: 'bounced',
            note: 'out of reach: streaming DMA bounces through swiotlb, coherent allocations avoid it',
            cls: 'noreach',
          })),
        ],
      },
      REACH_Y,
    ),
  );
  parts.push(axisTicks(cpuAxis, CPU_AXIS_Y, false, 'cpu'));
  return `<svg${attrs({ class: 'figure', 'data-figure': 'device', 'data-device': dev.path, viewBox: `0 0 ${FIGURE_WIDTH} ${HEIGHT}`, width: FIGURE_WIDTH, height: HEIGHT, role: 'img' })}>${parts.join('')}</svg>`;
}
