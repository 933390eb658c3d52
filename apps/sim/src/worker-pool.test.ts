import { describe, expect, it } from 'vitest';
import { batchSize } from './worker-pool.js';

describe('batchSize (guided scheduling)', () => {
  it('a quarter share per thread of what is left, at most 32 and at least 1', () => {
    expect(batchSize(1023, 2)).toBe(32);
    expect(batchSize(200, 2)).toBe(25);
    expect(batchSize(85, 2)).toBe(11);
    expect(batchSize(7, 2)).toBe(1);
    expect(batchSize(1, 4)).toBe(1);
  });

  it('handing out batches covers every task exactly once, the last ones small', () => {
    const sizes: number[] = [];
    for (let left = 1023; left > 0; left -= sizes[sizes.length - 1]!)
      sizes.push(batchSize(left, 2));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1023);
    expect(sizes.slice(-8)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
  });
});
