// The DMA API entry points of kernel/dma/mapping.c: pick the device's ops, call them.
// Implementations (dma-direct, dma-iommu) are injected by the caller: this package sits below them.

import { DMA_MAPPING_ERROR } from './bus-dma-region.js';
import { type Device, type DeviceDmaParms, getDmaMask, setDmaMask } from './device.js';
import { DmasimError } from './dmasim-error.js';
import { EINVAL, EIO, ENOMEM } from './errno.js';
import { dmaBitMask, U64_MAX, u64 } from './u64.js';
import { warnOnce } from './warn-once.js';

/** enum dma_data_direction, with the kernel's values. */
export const DMA_BIDIRECTIONAL = 0;
export const DMA_TO_DEVICE = 1;
export const DMA_FROM_DEVICE = 2;
export const DMA_NONE = 3;
export type DmaDataDirection = 0 | 1 | 2 | 3;

export const DMA_DIRECTION_NAMES = ['BIDIRECTIONAL', 'TO_DEVICE', 'FROM_DEVICE', 'NONE'] as const;

/** DMA_ATTR_* bits (include/linux/dma-mapping.h values). */
export const DMA_ATTR_WEAK_ORDERING = 1 << 1;
export const DMA_ATTR_WRITE_COMBINE = 1 << 2;
export const DMA_ATTR_NO_KERNEL_MAPPING = 1 << 4;
export const DMA_ATTR_SKIP_CPU_SYNC = 1 << 5;
export const DMA_ATTR_FORCE_CONTIGUOUS = 1 << 6;
export const DMA_ATTR_ALLOC_SINGLE_PAGES = 1 << 7;
export const DMA_ATTR_NO_WARN = 1 << 8;
export const DMA_ATTR_PRIVILEGED = 1 << 9;

/**
 * The gfp bits the DMA layer looks at. Names are the kernel's; the values are dmasim's own
 * (the kernel renumbers them between releases).
 */
export const GFP_DMA = 0x01;
export const GFP_HIGHMEM = 0x02;
export const GFP_DMA32 = 0x04;
export const GFP_ZONEMASK = GFP_DMA | GFP_HIGHMEM | GFP_DMA32;
export const __GFP_DIRECT_RECLAIM = 0x400;
export const __GFP_NOWARN = 0x2000;
export const __GFP_ZERO = 0x8000;
export const __GFP_COMP = 0x40000;
export const GFP_ATOMIC = 0x20;
export const GFP_KERNEL = __GFP_DIRECT_RECLAIM | 0x800;

/** gfpflags_allow_blocking(): the caller may sleep (so dma_alloc_contiguous() may use CMA). */
export function gfpflagsAllowBlocking(gfp: number): boolean {
  return (gfp & __GFP_DIRECT_RECLAIM) !== 0;
}

/** One scatterlist entry: the CPU side (phys, length) and what the mapping filled in. */
export interface ScatterlistEntry {
  phys: bigint;
  length: bigint;
  dmaAddress: bigint;
  dmaLength: bigint;
  /** sg_dma_is_swiotlb(): dma-iommu mapped the list entry by entry (flag on the first entry). */
  dmaIsSwiotlb?: boolean;
}

/** sg_init_table() (zeroed entries) and sg_set_page() for each buffer: an unmapped scatterlist. */
export function sgInitTable(
  buffers: ReadonlyArray<{ phys: bigint; length: bigint }>,
): ScatterlistEntry[] {
  return buffers.map((b) => ({ phys: b.phys, length: b.length, dmaAddress: 0n, dmaLength: 0n }));
}

/**
 * A coherent buffer. dmasim has no virtual memory, so `cpuAddr` is the physical address the
 * kernel's returned virtual address would map; `dmaHandle` is what the device uses.
 */
export interface CoherentAllocation {
  cpuAddr: bigint;
  dmaHandle: bigint;
  size: bigint;
}

/** struct dma_map_ops, reduced to what dmasim models. dma-direct and dma-iommu implement it. */
export interface DmaMapOps {
  name: string;
  mapPage(dev: Device, phys: bigint, size: bigint, dir: DmaDataDirection, attrs: number): bigint;
  unmapPage(dev: Device, dma: bigint, size: bigint, dir: DmaDataDirection, attrs: number): void;
  /** Number of DMA segments, or a negative errno. */
  mapSg(
    dev: Device,
    sg: ScatterlistEntry[],
    nents: number,
    dir: DmaDataDirection,
    attrs: number,
  ): number;
  unmapSg(
    dev: Device,
    sg: ScatterlistEntry[],
    nents: number,
    dir: DmaDataDirection,
    attrs: number,
  ): void;
  /** null when the ops has no ->alloc (dma_alloc_attrs then returns NULL). */
  alloc:
    | ((dev: Device, size: bigint, gfp: number, attrs: number) => CoherentAllocation | null)
    | null;
  free: ((dev: Device, buf: CoherentAllocation, attrs: number) => void) | null;
  syncSingleForCpu?(dev: Device, dma: bigint, size: bigint, dir: DmaDataDirection): void;
  syncSingleForDevice?(dev: Device, dma: bigint, size: bigint, dir: DmaDataDirection): void;
  /** ->dma_supported; null means "no method" (dma_supported() answers true). */
  supported: ((dev: Device, mask: bigint) => boolean) | null;
  getRequiredMask: ((dev: Device) => bigint) | null;
  maxMappingSize: ((dev: Device) => bigint) | null;
}

