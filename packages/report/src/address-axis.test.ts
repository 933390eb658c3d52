import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { segmentedAxis } from './address-axis.js';

describe('segmentedAxis', () => {
  it('gives a 4 KiB window and a 16 EiB hole both a readable width', () => {
    const axis = segmentedAxis([0n, 0x1000n, 1n << 64n], 100, 900);
    const [small, huge] = axis.segments;
    expect(small!.x1 - small!.x0).toBeGreaterThanOrEqual(16);
    expect(huge!.x1 - huge!.x0).toBeGreaterThan(small!.x1 - small!.x0);
    expect(axis.x(0n)).toBe(100);
    expect(axis.x(1n << 64n)).toBe(900);
    expect(axis.x(0x1000n)).toBe(small!.x1);
  });

  it('is linear inside a segment', () => {
    const axis = segmentedAxis([0n, 0x40000000n, 0x80000000n], 0, 800);
    const first = axis.segments[0]!;
    expect(axis.x(0x20000000n)).toBeCloseTo((first.x0 + first.x1) / 2, 3);
  });

  it('keeps address order and stays inside the drawing', () => {
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    fc.assert(
      fc.property(fc.array(u64, { minLength: 1, maxLength: 12 }), u64, u64, (points, a, b) => {
        const axis = segmentedAxis(points, 10, 500);
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(axis.x(lo)).toBeLessThanOrEqual(axis.x(hi));
        expect(axis.x(lo)).toBeGreaterThanOrEqual(10);
        expect(axis.x(hi)).toBeLessThanOrEqual(500 + 1e-9);
        // Breakpoints land exactly on segment edges.
        for (const seg of axis.segments) expect(axis.x(seg.start)).toBeCloseTo(seg.x0, 6);
      }),
    );
  });
});
