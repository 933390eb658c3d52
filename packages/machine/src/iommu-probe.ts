// iommu_probe_device() as each device's driver binds: group, default domain, direct mappings,
// and iommu_setup_dma_ops() (dma-iommu's, injected into the core) for DMA domains.
import {
  createIommuDmaDevice,
  getCookie,
  type IommuDmaDevice,
  iommuGetDmaCookie,
  iommuSetupDmaOps,
  type PciHostBridgeWindows,
} from '@dmasim/dma-iommu';
import {
  addU64,
  type Device,
  type KernelLog,
  type KernelRelease,
  type LegacyArchArgs,
  subU64,
} from '@dmasim/dma-mapping';
import {
  type IommuCore,
  type IommuGroup,
  iommuProbeDevice,
  type PciTopology,
  type ReservedRegion,
} from '@dmasim/iommu-core';

export interface IommuProbeContext {
  core: IommuCore;
  kernel: KernelRelease;
  /** iommu.forcedac */
  forcedac: boolean;
  /** Before 6.10 only: the (dma_base, size) each device's arch hook was handed. */
  legacyArchArgs: WeakMap<Device, LegacyArchArgs>;
  /** Where pr_* lines go. */
  log: KernelLog;
}

export interface IommuProbeInput {
  dev: Device;
  pciTopology: PciTopology | null;
  /** The host bridge's windows dma-iommu reserves for a PCI device (DT only). */
  hostBridge: PciHostBridgeWindows | null;
  /** Firmware reserved regions (IORT RMR, the HiSilicon ITS quirk). */
  firmwareResv: readonly ReservedRegion[];
}

export interface IommuProbed {
  ret: number;
  group: IommuGroup | null;
  dmaIommu: IommuDmaDevice | null;
}

/** Probe one device behind an IOMMU; dma-iommu sets up its DMA domain. */
export function iommuProbe(ctx: IommuProbeContext, input: IommuProbeInput): IommuProbed {
  let dmaIommu: IommuDmaDevice | null = null;
  const r = iommuProbeDevice(
    ctx.core,
    {
      dev: input.dev,
      driverBound: true,
      pciTopology: input.pciTopology,
      firmwareResvRegions: input.firmwareResv,
    },
    (dev, domain) => {
      const ddev = createIommuDmaDevice({
        dev,
        domain,
        resvRegions: ctx.core.deviceResv.get(dev.name) ?? [],
        hostBridge: input.hostBridge,
      });
      // iommu_dma_init_domain() works on the cookie the core made with the DMA domain.
      if (!getCookie(domain)) iommuGetDmaCookie(domain);
      // Before the series the arch hook's window reached iommu_dma_init_domain().
      const legacy = ctx.kernel.has('iommu-dma-limit-checks-self-contained')
        ? undefined
        : ctx.legacyArchArgs.get(dev);
      const opts = { kernel: ctx.kernel, forcedac: ctx.forcedac, log: ctx.log };
      iommuSetupDmaOps(
        ddev,
        legacy
          ? {
              ...opts,
              legacy: {
                dmaBase: legacy.dmaBase,
                dmaLimit: subU64(addU64(legacy.dmaBase, legacy.size), 1n),
              },
            }
          : opts,
      );
      if (dev.dmaIommu) dmaIommu = ddev;
    },
  );
  return { ret: r.ret, group: r.group, dmaIommu };
}
