// The slab allocator's size limit, which bounds every array the kernel sizes from firmware data
// with kcalloc()/kmalloc_array().

/** KMALLOC_MAX_SIZE with 4 KiB pages: 2^(MAX_PAGE_ORDER + PAGE_SHIFT) = 4 MiB. */
export const KMALLOC_MAX_SIZE = 1 << 22;

/**
 * Whether kcalloc(n, size) can succeed: a larger array needs a page order above
 * MAX_PAGE_ORDER, which __alloc_pages() refuses (with a WARN) and kcalloc() returns NULL.
 */
export function kcallocFits(n: bigint, size: number): boolean {
  return n * BigInt(size) <= BigInt(KMALLOC_MAX_SIZE);
}
