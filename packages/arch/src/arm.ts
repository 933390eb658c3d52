import {
  type ArchDmaHooks,
  type Device,
  dmaRangeMapMax,
  dmaRangeMapMin,
  EINVAL,
  ERANGE,
  type LegacyArchArgs,
  logWarn,
} from '@dmasim/dma-mapping';

const ARM_IOMMU_MAX_WINDOW = 0x1_0000_0000n;

export interface ArmOptions {
  pageSize?: bigint;
  /** device_iommu_mapped(dev) in 6.10; 6.7 uses the hook's iommu argument instead. */
  iommuMapped?: (dev: Device) => boolean;
  /** Whether attaching the device to the new mapping succeeds (default: it does). */
  attach?: (dev: Device, base: bigint, size: bigint) => boolean;
}

export interface ArmIommuWindow {
  base: bigint;
  size: bigint;
  ret: number;
}

/** arm_iommu_create_mapping() size checks: at most 4 GiB, at least one page of bitmap. */
export function armIommuCreateMapping(size: bigint, pageSize: bigint): number {
  if (size > ARM_IOMMU_MAX_WINDOW) return -ERANGE;
  if (size >> BigInt(Math.log2(Number(pageSize))) === 0n) return -EINVAL;
  return 0;
}

/** The IOVA window ARM32 gives an IOMMU-mapped device: 6.10 recomputes it from dma_range_map. */
export function armIommuWindow(
  dev: Device,
  legacy?: LegacyArchArgs,
): { base: bigint; size: bigint } {
  if (legacy) return { base: legacy.dmaBase, size: legacy.size };
  if (dev.dmaRangeMap) {
    const base = dmaRangeMapMin(dev.dmaRangeMap);
    // Kept as the kernel has it: max - min, one byte short of the inclusive span.
    return { base, size: dmaRangeMapMax(dev.dmaRangeMap) - base };
  }
  return { base: 0n, size: ARM_IOMMU_MAX_WINDOW };
}

/** arch/arm/mm/dma-mapping.c: arch_setup_dma_ops() for MMU kernels. */
export function armHooks(options: ArmOptions = {}): ArchDmaHooks & {
  lastIommuWindow: (dev: Device) => ArmIommuWindow | undefined;
} {
  const pageSize = options.pageSize ?? 0x1000n;
  const windows = new WeakMap<Device, ArmIommuWindow>();
  return {
    arch: 'arm',
    defaultCoherent: false,
    lastIommuWindow: (dev) => windows.get(dev),
    setupDmaOps(dev: Device, coherent: boolean, legacy?: LegacyArchArgs): void {
      // Never cleared here: a bus notifier may already have marked the device coherent.
      if (coherent) dev.dmaCoherent = true;
      if (dev.dmaOps !== null) return;
      const mapped = legacy ? legacy.iommu : (options.iommuMapped?.(dev) ?? dev.fwspec !== null);
      if (!mapped) return;
      const { base, size } = armIommuWindow(dev, legacy);
      const ret = armIommuCreateMapping(size, pageSize);
      windows.set(dev, { base, size, ret });
      if (ret < 0) {
        logWarn(dev.log, `Failed to create ${size}-byte IOMMU mapping for device ${dev.name}`);
        return;
      }
      if (options.attach && !options.attach(dev, base, size)) {
        logWarn(dev.log, `Failed to attached device ${dev.name} to IOMMU_mapping`);
        return;
      }
      dev.dmaOps = 'arm-iommu';
    },
  };
}
