#!/usr/bin/env node
import { main } from './main.js';

// A reader that stops early (`dmasim inspect x.dtb --json | head -c 100`) is no failure of ours:
// end quietly, with no stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

// Built as CommonJS (tsup.config.ts), so no top-level await.
void main(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
