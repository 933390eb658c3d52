// The kernel releases the page offers.
import type { KernelVersion } from '@dmasim/dma-mapping';

export const KERNELS: readonly KernelVersion[] = ['6.10', '6.7'];
export const DEFAULT_KERNEL: KernelVersion = '6.10';

export function isKernel(name: string): name is KernelVersion {
  return (KERNELS as readonly string[]).includes(name);
}
