import { readFileSync } from 'node:fs';
import type { KernelVersion } from '@dmasim/dma-mapping';
import { option, options, type ParsedArgs, UsageError } from '../args.js';
import type { TreeLoadOptions } from '../device-tree-file.js';
import { type PlatformFile, parsePlatformFile } from '../platform-file.js';

/** What a command produces: the --json object and the human text. */
export interface CommandOutput {
  json: unknown;
  text: string;
}

export function treeLoadOptions(args: ParsedArgs): TreeLoadOptions {
  return { cpp: args.flags.has('--cpp'), includeDirs: options(args, '-I') };
}

/** JSON with bigint-free values; every number in our reports is already a hex string. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function kernelVersionOption(args: ParsedArgs): KernelVersion {
  const kernel = option(args, '--kernel') ?? '6.10';
  if (kernel !== '6.10' && kernel !== '6.7') throw new UsageError('--kernel must be 6.10 or 6.7');
  return kernel;
}

export function platformFileOption(args: ParsedArgs): PlatformFile | undefined {
  const path = option(args, '--platform');
  return path === undefined ? undefined : parsePlatformFile(readFileSync(path, 'utf8'), path);
}
