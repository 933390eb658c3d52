import { options, type ParsedArgs } from '../args.js';
import type { TreeLoadOptions } from '../device-tree-file.js';

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
