// Reading platform descriptions from disk (the only place besides cli.ts that touches Node APIs).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { classifyPlatformBytes, LoadError, type PlatformSource } from './platform-source.js';

export { LoadError, type PlatformSource };

/** `-` is standard input; any other name a file (or /dev/stdin, or a process substitution). */
function readWhole(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path === '-' ? '/dev/stdin' : path));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'EISDIR' ? 'is a directory' : (err.message ?? String(e));
    throw new LoadError(`cannot read ${path}: ${why}`);
  }
}

/**
 * Every input is read once per command: a second look at the same name (the kind, then the
 * parse) gets the same bytes, so pipes, /dev/stdin and <(...) work.
 */
const inputs = new Map<string, Uint8Array>();

export function readInputBytes(path: string): Uint8Array {
  let bytes = inputs.get(path);
  if (bytes === undefined) {
    bytes = readWhole(path);
    inputs.set(path, bytes);
  }
  return bytes;
}

export function readInputText(path: string): string {
  return new TextDecoder().decode(readInputBytes(path));
}

/** Drop what was read (the command is done with its inputs). */
export function forgetInputs(): void {
  inputs.clear();
}

/** Read a firmware file (once) and decide what it is. */
export function loadPlatformFile(path: string): PlatformSource {
  return classifyPlatformBytes(path, readInputBytes(path));
}

/** A file named inside another one (the IORT of an ACPI platform file): relative to it. */
export function loadBesideFile(fromFile: string, relPath: string): PlatformSource {
  return loadPlatformFile(resolve(dirname(fromFile), relPath));
}

export function writeOutputFile(path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new LoadError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

/** Run the system C preprocessor over a DTS the way the kernel's dtc rule does. */
export function preprocessDts(path: string, includeDirs: readonly string[]): string {
  const args = ['-nostdinc', '-undef', '-D__DTS__', '-x', 'assembler-with-cpp'];
  for (const dir of [dirname(path), ...includeDirs]) args.push('-I', dir);
  args.push(path);
  const result = spawnSync('cpp', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.error) throw new LoadError(`cannot run cpp: ${result.error.message}`);
  if (result.status !== 0) throw new LoadError(`cpp failed on ${path}:\n${result.stderr}`);
  return result.stdout;
}

/** /include/ "file" resolution for the DTS reader: relative to the including file, then -I dirs. */
export function dtsFileReader(includeDirs: readonly string[]) {
  return (file: string, from: string): Uint8Array | undefined => {
    for (const dir of [dirname(from), ...includeDirs]) {
      try {
        return readInputBytes(resolve(dir, file));
      } catch {
        // try the next directory
      }
    }
    return undefined;
  };
}
