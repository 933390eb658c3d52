// Lane figures: rows of labelled ranges over one segmented address axis, with tick labels.
import { hex } from '@dmasim/dma-mapping';
import { type AddressAxis, segmentedAxis } from './address-axis.js';
import { attrs, escapeXml, fmt, labelledRect, tickHex } from './svg.js';
import type { U64Range } from './u64-range.js';

export const FIGURE_WIDTH = 960;
export const LANE_LEFT = 150;
export const LANE_RIGHT = 860;
export const LANE_HEIGHT = 22;
const LANE_GAP = 6;
const TICK_ROOM = 74;

export interface LaneItem {
  range: U64Range;
  label: string;
  /** Extra hover text after the exact range. */
  note?: string;
  cls: string;
  data?: Record<string, string | number>;
}

export interface Lane {
  name: string;
  items: LaneItem[];
}

/** Axis breakpoints of ranges: each start and exclusive end. */
export function rangePoints(ranges: readonly U64Range[]): bigint[] {
  return ranges.flatMap((r) => [r.start, r.end + 1n]);
}

export function rangeTitle(label: string, r: U64Range, note?: string): string {
  const size = r.end - r.start + 1n;
  return `${label}: ${hex(r.start)}-${hex(r.end)} (size ${hex(size)})${note ? `\n${note}` : ''}`;
}

/** Greedy track assignment: overlapping items of one lane go on separate tracks. */
export function laneTracks(items: readonly LaneItem[]): number[] {
  const trackEnds: bigint[] = [];
  return items.map((item) => {
    let track = trackEnds.findIndex((end) => end < item.range.start);
    if (track < 0) track = trackEnds.push(0n) - 1;
    trackEnds[track] = item.range.end;
    return track;
  });
}

/** Rows a lane needs (at least one). */
export function laneHeight(lane: Lane): number {
  return Math.max(1, ...laneTracks(lane.items).map((t) => t + 1)) * LANE_HEIGHT;
}

export function laneRow(axis: AddressAxis, lane: Lane, y: number): string {
  const height = laneHeight(lane);
  const tracks = laneTracks(lane.items);
  const name = `<text${attrs({ x: 4, y: y + LANE_HEIGHT / 2 + 4, class: 'lane-name' })}>${escapeXml(lane.name)}</text>`;
  const track = `<rect${attrs({ x: axis.left, y, width: fmt(axis.right - axis.left), height, class: 'track' })}/>`;
  const items = lane.items.map((item, i) => {
    const x0 = axis.x(item.range.start);
    const x1 = axis.x(item.range.end + 1n);
    return labelledRect(
      { x: x0, y: y + tracks[i]! * LANE_HEIGHT, width: x1 - x0, height: LANE_HEIGHT },
      rangeTitle(item.label, item.range, item.note),
      item.label,
      {
        class: item.cls,
        'data-start': hex(item.range.start),
        'data-end': hex(item.range.end),
        ...(item.data ?? {}),
      },
    );
  });
  return name + track + items.join('');
}

/** Tick marks and rotated hex labels at every breakpoint; labels above (`up`) or below. */
export function axisTicks(axis: AddressAxis, y: number, up: boolean, name: string): string {
  const ticks = axis.points
    .map((p) => {
      const x = fmt(axis.x(p));
      const tick = `<line${attrs({ x1: x, x2: x, y1: y - 3, y2: y + 3, class: 'tick', 'data-addr': hex(p) })}/>`;
      const ty = up ? y - 6 : y + 10;
      const angle = up ? -40 : 40;
      const label = `<text${attrs({ x, y: ty, class: 'tick-label', 'data-addr': hex(p), transform: `rotate(${angle} ${x} ${ty})` })}>${tickHex(p)}</text>`;
      return tick + label;
    })
    .join('');
  return `<g class="axis" data-axis="${name}">${ticks}</g>`;
}

/** A figure of lanes over one axis spanning every item (plus `extraPoints`). */
export function laneFigure(
  figure: string,
  lanes: readonly Lane[],
  extraPoints: readonly bigint[] = [],
): string {
  const points = [
    0n,
    ...extraPoints,
    ...lanes.flatMap((l) => rangePoints(l.items.map((i) => i.range))),
  ];
  const axis = segmentedAxis(points, LANE_LEFT, LANE_RIGHT);
  let y = 8;
  const rows = lanes.map((lane) => {
    const row = laneRow(axis, lane, y);
    y += laneHeight(lane) + LANE_GAP;
    return row;
  });
  const axisY = y;
  const height = axisY + TICK_ROOM;
  return `<svg${attrs({ class: 'figure', 'data-figure': figure, viewBox: `0 0 ${FIGURE_WIDTH} ${height}`, width: FIGURE_WIDTH, height, role: 'img' })}>${rows.join('')}${axisTicks(axis, axisY, false, 'address')}</svg>`;
}
