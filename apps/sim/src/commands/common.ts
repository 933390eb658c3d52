import {
  isKernelReleaseName,
  KERNEL_RELEASE_NAMES,
  type KernelRelease,
  kernelRelease,
} from '@dmasim/dma-mapping';
import { option, options, type ParsedArgs, UsageError } from '../args.js';
import type { TreeLoadOptions } from '../device-tree-file.js';
import { readInputText } from '../load.js';
import { type PlatformFile, parsePlatformFile, parseRamRange } from '../platform-file.js';

/** What a command produces: the --json object and the human text. */
export interface CommandOutput {
  json: unknown;
  text: string;
  /** Exit status when the command ran (default 0); lint exits 1 on an error-level finding. */
  status?: number;
}

/** How to load the tree: --cpp/-I, and the RAM the bootloader fills in (--memory, else the platform file's). */
export function treeLoadOptions(args: ParsedArgs): TreeLoadOptions {
  const ram = options(args, '--memory').map((text) => {
    try {
      return parseRamRange(text);
    } catch (e) {
      throw new UsageError(`--memory: ${(e as Error).message}`);
    }
  });
  return {
    cpp: args.flags.has('--cpp'),
    includeDirs: options(args, '-I'),
    ram: ram.length > 0 ? ram : (platformFileOption(args)?.memory ?? []),
  };
}

/** JSON with bigint-free values; every number in our reports is already a hex string. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** --kernel 6.7|6.8|6.10|6.12; default 6.12 (the LTS behind kernel-observations.md). */
export function kernelOption(args: ParsedArgs): KernelRelease {
  const name = option(args, '--kernel');
  if (name === undefined) return kernelRelease();
  if (!isKernelReleaseName(name)) {
    throw new UsageError(`--kernel must be one of ${KERNEL_RELEASE_NAMES.join(', ')}`);
  }
  return kernelRelease(name);
}

export function platformFileOption(args: ParsedArgs): PlatformFile | undefined {
  const path = option(args, '--platform');
  return path === undefined ? undefined : parsePlatformFile(readInputText(path), path);
}