/** The implementations a caller hands the dispatcher. */
export interface DmaOpsTable {
  direct: DmaMapOps;
  /** dma-iommu: used when dev.dmaIommu is set. */
  iommu?: DmaMapOps;
  /** ARM32's arm_iommu_dma_ops, for dev.dmaOps === 'arm-iommu'. */
  armIommu?: DmaMapOps;
}

/** A DMA API call the kernel would BUG() or refuse outright on (bad direction, missing ops). */
export class DmaApiError extends DmasimError {
  static override readonly code: string = 'DMA_API_MISUSE';
  override name = 'DmaApiError';
  constructor(
    message: string,
    readonly device: string,
  ) {
    super(`${device}: ${message}`);
  }
}

/** dma_dummy_ops (kernel/dma/dummy.c): every operation fails. */
export const dmaDummyOps: DmaMapOps = {
  name: 'dummy',
  mapPage: () => DMA_MAPPING_ERROR,
  unmapPage: (dev) => warnOnce(dev, 'dma_dummy_unmap_page called'),
  mapSg: () => -EINVAL,
  unmapSg: (dev) => warnOnce(dev, 'dma_dummy_unmap_sg called'),
  alloc: null,
  free: null,
  supported: () => false,
  getRequiredMask: null,
  maxMappingSize: null,
};

/** use_dma_iommu() */
export function useDmaIommu(dev: Device): boolean {
  return dev.dmaIommu;
}

/** get_dma_ops(): null for dma-direct (dev->dma_ops NULL). */
function archOps(table: DmaOpsTable, dev: Device): DmaMapOps | null {
  switch (dev.dmaOps) {
    case null:
      return null;
    case 'dummy':
      return dmaDummyOps;
    case 'arm-iommu':
      if (!table.armIommu) throw new DmaApiError('arm_iommu_dma_ops not provided', dev.name);
      return table.armIommu;
  }
}

function iommuOps(table: DmaOpsTable, dev: Device): DmaMapOps {
  if (!table.iommu)
    throw new DmaApiError('device uses dma-iommu but no dma-iommu ops given', dev.name);
  return table.iommu;
}

/** The ops a map/unmap/alloc call goes to: dma_map_direct() / use_dma_iommu() / dev->dma_ops. */
export function selectDmaOps(table: DmaOpsTable, dev: Device): DmaMapOps {
  if (useDmaIommu(dev)) return iommuOps(table, dev);
  return archOps(table, dev) ?? table.direct;
}

function checkDirection(dev: Device, dir: number): void {
  if (dir !== DMA_BIDIRECTIONAL && dir !== DMA_TO_DEVICE && dir !== DMA_FROM_DEVICE) {
    throw new DmaApiError(`invalid DMA direction ${dir} (BUG_ON(!valid_dma_direction))`, dev.name);
  }
}

function noMaskPointer(dev: Device): boolean {
  if (dev.dmaMask.kind !== 'null') return false;
  warnOnce(dev, 'DMA API used on a device without dma_mask');
  return true;
}

/** dma_map_page_attrs(), taking the buffer's physical address (page_to_phys(page) + offset). */
export function dmaMapPageAttrs(
  table: DmaOpsTable,
  dev: Device,
  phys: bigint,
  size: bigint,
  dir: DmaDataDirection,
  attrs = 0,
): bigint {
  checkDirection(dev, dir);
  if (noMaskPointer(dev)) return DMA_MAPPING_ERROR;
  return selectDmaOps(table, dev).mapPage(dev, phys, size, dir, attrs);
}

/** dma_unmap_page_attrs() */
export function dmaUnmapPageAttrs(
  table: DmaOpsTable,
  dev: Device,
  dma: bigint,
  size: bigint,
  dir: DmaDataDirection,
  attrs = 0,
): void {
  checkDirection(dev, dir);
  selectDmaOps(table, dev).unmapPage(dev, dma, size, dir, attrs);
}

