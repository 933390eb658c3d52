// u64 arithmetic as the kernel does it on dma_addr_t / phys_addr_t / u64.
import { DmasimError } from './dmasim-error.js';

export const U64_MAX = 0xffff_ffff_ffff_ffffn;
export const U32_MAX = 0xffff_ffffn;

/** Reduce any bigint to its u64 value (two's-complement wrap). */
export function u64(x: bigint): bigint {
  return BigInt.asUintN(64, x);
}

/** a + b modulo 2^64. */
export function addU64(a: bigint, b: bigint): bigint {
  return BigInt.asUintN(64, a + b);
}

/** a - b modulo 2^64. */
export function subU64(a: bigint, b: bigint): bigint {
  return BigInt.asUintN(64, a - b);
}

/** DMA_BIT_MASK(n): all ones for n == 64, otherwise (1 << n) - 1. Defined for 0..64. */
export function dmaBitMask(n: number): bigint {
  if (!Number.isInteger(n) || n < 0 || n > 64) {
    throw new RangeError(`DMA_BIT_MASK(${n}) is undefined (valid: 0..64)`);
  }
  return n === 64 ? U64_MAX : (1n << BigInt(n)) - 1n;
}

/** ilog2() on a runtime u64: fls64(x) - 1, so ilog2(0) = -1. */
export function ilog2(x: bigint): number {
  const v = u64(x);
  if (v === 0n) return -1;
  // Two 32-bit halves and clz32: no binary string per call (this runs for every device's masks).
  const high = Number(v >> 32n);
  return high !== 0 ? 63 - Math.clz32(high) : 31 - Math.clz32(Number(v));
}

/** DMA_BIT_MASK(ilog2(end) + 1): the smallest all-ones mask covering `end`. */
export function maskForEnd(end: bigint): bigint {
  return dmaBitMask(ilog2(end) + 1);
}

/** min_not_zero(): the smaller of two values, ignoring a zero. */
export function minNotZero(a: bigint, b: bigint): bigint {
  if (a === 0n) return b;
  if (b === 0n) return a;
  return a < b ? a : b;
}

export function minU64(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export function maxU64(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Lower-case hex with 0x prefix, the form every report and JSON output uses. */
export function hex(x: bigint | number): string {
  return `0x${x.toString(16)}`;
}

/** A u64 as the kernel prints it with %pa, %pad and 0x%016llx: 0x and 16 zero-padded digits. */
export function hex64(x: bigint): string {
  return `0x${x.toString(16).padStart(16, '0')}`;
}

/** A user's number that parseU64() cannot read, or that does not fit in 64 bits. */
export class U64ParseError extends DmasimError {
  static override readonly code: string = 'DMASIM_U64_PARSE';
  override name = 'U64ParseError';
  constructor(
    message: string,
    /** The text as given. */
    readonly text: string,
  ) {
    super(message);
  }
}

/** Parse a user-supplied number ("0x1000", "4096", "4K", "1G", "0x8000_0000") into a u64 bigint. */
export function parseU64(text: string): bigint {
  const t = text.trim();
  // At least one digit: "0x_" and "_" are not numbers (BigInt would throw or read 0).
  const m = /^(0[xX](?=_*[0-9a-fA-F])[0-9a-fA-F_]+|(?=_*[0-9])[0-9_]+)([kKmMgGtT]?)$/.exec(t);
  if (!m) throw new U64ParseError(`not a number: "${text}"`, text);
  let v = BigInt(m[1]!.replaceAll('_', ''));
  const shift = { '': 0n, k: 10n, m: 20n, g: 30n, t: 40n }[m[2]!.toLowerCase()] ?? 0n;
  v <<= shift;
  if (v > U64_MAX) throw new U64ParseError(`value does not fit in 64 bits: "${text}"`, text);
  return v;
}
