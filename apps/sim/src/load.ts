// Reading platform descriptions from disk (the only place besides cli.ts that touches Node APIs),
// and loading the YAML readers when a command line names a YAML/JSON file.
import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type { CommandSpec, ParsedArgs } from './args.js';
import { classifyPlatformBytes, LoadError, type PlatformSource } from './platform-source.js';
import { loadYamlReaders, yamlReadersLoaded } from './yaml-inputs.js';

export { LoadError, type PlatformSource };

/**
 * The most any one input file may hold: 64 MiB. Real blobs, tables and sources are far
 * smaller; the limit keeps a device file (/dev/zero) or a runaway pipe from being read whole.
 */
export const MAX_INPUT_FILE_BYTES = 64 << 20;

/** A file that would pass MAX_INPUT_FILE_BYTES: its reading stops there. */
export class InputSizeError extends LoadError {
  static override readonly code: string = 'DMASIM_INPUT_TOO_LARGE';
  override name = 'InputSizeError';
}

function cannotRead(path: string, e: unknown): LoadError {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'EISDIR' ? 'is a directory' : (err.message ?? String(e));
  return new LoadError(`cannot read ${path}: ${why}`);
}

/**
 * What to read first: a regular file's size plus one byte, so that one read fills it and the
 * next sees its end; 64 KiB for a pipe or device, which report no size. (A fixed 1 MiB chunk per
 * file cost more zero-filling than the reads themselves across a directory of small blobs.)
 */
function initialCapacity(fd: number): number {
  const stat = fstatSync(fd);
  return Math.min(stat.isFile() ? stat.size + 1 : 64 << 10, MAX_INPUT_FILE_BYTES + 1);
}

/**
 * `-` is standard input; any other name a file (or /dev/stdin, or a process substitution). Read
 * up to MAX_INPUT_FILE_BYTES into a buffer that doubles as needed, since a device or a pipe
 * reports no size beforehand (and a file may grow while it is read).
 */
function readWhole(path: string): Uint8Array {
  let fd: number;
  try {
    fd = path === '-' ? 0 : openSync(path, 'r');
  } catch (e) {
    throw cannotRead(path, e);
  }
  try {
    let buffer = new Uint8Array(initialCapacity(fd));
    let total = 0;
    for (;;) {
      if (total === buffer.length) {
        const larger = new Uint8Array(Math.min(buffer.length * 2, MAX_INPUT_FILE_BYTES + 1));
        larger.set(buffer);
        buffer = larger;
      }
      const n = readSync(fd, buffer, total, buffer.length - total, null);
      if (n === 0) break;
      total += n;
      if (total > MAX_INPUT_FILE_BYTES) {
        throw new InputSizeError(
          `${path}: larger than the ${MAX_INPUT_FILE_BYTES}-byte limit on an input file`,
        );
      }
    }
    return buffer.subarray(0, total);
  } catch (e) {
    if (e instanceof LoadError) throw e;
    throw cannotRead(path, e);
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

/** Files handed over in memory (provideInputs), read in place of the file system. */
let provided: ReadonlyMap<string, Uint8Array> = new Map();

/**
 * Hands the commands that follow files by path, in place of reading them from disk: a harness
 * that generates thousands of inputs (pnpm fuzz) runs them through the same size limit and
 * parsing as files. Replaces what was handed over before; other paths are read as usual.
 */
export function provideInputs(files: ReadonlyMap<string, Uint8Array>): void {
  provided = files;
}

/** Whether `path` names an input: a file handed over in memory, or one on disk. */
export function inputExists(path: string): boolean {
  return provided.has(path) || existsSync(path);
}

function readProvided(path: string): Uint8Array | undefined {
  const bytes = provided.get(path);
  if (bytes !== undefined && bytes.length > MAX_INPUT_FILE_BYTES) {
    throw new InputSizeError(
      `${path}: larger than the ${MAX_INPUT_FILE_BYTES}-byte limit on an input file`,
    );
  }
  return bytes;
}

/**
 * Every input is read once per command: a second look at the same name (the kind, then the
 * parse) gets the same bytes, so pipes, /dev/stdin and <(...) work.
 */
const inputs = new Map<string, Uint8Array>();

export function readInputBytes(path: string): Uint8Array {
  let bytes = inputs.get(path);
  if (bytes === undefined) {
    bytes = readProvided(path) ?? readWhole(path);
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

/** The address space cpp may use (KiB), and how long it may run. */
const CPP_MEMORY_KIB = 1 << 19;
const CPP_TIMEOUT_MS = 60_000;

/** Run the system C preprocessor over a DTS the way the kernel's dtc rule does. */
export function preprocessDts(path: string, includeDirs: readonly string[]): string {
  const args = ['-nostdinc', '-undef', '-D__DTS__', '-x', 'assembler-with-cpp'];
  for (const dir of [dirname(path), ...includeDirs]) args.push('-I', dir);
  args.push(path);
  // Required here, not imported: child_process is the costliest builtin to load, and only --cpp
  // needs it.
  const { spawnSync } = createRequire(import.meta.url)(
    'node:child_process',
  ) as typeof import('node:child_process');
  // cpp reads an #include whole before it writes a line, so `#include "/dev/zero"` grows it
  // without end: it runs under a 1 GiB address-space limit (where the shell can set one), and its
  // output stops at MAX_INPUT_FILE_BYTES, as any other input does.
  const result = spawnSync(
    'sh',
    ['-c', `ulimit -v ${CPP_MEMORY_KIB} 2>/dev/null; exec cpp "$@"`, 'cpp', ...args],
    { encoding: 'utf8', maxBuffer: MAX_INPUT_FILE_BYTES, timeout: CPP_TIMEOUT_MS },
  );
  const code = (result.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOBUFS' || /out of memory/.test(result.stderr ?? '')) {
    throw new InputSizeError(
      `${path}: the C preprocessor's output passes the ${MAX_INPUT_FILE_BYTES}-byte limit on an input file (or its input the ${CPP_MEMORY_KIB >> 10} MiB it may use)`,
    );
  }
  if (code === 'ETIMEDOUT') {
    throw new InputSizeError(`${path}: the C preprocessor ran past ${CPP_TIMEOUT_MS / 1000} s`);
  }
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
      } catch (e) {
        if (e instanceof InputSizeError) throw e;
        // try the next directory
      }
    }
    return undefined;
  };
}

/** --platform (always a file), and --workload when it names a file rather than a built-in. */
function namesYamlOption(args: ParsedArgs): boolean {
  if (args.options.has('--platform')) return true;
  return (args.options.get('--workload') ?? []).some((w) => w === '-' || inputExists(w));
}

/** An input that is YAML/JSON by its content, or a directory (which may hold such files). */
function mayBeYamlInput(path: string): boolean {
  try {
    if (path !== '-' && !provided.has(path) && statSync(path).isDirectory()) return true;
    return loadPlatformFile(path).kind === 'acpi-platform';
  } catch {
    return false; // unreadable: the command says so
  }
}

/**
 * Load the readers when `args` name a YAML/JSON file: an option that takes one, or a firmware
 * input (every PATH of a variadic first positional, else the first) whose content is YAML. An
 * input read here stays cached for the command, so each is still read once.
 */
export async function prepareYamlReaders(
  spec: CommandSpec,
  args: ParsedArgs,
  inputs: readonly string[],
): Promise<void> {
  if (yamlReadersLoaded()) return;
  const firmware = spec.positionals[0]?.variadic ? inputs : inputs.slice(0, 1);
  if (namesYamlOption(args) || firmware.some(mayBeYamlInput)) {
    await loadYamlReaders();
  }
}
