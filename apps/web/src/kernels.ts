// The kernel releases the page offers: the registry's, defaulting to the LTS.
import {
  DEFAULT_KERNEL_RELEASE,
  isKernelReleaseName,
  KERNEL_RELEASE_NAMES,
} from '@dmasim/dma-mapping';

export const KERNELS = KERNEL_RELEASE_NAMES;
export const DEFAULT_KERNEL = DEFAULT_KERNEL_RELEASE;
export const isKernel = isKernelReleaseName;
