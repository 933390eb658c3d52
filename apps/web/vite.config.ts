import { defineConfig } from 'vite';

// A static page: relative asset URLs so dist/ can be hosted under any path.
export default defineConfig({
  base: './',
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true },
});
