// Where a workload runs on a booted machine: which device when none is named, and where its
// generated buffers live. Choices of the harness, not of the kernel.
import { type DirectPlatform, freeRanges, MemoryLayoutError } from '@dmasim/dma-direct';
import type { Machine, MachineDevice } from '@dmasim/machine';

/**
 * The device a workload runs on when none is named: the first configured leaf platform device
 * whose DMA is constrained (a dma-ranges window or bus limit: where bouncing happens), else the
 * first PCI function a driver binds, else the first configured leaf platform device.
 */
export function defaultWorkloadDevice(machine: Machine): MachineDevice | null {
  const usable = machine.devices.filter(
    (d) => d.ret === 0 && !d.infrastructure && d.device.dmaMask.kind !== 'null',
  );
  const platform = usable.filter((d) => d.driverBound === null);
  return (
    platform.find((d) => d.device.dmaRangeMap !== null || d.device.busDmaLimit !== 0n) ??
    usable.find((d) => d.driverBound === true) ??
    platform[0] ??
    null
  );
}

/**
 * Where generated buffers live: the highest free RAM range left after boot (the page
 * allocator hands out high memory first), at most 1 GiB of it.
 */
export function defaultPlacement(memory: DirectPlatform): { base: bigint; span: bigint } {
  const ranges = freeRanges(memory.memblock);
  if (ranges.length === 0) throw new MemoryLayoutError('no free RAM left after boot');
  const [start, end] = ranges.reduce((best, r) =>
    r[1] - r[0] >= 16n << 20n && r[0] > best[0] ? r : best,
  );
  const span = end - start > 1n << 30n ? 1n << 30n : end - start;
  return { base: end - span, span };
}
