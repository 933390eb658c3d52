// The build every library package shares: ESM with declarations, for Node 20 and browsers.
import { defineConfig } from 'tsup';

export function libraryConfig(entry: string[] = ['src/index.ts']) {
  return defineConfig({
    entry,
    format: ['esm'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
  });
}
