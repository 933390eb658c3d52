import { describe, expect, it } from 'vitest';
import { LANE_HEIGHT, laneFigure, laneTracks } from './lanes.js';

const item = (start: bigint, end: bigint, label: string) => ({
  range: { start, end },
  label,
  cls: 'mmio',
});

describe('lane figures', () => {
  it('puts overlapping ranges of one lane on separate tracks', () => {
    const items = [
      item(0xfe00_0000n, 0xff7f_ffffn, 'soc'),
      item(0xfe00_0000n, 0xfe00_ffffn, 'bus'),
      item(0xff80_0000n, 0xff80_ffffn, 'after'),
    ];
    expect(laneTracks(items)).toEqual([0, 1, 0]);
    const svg = laneFigure('mmio', [{ name: 'MMIO', items }]);
    const y = (label: string) =>
      Number(new RegExp(`<rect x="[^"]+" y="([0-9.]+)"[^>]*><title>${label}:`).exec(svg)?.[1]);
    expect(y('bus') - y('soc')).toBe(LANE_HEIGHT);
    expect(y('after')).toBe(y('soc'));
  });
});
