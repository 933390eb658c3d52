#!/usr/bin/env node
import { main } from './main.js';

// Built as CommonJS (tsup.config.ts), so no top-level await.
void main(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
