// Loading firmware files for the commands that take any kind (lint, report), and expanding the
// PATH lists they accept: files, and directories (their firmware files, sorted).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isAcpiSource, loadAcpi } from './acpi-file.js';
import { loadDeviceTree, type TreeLoadOptions } from './device-tree-file.js';
import { LoadError, loadPlatformFile } from './load.js';
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

export function expandPaths(paths: readonly string[]): string[] {
  return paths.flatMap((path) => {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (e) {
      throw new LoadError(`cannot read ${path}: ${(e as Error).message}`);
    }
    if (!isDir) return [path];
    return readdirSync(path)
      .filter((name) => FIRMWARE_FILE.test(name))
      .sort()
      .map((name) => join(path, name))
      .filter((file) => !/\.(ya?ml|json)$/i.test(file) || isAcpiDocument(file));
  });
}
