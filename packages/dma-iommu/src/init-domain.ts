// iommu_dma_init_domain() and iommu_setup_dma_ops() of drivers/iommu/dma-iommu.c: 6.10+ (with
// the -rc2 fix "iommu/dma: Fix domain init") and the older form taking the arch's base/limit.
import {
  dmaRangeMapMax,
  dmaRangeMapMin,
  EFAULT,
  EINVAL,
  type KernelLog,
  type KernelRelease,
  logWarn,
} from '@dmasim/dma-mapping';
import { domainUsesDmaApi } from '@dmasim/iommu-core';
import { DmaIommuError, getCookie, type IommuDmaDevice } from './cookie.js';
import { initFlushQueue } from './flush-queue.js';
import { initIovaDomain, pfnToAddr } from './iova-allocator.js';
import { initIovaRcaches } from './iova-rcache.js';
import { iovaReserveIommuRegions } from './iova-reserve.js';

/** The pre-6.10 caller's DMA window: arch_setup_dma_ops() passed base and base + size - 1. */
export interface LegacyDmaWindow {
  dmaBase: bigint;
  dmaLimit: bigint;
}

export interface InitDomainOptions {
  /** Default: the 6.12 form. */
  kernel?: KernelRelease;
  /** Required before iommu-dma-limit-checks-self-contained (6.10). */
  legacy?: LegacyDmaWindow;
  /** PAGE_SIZE; the IOVA granule may not exceed it. */
  pageSize?: number;
}

/** __ffs() of the page-size bitmap: the IOVA granule's order. */
function granuleOrder(ddev: IommuDmaDevice): number {
  const bitmap = ddev.domain.pgsizeBitmap;
  if (bitmap === 0n) throw new DmaIommuError(ddev.dev.name, 'domain has no page sizes');
  let order = 0;
  while (((bitmap >> BigInt(order)) & 1n) === 0n) order++;
  return order;
}

/** The IOVA floor (start pfn) the kernel picks, or an errno from the capability check. */
function basePfnFor(ddev: IommuDmaDevice, order: number, opts: InitDomainOptions): number {
  const { geometry } = ddev.domain;
  const apertureStartPfn = Number(geometry.apertureStart >> BigInt(order));
  const warnOutside = () => {
    logWarn(ddev.dev.log, 'specified DMA range outside IOMMU capability');
    return -EFAULT;
  };
  if (opts.kernel && !opts.kernel.has('iommu-dma-limit-checks-self-contained')) {
    const legacy = opts.legacy;
    if (!legacy) throw new DmaIommuError(ddev.dev.name, 'pre-6.10 init needs the arch DMA window');
    let basePfn = Math.max(1, Number(legacy.dmaBase >> BigInt(order)));
    if (geometry.forceAperture) {
      if (legacy.dmaBase > geometry.apertureEnd || legacy.dmaLimit < geometry.apertureStart) {
        return warnOutside();
      }
      basePfn = Math.max(basePfn, apertureStartPfn);
    }
    return basePfn;
  }
  const map = ddev.dev.dmaRangeMap;
  if (map) {
    if (
      dmaRangeMapMin(map) > geometry.apertureEnd ||
      dmaRangeMapMax(map) < geometry.apertureStart
    ) {
      return warnOutside();
    }
  }
  return Math.max(1, apertureStartPfn);
}

/**
 * iommu_dma_init_domain(): 0 or a negative errno. The first device builds the IOVA space (granule
 * from the smallest page size, floor from the aperture), its caches, the flush queue for DMA-FQ
 * (falling back to DMA without deferred-flush support) and the reservations; later devices
 * must agree on granule and floor.
 */
export function iommuDmaInitDomain(ddev: IommuDmaDevice, opts: InitDomainOptions = {}): number {
  const domain = ddev.domain;
  const cookie = getCookie(domain);
  if (!cookie) return -EINVAL;
  const order = granuleOrder(ddev);
  const basePfn = basePfnFor(ddev, order, opts);
  if (basePfn < 0) return basePfn;
  const granule = 2 ** order;
  if (cookie.iovad) {
    if (granule !== cookie.iovad.granule || basePfn !== cookie.iovad.startPfn) {
      logWarn(ddev.dev.log, 'Incompatible range for DMA domain');
      return -EFAULT;
    }
    return 0;
  }
  const iovad = initIovaDomain(granule, basePfn, opts.pageSize);
  cookie.iovad = iovad;
  cookie.rcaches = initIovaRcaches(iovad, cookie.cpus, cookie.clock);
  if (domain.type === 'DMA-FQ') {
    if (ddev.deferredFlush) cookie.fq = initFlushQueue(cookie.cpus, ddev.shadowOnFlush);
    else domain.type = 'DMA';
  }
  return iovaReserveIommuRegions(ddev, cookie, iovad);
}

export interface SetupDmaOpsOptions extends InitDomainOptions {
  /** iommu.forcedac=1: PCI devices skip the below-4-GiB first try. */
  forcedac?: boolean;
  /** Where pr_warn() goes; default the device's log. */
  log?: KernelLog;
}

/**
 * iommu_setup_dma_ops(): route the device's DMA API through dma-iommu when its domain is a DMA
 * domain. Returns the init result (0 when not a DMA domain).
 */
export function iommuSetupDmaOps(ddev: IommuDmaDevice, opts: SetupDmaOpsOptions = {}): number {
  const dev = ddev.dev;
  if (dev.bus === 'pci') ddev.pci32BitWorkaround = !opts.forcedac;
  dev.dmaIommu = domainUsesDmaApi(ddev.domain.type);
  if (!dev.dmaIommu) return 0;
  const ret = iommuDmaInitDomain(ddev, opts);
  if (ret) {
    logWarn(
      opts.log ?? dev.log,
      `Failed to set up IOMMU for device ${dev.name}; retaining platform DMA ops`,
    );
    dev.dmaIommu = false;
  }
  return ret;
}

/** The IOVA floor of an initialised domain as an address (start_pfn << shift). */
export function iovaFloor(ddev: IommuDmaDevice): bigint | null {
  const iovad = getCookie(ddev.domain)?.iovad;
  return iovad ? pfnToAddr(iovad, iovad.startPfn) : null;
}
