// The page's JavaScript budget: under 400 KB gzipped (the built dist/, as it would be served).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const assets = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/assets');
const BUDGET = 400 * 1024;

describe('bundle budget', () => {
  it('keeps the page JavaScript under 400 KB gzipped', () => {
    const scripts = readdirSync(assets).filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    const gzipped = scripts.reduce(
      (sum, f) => sum + gzipSync(readFileSync(join(assets, f))).length,
      0,
    );
    console.log(`page JavaScript: ${(gzipped / 1024).toFixed(1)} KB gzipped (budget 400 KB)`);
    expect(gzipped).toBeLessThan(BUDGET);
  });
});
