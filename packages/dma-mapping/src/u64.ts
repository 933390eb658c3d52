// u64 arithmetic as the kernel does it on dma_addr_t / phys_addr_t / u64.

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
  return v === 0n ? -1 : v.toString(2).length - 1;
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

/** Parse a user-supplied number ("0x1000", "4096", "4K", "1G") into a u64 bigint. */
export function parseU64(text: string): bigint {
  const t = text.trim();
  const m = /^(0[xX][0-9a-fA-F_]+|[0-9_]+)([kKmMgGtT]?)$/.exec(t);
  if (!m) throw new SyntaxError(`not a number: "${text}"`);
  let v = BigInt(m[1]!.replaceAll('_', ''));
  const shift = { '': 0n, k: 10n, m: 20n, g: 30n, t: 40n }[m[2]!.toLowerCase()] ?? 0n;
  v <<= shift;
  if (v > U64_MAX) throw new RangeError(`value does not fit in 64 bits: "${text}"`);
  return v;
}
