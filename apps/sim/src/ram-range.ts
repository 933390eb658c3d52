// "START:SIZE" RAM banks, as --memory and the platform files' `memory` take them. Kept apart
// from the file readers so that --memory needs neither the YAML nor the schema library.
import { DmasimError, parseU64, U64ParseError } from '@dmasim/dma-mapping';
import type { MemoryRange } from '@dmasim/machine';

/** A RAM bank's text that is not "START:SIZE" with two numbers and a size above 0. */
export class RamRangeError extends DmasimError {
  static override readonly code: string = 'DMASIM_RAM_RANGE';
  override name = 'RamRangeError';
}

/** "START:SIZE" (hex or decimal, K/M/G/T suffixes): one bank of RAM. */
export function parseRamRange(text: string): MemoryRange {
  const m = /^([^:]+):([^:]+)$/.exec(text.trim());
  if (!m) throw new RamRangeError(`RAM wants START:SIZE (e.g. 0x0:4G), got "${text}"`);
  let range: MemoryRange;
  try {
    range = { start: parseU64(m[1]!), size: parseU64(m[2]!) };
  } catch (e) {
    if (!(e instanceof U64ParseError)) throw e;
    throw new RamRangeError(`RAM "${text}": ${e.message}`);
  }
  if (range.size === 0n) throw new RamRangeError(`RAM "${text}" has no size`);
  return range;
}
