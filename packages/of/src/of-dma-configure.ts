// of_dma_configure_id() (drivers/of/device.c) for every modelled release: the range step (the
// 6.10 bus-limit form or the older size form with the mask workaround), of_iommu_configure() in
// its 6.7 pointer form or 6.8+ int form, and the arch hook with or without base/size.
import {
  type ArchDmaHooks,
  addU64,
  type BusDmaRegion,
  type Device,
  dmaRangeMapMax,
  dmaRangeMapMin,
  EINVAL,
  ENODEV,
  EPROBE_DEFER,
  errName,
  getDmaMask,
  hex,
  type KernelRelease,
  type LegacyArchArgs,
  liveRegions,
  logDebug,
  logErr,
  logWarn,
  maskForEnd,
  setDmaMask,
  subU64,
  U64_MAX,
} from '@dmasim/dma-mapping';
import { ofGetDmaParent } from './address.js';
import { ofDmaIsCoherent } from './coherent.js';
import { ofDmaGetRange } from './dma-range.js';
import { nodeOfDevice, type OfContext } from './of-context.js';
import { type OfIommuDrivers, ofIommuConfigure, ofIommuConfigureLegacy } from './of-iommu.js';
import { ofDmaSetRestrictedBuffer, type RestrictedPoolInit } from './restricted-pool.js';
import type { DtNode } from './tree.js';

export interface OfDmaConfigureOptions {
  kernel: KernelRelease;
  /** arch_setup_dma_ops(); its defaultCoherent is dma_default_coherent. */
  arch: ArchDmaHooks;
  iommuDrivers?: OfIommuDrivers;
  /** CONFIG_DMA_RESTRICTED_POOL's pool setup; default: see defaultRestrictedPoolInit. */
  restrictedPool?: RestrictedPoolInit;
}

function noBusNode(dev: Device): { ret: number; map: null } {
  logDebug(dev.log, 'no dma-ranges found for node((null))');
  return { ret: -ENODEV, map: null };
}

function fixDmaMaskPointer(dev: Device): void {
  if (dev.dmaMask.kind === 'null') {
    logWarn(dev.log, 'DMA mask not set');
    dev.dmaMask = { kind: 'coherent' };
  }
}

function clipMasks(dev: Device, mask: bigint): void {
  dev.coherentDmaMask &= mask;
  setDmaMask(dev, (getDmaMask(dev) ?? 0n) & mask);
}

/**
 * of_dma_configure_id(dev, np, force_dma, id). Returns 0, or -EPROBE_DEFER / -EINVAL / -ENOMEM.
 * `np` is the node carrying the DMA description: the device's own node for platform devices, the
 * host bridge's for PCI. Messages go to dev.log.
 */
export function ofDmaConfigureId(
  ctx: OfContext,
  dev: Device,
  np: DtNode,
  forceDma: boolean,
  id: number | null,
  options: OfDmaConfigureOptions,
): number {
  const { kernel } = options;
  // of_get_dma_parent() of the root is NULL; of_dma_get_range(NULL) then finds nothing.
  const devNode = nodeOfDevice(ctx, dev.fwNode, np);
  const busNp = np === devNode ? ofGetDmaParent(ctx, np) : np;
  const range = busNp ? ofDmaGetRange(ctx, busNp, dev.log) : noBusNode(dev);
  const { ret, map } = range;
  if (ret < 0 && !forceDma) return ret === -ENODEV ? 0 : ret;

  const window = kernel.has('of-dma-range-map-limits')
    ? rangeLimit(dev, ret, map)
    : rangeSize(dev, ret, map, kernel);
  if (typeof window === 'number') return window;
  clipMasks(dev, maskForEnd(window.end));
  if (ret === 0) {
    dev.busDmaLimit = window.end;
    dev.dmaRangeMap = map;
  }
  const coherent = ofDmaIsCoherent(ctx, np, options.arch.defaultCoherent);
  logDebug(dev.log, `device is${coherent ? ' ' : ' not '}dma coherent`);

  const behind = iommuStep(ctx, dev, np, id, options);
  if (behind === 'defer') {
    // Masks and bus_dma_limit stay clipped; only the map is taken back.
    if (ret === 0) dev.dmaRangeMap = null;
    return -EPROBE_DEFER;
  }
  if (kernel.has('arch-setup-dma-ops-simplified')) options.arch.setupDmaOps(dev, coherent);
  else {
    options.arch.setupDmaOps(dev, coherent, {
      dmaBase: window.dmaBase,
      size: window.size,
      iommu: behind,
    });
  }
  if (!behind) ofDmaSetRestrictedBuffer(ctx, dev, devNode, np, options.restrictedPool);
  return 0;
}