/** dma_map_single_attrs(): a lowmem buffer, so the same as mapping its page. */
export const dmaMapSingleAttrs = dmaMapPageAttrs;
export const dmaUnmapSingleAttrs = dmaUnmapPageAttrs;

export function dmaMapSingle(
  table: DmaOpsTable,
  dev: Device,
  phys: bigint,
  size: bigint,
  dir: DmaDataDirection,
): bigint {
  return dmaMapPageAttrs(table, dev, phys, size, dir, 0);
}

export function dmaUnmapSingle(
  table: DmaOpsTable,
  dev: Device,
  dma: bigint,
  size: bigint,
  dir: DmaDataDirection,
): void {
  dmaUnmapPageAttrs(table, dev, dma, size, dir, 0);
}

/** dma_mapping_error() */
export function dmaMappingError(_dev: Device, dma: bigint): boolean {
  return dma === DMA_MAPPING_ERROR;
}

/** __dma_map_sg_attrs(): segment count or negative errno. */
function mapSgInner(
  table: DmaOpsTable,
  dev: Device,
  sg: ScatterlistEntry[],
  nents: number,
  dir: DmaDataDirection,
  attrs: number,
): number {
  checkDirection(dev, dir);
  if (noMaskPointer(dev)) return 0;
  const ents = selectDmaOps(table, dev).mapSg(dev, sg, nents, dir, attrs);
  if (ents > 0) return ents;
  if (ents !== -EINVAL && ents !== -ENOMEM && ents !== -EIO && ents !== -121 /* EREMOTEIO */) {
    warnOnce(dev, `unexpected map_sg return ${ents}`);
    return -EIO;
  }
  return ents;
}

/** dma_map_sg_attrs(): number of mapped segments, 0 on any failure. */
export function dmaMapSgAttrs(
  table: DmaOpsTable,
  dev: Device,
  sg: ScatterlistEntry[],
  nents: number,
  dir: DmaDataDirection,
  attrs = 0,
): number {
  const ret = mapSgInner(table, dev, sg, nents, dir, attrs);
  return Math.max(ret, 0);
}

export function dmaMapSg(
  table: DmaOpsTable,
  dev: Device,
  sg: ScatterlistEntry[],
  nents: number,
  dir: DmaDataDirection,
): number {
  return dmaMapSgAttrs(table, dev, sg, nents, dir, 0);
}

/** dma_map_sgtable(): 0 with `nents` segments mapped, or the negative errno. */
export function dmaMapSgtable(
  table: DmaOpsTable,
  dev: Device,
  sg: ScatterlistEntry[],
  dir: DmaDataDirection,
  attrs = 0,
): { ret: number; nents: number } {
  const n = mapSgInner(table, dev, sg, sg.length, dir, attrs);
  return n < 0 ? { ret: n, nents: 0 } : { ret: 0, nents: n };
}

/** dma_unmap_sg_attrs(): `nents` is the count passed to map, not the count it returned. */
export function dmaUnmapSgAttrs(
  table: DmaOpsTable,
  dev: Device,
  sg: ScatterlistEntry[],
  nents: number,
  dir: DmaDataDirection,
  attrs = 0,
): void {
  checkDirection(dev, dir);
  selectDmaOps(table, dev).unmapSg(dev, sg, nents, dir, attrs);
}

export function dmaUnmapSg(
  table: DmaOpsTable,
  dev: Device,
  sg: ScatterlistEntry[],
  nents: number,
  dir: DmaDataDirection,
): void {
  dmaUnmapSgAttrs(table, dev, sg, nents, dir, 0);
}

export function dmaSyncSingleForCpu(
  table: DmaOpsTable,
  dev: Device,
  dma: bigint,
  size: bigint,
  dir: DmaDataDirection,
): void {
  checkDirection(dev, dir);
  selectDmaOps(table, dev).syncSingleForCpu?.(dev, dma, size, dir);
}

export function dmaSyncSingleForDevice(
  table: DmaOpsTable,
  dev: Device,
  dma: bigint,
  size: bigint,
  dir: DmaDataDirection,
): void {
  checkDirection(dev, dir);
  selectDmaOps(table, dev).syncSingleForDevice?.(dev, dma, size, dir);
}

/** dma_alloc_attrs(): zone bits in `gfp` are dropped, the implementation chooses the zone. */
export function dmaAllocAttrs(
  table: DmaOpsTable,
  dev: Device,
  size: bigint,
  gfp: number,
  attrs = 0,
): CoherentAllocation | null {
  if (dev.coherentDmaMask === 0n)
    warnOnce(dev, 'dma_alloc_attrs on a device with coherent_dma_mask 0');
  if (gfp & __GFP_COMP) {
    warnOnce(dev, 'dma_alloc_attrs with __GFP_COMP');
    return null;
  }
  const ops = selectDmaOps(table, dev);
  if (!ops.alloc) return null;
  return ops.alloc(dev, size, gfp & ~GFP_ZONEMASK, attrs);
}

