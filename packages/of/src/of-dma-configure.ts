// of_dma_configure_id() (drivers/of/device.c): 6.10 after "dma-mapping: Clean up
// arch_setup_dma_ops()", and 6.7 with the dma-ranges size workaround and the 5-argument arch hook.
import {
  type ArchDmaHooks,
  addU64,
  type BusDmaRegion,
  type Device,
  dmaRangeMapMax,
  EINVAL,
  ENODEV,
  EPROBE_DEFER,
  errName,
  getDmaMask,
  hex,
  type KernelVersion,
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
import { nodeOfPath, type OfContext } from './of-context.js';
import { type OfIommuDrivers, ofIommuConfigure, ofIommuConfigureLegacy } from './of-iommu.js';
import { ofDmaSetRestrictedBuffer, type RestrictedPoolInit } from './restricted-pool.js';
import type { DtNode } from './tree.js';

export interface OfDmaConfigureOptions {
  version: KernelVersion;
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
  // of_get_dma_parent() of the root is NULL; of_dma_get_range(NULL) then finds nothing.
  const devNode = nodeOfPath(ctx, dev.fwNode);
  const busNp = np === devNode ? ofGetDmaParent(ctx, np) : np;
  const range = busNp ? ofDmaGetRange(ctx, busNp, dev.log) : noBusNode(dev);
  if (range.ret < 0 && !forceDma) return range.ret === -ENODEV ? 0 : range.ret;
  return options.version === '6.10'
    ? configureCurrent(ctx, dev, devNode, np, id, range.ret, range.map, options)
    : configureLegacy(ctx, dev, devNode, np, id, range.ret, range.map, options);
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

function logCoherent(dev: Device, coherent: boolean): void {
  logDebug(dev.log, `device is${coherent ? ' ' : ' not '}dma coherent`);
}

// §2.1
function configureCurrent(
  ctx: OfContext,
  dev: Device,
  devNode: DtNode | null,
  np: DtNode,
  id: number | null,
  ret: number,
  map: BusDmaRegion[] | null,
  options: OfDmaConfigureOptions,
): number {
  let end = ret === 0 && map ? dmaRangeMapMax(map) : 0n;
  fixDmaMaskPointer(dev);
  if (end === 0n) end = dev.coherentDmaMask !== 0n ? dev.coherentDmaMask : 0xffff_ffffn;
  clipMasks(dev, maskForEnd(end));
  if (ret === 0) {
    dev.busDmaLimit = end;
    dev.dmaRangeMap = map;
  }
  const coherent = ofDmaIsCoherent(ctx, np, options.arch.defaultCoherent);
  logCoherent(dev, coherent);
  const iommuRet = ofIommuConfigure(ctx, dev, np, id, options.iommuDrivers);
  if (iommuRet === -EPROBE_DEFER) {
    // Masks and bus_dma_limit stay clipped; only the map is taken back.
    if (ret === 0) dev.dmaRangeMap = null;
    return -EPROBE_DEFER;
  }
  if (iommuRet === -ENODEV) logDebug(dev.log, 'device is not behind an iommu');
  else if (iommuRet) {
    logErr(dev.log, `iommu configuration for device failed with ${errName(iommuRet)}`);
  } else logDebug(dev.log, 'device is behind an iommu');
  options.arch.setupDmaOps(dev, coherent);
  if (iommuRet) ofDmaSetRestrictedBuffer(ctx, dev, devNode, np, options.restrictedPool);
  return 0;
}

// §2.4
function configureLegacy(
  ctx: OfContext,
  dev: Device,
  devNode: DtNode | null,
  np: DtNode,
  id: number | null,
  ret: number,
  map: BusDmaRegion[] | null,
  options: OfDmaConfigureOptions,
): number {
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
    // The workaround for sizes written as masks.
    if (size & 1n) {
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
  const end = subU64(addU64(dmaStart, size), 1n);
  clipMasks(dev, maskForEnd(end));
  if (ret === 0) {
    dev.busDmaLimit = end;
    dev.dmaRangeMap = map;
  }
  const coherent = ofDmaIsCoherent(ctx, np, options.arch.defaultCoherent);
  logCoherent(dev, coherent);
  const iommu = ofIommuConfigureLegacy(ctx, dev, np, id, options.iommuDrivers);
  if (iommu.kind === 'defer') {
    if (ret === 0) dev.dmaRangeMap = null;
    return -EPROBE_DEFER;
  }
  const behind = iommu.kind === 'ops';
  logDebug(dev.log, `device is${behind ? ' ' : ' not '}behind an iommu`);
  options.arch.setupDmaOps(dev, coherent, { dmaBase: dmaStart, size, iommu: behind });
  if (!behind) ofDmaSetRestrictedBuffer(ctx, dev, devNode, np, options.restrictedPool);
  return 0;
}
