// Reference machines as mm init sees them, for examples, tests and benchmarks that need a real
// memory layout rather than a made-up one.
import type { PlatformInput } from './platform.js';
import type { SwiotlbParam } from './swiotlb.js';

/**
 * The Raspberry Pi 4 Model B with 8 GiB, as its firmware and device tree give it: RAM in three
 * banks around the VideoCore's carve-out and the MMIO hole, every bus master limited to the low
 * 1 GiB (the SoC's dma-ranges), four CPUs, and Debian's 64 MiB default CMA area.
 */
export function rpi4PlatformInput(swiotlb?: SwiotlbParam): PlatformInput {
  return {
    arch: 'arm64',
    banks: [
      { start: 0n, size: 0x3b40_0000n },
      { start: 0x4000_0000n, size: 0xbc00_0000n },
      { start: 0x1_0000_0000n, size: 0x1_0000_0000n },
    ],
    firmwareDmaLimit: 0x3fff_ffffn,
    cmaBytes: 64n << 20n,
    cpus: 4,
    ...(swiotlb ? { swiotlb } : {}),
  };
}