export function dmaAllocCoherent(
  table: DmaOpsTable,
  dev: Device,
  size: bigint,
  gfp: number,
): CoherentAllocation | null {
  return dmaAllocAttrs(table, dev, size, gfp, 0);
}

/** dma_free_attrs() */
export function dmaFreeAttrs(
  table: DmaOpsTable,
  dev: Device,
  buf: CoherentAllocation,
  attrs = 0,
): void {
  const ops = selectDmaOps(table, dev);
  ops.free?.(dev, buf, attrs);
}

export function dmaFreeCoherent(table: DmaOpsTable, dev: Device, buf: CoherentAllocation): void {
  dmaFreeAttrs(table, dev, buf, 0);
}

/** dma_supported(): dma-iommu takes any mask; ops without a method accept it too. */
export function dmaSupported(table: DmaOpsTable, dev: Device, mask: bigint): boolean {
  if (useDmaIommu(dev)) return true;
  const ops = archOps(table, dev);
  if (!ops) {
    const direct = table.direct.supported;
    return direct ? direct(dev, mask) : true;
  }
  return ops.supported ? ops.supported(dev, mask) : true;
}

/** dma_set_mask(): -EIO when the mask is unsupported or dev->dma_mask is NULL. */
export function dmaSetMask(table: DmaOpsTable, dev: Device, mask: bigint): number {
  const m = u64(mask);
  if (dev.dmaMask.kind === 'null' || !dmaSupported(table, dev, m)) return -EIO;
  setDmaMask(dev, m);
  return 0;
}

/** dma_set_coherent_mask() */
export function dmaSetCoherentMask(table: DmaOpsTable, dev: Device, mask: bigint): number {
  const m = u64(mask);
  if (!dmaSupported(table, dev, m)) return -EIO;
  dev.coherentDmaMask = m;
  return 0;
}

/** dma_set_mask_and_coherent(): the coherent mask is only set when the streaming one was. */
export function dmaSetMaskAndCoherent(table: DmaOpsTable, dev: Device, mask: bigint): number {
  const rc = dmaSetMask(table, dev, mask);
  if (rc === 0) dmaSetCoherentMask(table, dev, mask);
  return rc;
}

/** dma_get_mask(): *dev->dma_mask, or 32 bits when the pointer is NULL or the mask is 0. */
export function dmaGetMask(dev: Device): bigint {
  const mask = getDmaMask(dev);
  return mask ? mask : dmaBitMask(32);
}

/** dma_get_required_mask() */
export function dmaGetRequiredMask(table: DmaOpsTable, dev: Device): bigint {
  if (useDmaIommu(dev)) return dmaBitMask(32);
  const ops = archOps(table, dev);
  if (!ops) return table.direct.getRequiredMask?.(dev) ?? dmaBitMask(32);
  return ops.getRequiredMask ? ops.getRequiredMask(dev) : dmaBitMask(32);
}

/** SIZE_MAX on a 64-bit kernel. */
export const SIZE_MAX = U64_MAX;

/** dma_max_mapping_size() */
export function dmaMaxMappingSize(table: DmaOpsTable, dev: Device): bigint {
  const ops = selectDmaOps(table, dev);
  return ops.maxMappingSize ? ops.maxMappingSize(dev) : SIZE_MAX;
}

function parms(dev: Device): DeviceDmaParms {
  if (!dev.dmaParms) dev.dmaParms = {};
  return dev.dmaParms;
}

/** dma_get_min_align_mask(): 0 without dma_parms. */
export function dmaGetMinAlignMask(dev: Device): bigint {
  return dev.dmaParms?.minAlignMask ?? 0n;
}

/** dma_set_min_align_mask(); the bus code gives every PCI/platform device its dma_parms. */
export function dmaSetMinAlignMask(dev: Device, mask: bigint): void {
  parms(dev).minAlignMask = u64(mask);
}

/** dma_get_seg_boundary(): ULONG_MAX when unset. */
export function dmaGetSegBoundary(dev: Device): bigint {
  const m = dev.dmaParms?.segmentBoundaryMask;
  return m ? m : U64_MAX;
}

export function dmaSetSegBoundary(dev: Device, mask: bigint): void {
  parms(dev).segmentBoundaryMask = u64(mask);
}

/** dma_get_max_seg_size(): 64 KiB when unset. */
export function dmaGetMaxSegSize(dev: Device): bigint {
  const s = dev.dmaParms?.maxSegmentSize;
  return s ? s : 0x10000n;
}

export function dmaSetMaxSegSize(dev: Device, size: bigint): void {
  parms(dev).maxSegmentSize = u64(size);
}
