// Loading firmware files for the commands that take any kind (lint, report), and expanding the
// PATH lists they accept: files, and directories (their firmware files, recursively, sorted).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isAcpiSource, loadAcpi } from './acpi-file.js';
import { loadDeviceTree, type TreeLoadOptions } from './device-tree-file.js';
import { loadPlatformFile } from './load.js';
import type { LoadedFirmware } from './platform-view.js';

export function loadFirmware(path: string, options: TreeLoadOptions = {}): LoadedFirmware {
  if (isAcpiSource(loadPlatformFile(path)))
    return { kind: 'acpi', source: path, acpi: loadAcpi(path) };
  return { kind: 'dt', source: path, tree: loadDeviceTree(path, options) };
}

const FIRMWARE_FILE = /\.(dtb|dts|bin|ya?ml|json)$/i;

/** A YAML/JSON file in a directory is firmware only when it describes an IORT or ACPI machine. */
function isAcpiDocument(path: string): boolean {
  return /^\s*"?(iort|nodes)"?\s*:/m.test(readFileSync(path, 'utf8'));
}

/** In a directory, a .bin counts only when it is an ACPI table (an IORT). */
function isIortBinary(path: string): boolean {
  return readFileSync(path).subarray(0, 4).toString('latin1') === 'IORT';
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A directory's firmware files, its subdirectories walked in the same name order. */
function walk(dir: string): string[] {
  const names = readdirSync(dir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.flatMap((name) => {
    const path = join(dir, name);
    if (isDirectory(path)) return walk(path);
    if (!FIRMWARE_FILE.test(name)) return [];
    if (/\.(ya?ml|json)$/i.test(name)) return isAcpiDocument(path) ? [path] : [];
    if (/\.bin$/i.test(name)) return isIortBinary(path) ? [path] : [];
    return [path];
  });
}

/**
 * PATHs as inputs, in the order given: a directory stands for its firmware files (recursively,
 * sorted by name in byte order); any other path is an input, even one that cannot be read (its
 * own record then carries the error).
 */
export function expandPaths(paths: readonly string[]): string[] {
  return paths.flatMap((path) => (isDirectory(path) ? walk(path) : [path]));
}

/** Whether PATHs name several inputs (or a directory of them). */
export function namesManyInputs(paths: readonly string[]): boolean {
  return paths.length > 1 || paths.some(isDirectory);
}