/** of_dma_configure(dev, np, force_dma): of_dma_configure_id() without an input ID. */
export function ofDmaConfigure(
  ctx: OfContext,
  dev: Device,
  np: DtNode,
  forceDma: boolean,
  options: OfDmaConfigureOptions,
): number {
  return ofDmaConfigureId(ctx, dev, np, forceDma, null, options);
}

/** The inclusive end the masks and bus limit come from, and the pre-6.10 arch window. */
interface DmaWindow extends Omit<LegacyArchArgs, 'iommu'> {
  end: bigint;
}

// §2.1 (of-dma-range-map-limits): the bus limit is dma_range_map_max() itself.
function rangeLimit(dev: Device, ret: number, map: BusDmaRegion[] | null): DmaWindow {
  let end = ret === 0 && map ? dmaRangeMapMax(map) : 0n;
  fixDmaMaskPointer(dev);
  if (end === 0n) end = dev.coherentDmaMask !== 0n ? dev.coherentDmaMask : 0xffff_ffffn;
  // No release has this form with the 5-argument hook; the window is for completeness only.
  const dmaBase = ret === 0 && map ? dmaRangeMapMin(map) : 0n;
  return { end, dmaBase, size: addU64(subU64(end, dmaBase), 1n) };
}

// §2.4: an exclusive end with wrap, and (before of-dma-ranges-mask-workaround-retired) the
// workaround for sizes written as masks.
function rangeSize(
  dev: Device,
  ret: number,
  map: BusDmaRegion[] | null,
  kernel: KernelRelease,
): DmaWindow | number {
  let dmaStart = 0n;
  let size = 0n;
  if (ret === 0 && map) {
    let dmaEnd = 0n;
    dmaStart = U64_MAX;
    for (const r of liveRegions(map)) {
      if (r.dmaStart < dmaStart) dmaStart = r.dmaStart;
      const regionEnd = addU64(r.dmaStart, r.size);
      if (regionEnd > dmaEnd) dmaEnd = regionEnd;
    }
    size = subU64(dmaEnd, dmaStart);
    if (size & 1n && !kernel.has('of-dma-ranges-mask-workaround-retired')) {
      logWarn(dev.log, `Invalid size ${hex(size)} for dma-range(s)`);
      size = addU64(size, 1n);
    }
    if (size === 0n) {
      logErr(dev.log, `Adjusted size ${hex(size)} invalid`);
      return -EINVAL;
    }
  }
  fixDmaMaskPointer(dev);
  if (size === 0n) {
    const cdm = dev.coherentDmaMask;
    size = cdm !== 0n ? (cdm === U64_MAX ? cdm : cdm + 1n) : 0x1_0000_0000n;
  }
  return { end: subU64(addU64(dmaStart, size), 1n), dmaBase: dmaStart, size };
}

// of_iommu_configure() and the messages around it: 6.7's iommu_ops pointer (any failure is "not
// behind an iommu"); 6.8-6.10's int with a dev_err for errors other than "none"; and from
// of-iommu-configure-simplified (6.11) one dev_dbg whatever the error.
function iommuStep(
  ctx: OfContext,
  dev: Device,
  np: DtNode,
  id: number | null,
  options: OfDmaConfigureOptions,
): boolean | 'defer' {
  const { kernel, iommuDrivers } = options;
  let ret: number;
  if (kernel.has('of-iommu-configure-int')) {
    ret = ofIommuConfigure(ctx, dev, np, id, iommuDrivers, dev.log, kernel);
  } else {
    const legacy = ofIommuConfigureLegacy(ctx, dev, np, id, iommuDrivers);
    ret = legacy.kind === 'defer' ? -EPROBE_DEFER : legacy.kind === 'ops' ? 0 : -ENODEV;
  }
  if (ret === -EPROBE_DEFER) return 'defer';
  if (ret && ret !== -ENODEV && !kernel.has('of-iommu-configure-simplified')) {
    logErr(dev.log, `iommu configuration for device failed with ${errName(ret)}`);
  } else logDebug(dev.log, `device is${ret === 0 ? ' ' : ' not '}behind an iommu`);
  return ret === 0;
}
