// iommu_dma_map_sg() / iommu_dma_unmap_sg(): one contiguous IOVA range for a whole scatterlist,
// laid out so that merged DMA segments respect the device's segment boundary and maximum size.
import { DMA_MAPPING_ERROR, dmaGetMask, EINVAL, EIO, ENOMEM } from '@dmasim/dma-mapping';
import { iommuMap, iommuUnmap } from '@dmasim/iommu-core';
import {
  DMA_ATTR_SKIP_CPU_SYNC,
  type DmaDirection,
  DmaIommuError,
  type IommuDmaDevice,
  initialisedCookie,
} from './cookie.js';
import { iommuDmaAllocIova, iommuDmaFreeIova } from './dma-iova.js';
import { iovaAlignedSpan } from './iova-allocator.js';
import { dmaInfoToProt, iommuDmaMapPage, iommuDmaUnmapPage, iommuDmaUnmapRaw } from './map.js';

/** One struct scatterlist entry: the CPU side and, once mapped, the DMA side. */
export interface ScatterEntry {
  phys: bigint;
  length: number;
  dmaAddress: bigint;
  dmaLength: number;
}

export interface ScatterList {
  entries: ScatterEntry[];
  /** sg_dma_is_swiotlb(): mapped entry by entry through iommu_dma_map_page(). */
  dmaIsSwiotlb: boolean;
}

export function newScatterList(
  segments: ReadonlyArray<{ phys: bigint; length: number }>,
): ScatterList {
  return {
    entries: segments.map((s) => ({
      phys: s.phys,
      length: s.length,
      dmaAddress: DMA_MAPPING_ERROR,
      dmaLength: 0,
    })),
    dmaIsSwiotlb: false,
  };
}

/** iommu_dma_map_sg_swiotlb(): untrusted devices map (and maybe bounce) each entry alone. */
function mapSgSwiotlb(ddev: IommuDmaDevice, sgl: ScatterList, dir: DmaDirection, attrs: number) {
  sgl.dmaIsSwiotlb = true;
  const entries = sgl.entries;
  for (let i = 0; i < entries.length; i++) {
    const s = entries[i]!;
    s.dmaAddress = iommuDmaMapPage(ddev, s.phys, BigInt(s.length), dir, attrs);
    if (s.dmaAddress === DMA_MAPPING_ERROR) {
      for (let j = 0; j < i; j++) {
        const done = entries[j]!;
        iommuDmaUnmapPage(
          ddev,
          done.dmaAddress,
          BigInt(done.dmaLength),
          dir,
          attrs | DMA_ATTR_SKIP_CPU_SYNC,
        );
      }
      return -EIO;
    }
    s.dmaLength = s.length;
  }
  return entries.length;
}

/** Per-entry layout while mapping: the stashed offset and the aligned (padded) length. */
interface Layout {
  iovaOff: bigint;
  alignedPhys: bigint;
  iovaLen: bigint;
}

/** iommu_map_sg(): map physically contiguous runs; undo everything on the first failure. */
function mapRuns(ddev: IommuDmaDevice, iova: bigint, layout: Layout[], prot: number): number {
  let mapped = 0n;
  let start = 0n;
  let len = 0n;
  const flush = (): number => {
    const ret = iommuMap(ddev.domain, iova + mapped, start, len, prot, ddev.dev.log);
    if (ret) return ret;
    mapped += len;
    len = 0n;
    return 0;
  };
  for (const l of layout) {
    if (len && l.alignedPhys !== start + len) {
      const ret = flush();
      if (ret) {
        iommuUnmap(ddev.domain, iova, mapped);
        return ret;
      }
    }
    if (len) len += l.iovaLen;
    else {
      len = l.iovaLen;
      start = l.alignedPhys;
    }
  }
  if (len) {
    const ret = flush();
    if (ret) {
      iommuUnmap(ddev.domain, iova, mapped);
      return ret;
    }
  }
  return 0;
}

