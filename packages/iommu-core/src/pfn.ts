// u64 addresses <-> page-frame numbers as plain numbers. Number(bigint) and BigInt(number) are
// runtime calls costing tens of nanoseconds, several per DMA mapping; going through a shared
// 8-byte scratch viewed as two 32-bit halves costs a few. Exact for any u64 with a page shift
// of 11..32 (the pfn stays below 2^53); anything else takes the plain bigint route.
const scratch = new BigUint64Array(1);
const halves = new Uint32Array(scratch.buffer);
// Typed arrays use the platform's byte order.
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;
const U64_MAX = 0xffff_ffff_ffff_ffffn;
/** 2^n for n = 0..64, looked up: `2 ** n` with a variable n is a Math.pow call. */
const POW2 = Array.from({ length: 65 }, (_, n) => 2 ** n);

function fastShift(shift: number): boolean {
  return shift >= 11 && shift <= 32;
}

/** addr >> shift as a number (the pfn of a u64 address). */
export function u64ToPfn(addr: bigint, shift: number): number {
  if (addr < 0n || addr > U64_MAX || !fastShift(shift)) return Number(addr >> BigInt(shift));
  scratch[0] = addr;
  return halves[HI]! * POW2[32 - shift]! + (shift === 32 ? 0 : halves[LO]! >>> shift);
}

/** pfn << shift as a u64 bigint; pfn must be a non-negative integer below 2^(64 - shift). */
export function pfnToU64(pfn: number, shift: number): bigint {
  if (!fastShift(shift) || !Number.isInteger(pfn) || pfn < 0 || pfn >= POW2[64 - shift]!) {
    return BigInt(pfn) << BigInt(shift);
  }
  const perHi = POW2[32 - shift]!;
  const hi = Math.floor(pfn / perHi);
  halves[HI] = hi;
  halves[LO] = (pfn - hi * perHi) * POW2[shift]!;
  return scratch[0]!;
}
