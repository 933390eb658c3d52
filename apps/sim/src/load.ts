// Reading platform descriptions from disk (the only place besides cli.ts that touches Node APIs).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { classifyPlatformBytes, LoadError, type PlatformSource } from './platform-source.js';

export { LoadError, type PlatformSource };

/** Read and classify a firmware file. */
export function loadPlatformFile(path: string): PlatformSource {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new LoadError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return classifyPlatformBytes(path, bytes);
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
        return new Uint8Array(readFileSync(resolve(dir, file)));
      } catch {
        // try the next directory
      }
    }
    return undefined;
  };
}