/** __finalise_sg(): write the merged DMA segments back; returns how many there are. */
function finaliseSg(
  ddev: IommuDmaDevice,
  sgl: ScatterList,
  layout: Layout[],
  iova: bigint,
): number {
  const segMask = ddev.segBoundaryMask;
  const maxLen = ddev.maxSegSize;
  let dmaAddr = iova;
  let cur = 0;
  let curLen = 0;
  let count = 0;
  const entries = sgl.entries;
  for (let i = 0; i < entries.length; i++) {
    const s = entries[i]!;
    const { iovaOff, iovaLen } = layout[i]!;
    const sLength = s.length;
    s.dmaAddress = DMA_MAPPING_ERROR;
    s.dmaLength = 0;
    // Append when there is an open segment, this entry starts on a granule, the address is not
    // on a segment boundary, and the result stays within the maximum segment size.
    if (curLen && iovaOff === 0n && (dmaAddr & segMask) !== 0n && maxLen - curLen >= sLength) {
      curLen += sLength;
    } else {
      if (i > 0) cur++;
      curLen = sLength;
      count++;
      entries[cur]!.dmaAddress = dmaAddr + iovaOff;
    }
    entries[cur]!.dmaLength = curLen;
    dmaAddr += iovaLen;
    if (BigInt(sLength) + iovaOff < iovaLen) curLen = 0;
  }
  return count;
}

/**
 * iommu_dma_map_sg(): the number of DMA segments, or -EIO (swiotlb path), -ENOMEM (no IOVA)
 * or -EINVAL (the IOMMU refused a mapping).
 */
export function iommuDmaMapSg(
  ddev: IommuDmaDevice,
  sgl: ScatterList,
  dir: DmaDirection,
  attrs = 0,
): number {
  const cookie = initialisedCookie(ddev);
  const { iovad } = cookie;
  for (const s of sgl.entries) {
    if (!Number.isSafeInteger(s.length) || s.length < 0 || s.length > 0xffff_ffff) {
      throw new DmaIommuError(ddev.dev.name, `scatterlist entry of ${s.length} bytes`);
    }
  }
  if (ddev.untrusted) return mapSgSwiotlb(ddev, sgl, dir, attrs);
  const coherent = ddev.dev.dmaCoherent;
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && !coherent) cookie.stats.cacheSyncs += sgl.entries.length;

  const granuleMask = iovad.granuleMask;
  const mask = ddev.segBoundaryMask;
  const layout: Layout[] = [];
  let iovaLen = 0n;
  for (const s of sgl.entries) {
    const iovaOff = s.phys & granuleMask;
    const sLen = iovaAlignedSpan(iovad, iovaOff, BigInt(s.length));
    // Pad so an entry longer than the space left before the next boundary starts on it.
    const padLen = BigInt.asUintN(64, mask - iovaLen + 1n) & mask;
    const prev = layout[layout.length - 1];
    if (padLen && padLen < sLen - 1n && prev) {
      prev.iovaLen += padLen;
      iovaLen += padLen;
    }
    layout.push({ iovaOff, alignedPhys: s.phys - iovaOff, iovaLen: sLen });
    iovaLen += sLen;
  }
  if (!iovaLen) return finaliseSg(ddev, sgl, layout, 0n);

  const iova = iommuDmaAllocIova(ddev, iovaLen, dmaGetMask(ddev.dev));
  if (!iova) {
    invalidateSg(sgl);
    return -ENOMEM;
  }
  const ret = mapRuns(ddev, iova, layout, dmaInfoToProt(dir, coherent, attrs));
  if (ret) {
    iommuDmaFreeIova(ddev, cookie, iova, iovaLen, false);
    invalidateSg(sgl);
    return ret === -ENOMEM ? ret : -EINVAL;
  }
  cookie.stats.mapCalls++;
  return finaliseSg(ddev, sgl, layout, iova);
}

/** __invalidate_sg() */
function invalidateSg(sgl: ScatterList): void {
  for (const s of sgl.entries) {
    s.dmaAddress = DMA_MAPPING_ERROR;
    s.dmaLength = 0;
  }
}

/** iommu_dma_unmap_sg(): unmap the one IOVA range spanned by the mapped segments. */
export function iommuDmaUnmapSg(
  ddev: IommuDmaDevice,
  sgl: ScatterList,
  dir: DmaDirection,
  attrs = 0,
): void {
  if (sgl.dmaIsSwiotlb) {
    for (const s of sgl.entries) {
      iommuDmaUnmapPage(ddev, s.dmaAddress, BigInt(s.dmaLength), dir, attrs);
    }
    return;
  }
  const cookie = initialisedCookie(ddev);
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && !ddev.dev.dmaCoherent) {
    cookie.stats.cacheSyncs += sgl.entries.length;
  }
  const first = sgl.entries[0];
  if (!first || first.dmaLength === 0) return;
  const start = first.dmaAddress;
  let end = 0n;
  for (const s of sgl.entries) {
    if (s.dmaLength === 0) break;
    end = s.dmaAddress + BigInt(s.dmaLength);
  }
  if (end) iommuDmaUnmapRaw(ddev, start, end - start);
}
