// The build every library package shares: ESM and CommonJS (so `require()` works on Node 20),
// each with its declarations (.d.ts / .d.cts), for Node 20 and browsers.
import { defineConfig } from 'tsup';

export function libraryConfig(entry: string[] = ['src/index.ts']) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
  });
}
