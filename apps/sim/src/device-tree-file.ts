// Loading a device tree (blob or source) for the CLI.
import {
  type DeviceTree,
  parseDts,
  parseFdt,
  type RamRange,
  withBootloaderMemory,
} from '@dmasim/of';
import { dtsFileReader, LoadError, loadPlatformFile, preprocessDts } from './load.js';

export interface TreeLoadOptions {
  /** Run the system C preprocessor first (sources that #include headers). */
  cpp?: boolean;
  includeDirs?: readonly string[];
  /** RAM the bootloader writes into /memory before the kernel reads it. */
  ram?: readonly RamRange[];
}

export function loadDeviceTree(path: string, options: TreeLoadOptions = {}): DeviceTree {
  return withBootloaderMemory(readDeviceTree(path, options), options.ram ?? []);
}

function readDeviceTree(path: string, options: TreeLoadOptions): DeviceTree {
  const includeDirs = options.includeDirs ?? [];
  const source = loadPlatformFile(path);
  if (source.kind === 'dtb') return parseFdt(source.bytes);
  if (source.kind !== 'dts') throw new LoadError(`${path} is not a device tree (.dtb or .dts)`);
  const text = options.cpp ? preprocessDts(path, includeDirs) : source.text;
  return parseDts(text, {
    fileName: path,
    readFile: dtsFileReader(includeDirs),
    includeDirs: [...includeDirs],
  });
}
