// iommu_dma_map_sg() / iommu_dma_unmap_sg(): one contiguous IOVA range for a whole scatterlist,
// laid out so that merged DMA segments respect the device's segment boundary and maximum size.
import {
  DMA_ATTR_SKIP_CPU_SYNC,
  DMA_MAPPING_ERROR,
  type DmaDataDirection,
  dmaGetMask,
  dmaGetMaxSegSize,
  dmaGetSegBoundary,
  EINVAL,
  EIO,
  ENOMEM,
  type ScatterlistEntry,
} from '@dmasim/dma-mapping';
import { iommuMap, iommuUnmap } from '@dmasim/iommu-core';
import { DmaIommuError, type IommuDmaDevice, initialisedCookie } from './cookie.js';
import { iommuDmaAllocIova, iommuDmaFreeIova } from './dma-iova.js';
import { iovaAlignedSpan } from './iova-allocator.js';
import { dmaInfoToProt, iommuDmaMapPage, iommuDmaUnmapPage, iommuDmaUnmapRaw } from './map.js';

/** iommu_dma_map_sg_swiotlb(): untrusted devices map (and maybe bounce) each entry alone. */
function mapSgSwiotlb(
  ddev: IommuDmaDevice,
  entries: ScatterlistEntry[],
  dir: DmaDataDirection,
  attrs: number,
) {
  entries[0]!.dmaIsSwiotlb = true; // sg_dma_mark_swiotlb()
  for (let i = 0; i < entries.length; i++) {
    const s = entries[i]!;
    s.dmaAddress = iommuDmaMapPage(ddev, s.phys, s.length, dir, attrs);
    if (s.dmaAddress === DMA_MAPPING_ERROR) {
      for (let j = 0; j < i; j++) {
        const done = entries[j]!;
        iommuDmaUnmapPage(
          ddev,
          done.dmaAddress,
          done.dmaLength,
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
  entries: ScatterlistEntry[],
  layout: Layout[],
  iova: bigint,
): number {
  const segMask = dmaGetSegBoundary(ddev.dev);
  const maxLen = dmaGetMaxSegSize(ddev.dev);
  let dmaAddr = iova;
  let cur = 0;
  let curLen = 0n;
  let count = 0;
  for (let i = 0; i < entries.length; i++) {
    const s = entries[i]!;
    const { iovaOff, iovaLen } = layout[i]!;
    const sLength = s.length;
    s.dmaAddress = DMA_MAPPING_ERROR;
    s.dmaLength = 0n;
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
    if (sLength + iovaOff < iovaLen) curLen = 0n;
  }
  return count;
}

/**
 * iommu_dma_map_sg(): the number of DMA segments, or -EIO (swiotlb path), -ENOMEM (no IOVA)
 * or -EINVAL (the IOMMU refused a mapping).
 */
export function iommuDmaMapSg(
  ddev: IommuDmaDevice,
  sg: ScatterlistEntry[],
  nents: number,
  dir: DmaDataDirection,
  attrs = 0,
): number {
  const cookie = initialisedCookie(ddev);
  const { iovad } = cookie;
  const entries = sg.slice(0, nents);
  for (const s of entries) {
    // struct scatterlist's length is an unsigned int.
    if (s.length < 0n || s.length > 0xffff_ffffn) {
      throw new DmaIommuError(ddev.dev.name, `scatterlist entry of ${s.length} bytes`);
    }
  }
  if (entries.length === 0) return 0;
  entries[0]!.dmaIsSwiotlb = false;
  if (ddev.untrusted) return mapSgSwiotlb(ddev, entries, dir, attrs);
  const coherent = ddev.dev.dmaCoherent;
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && !coherent) cookie.stats.cacheSyncs += entries.length;

  const granuleMask = iovad.granuleMask;
  const mask = dmaGetSegBoundary(ddev.dev);
  const layout: Layout[] = [];
  let iovaLen = 0n;
  for (const s of entries) {
    const iovaOff = s.phys & granuleMask;
    const sLen = iovaAlignedSpan(iovad, iovaOff, s.length);
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
  if (!iovaLen) return finaliseSg(ddev, entries, layout, 0n);

  const iova = iommuDmaAllocIova(ddev, iovaLen, dmaGetMask(ddev.dev));
  if (!iova) {
    invalidateSg(entries);
    return -ENOMEM;
  }
  const ret = mapRuns(ddev, iova, layout, dmaInfoToProt(dir, coherent, attrs));
  if (ret) {
    iommuDmaFreeIova(ddev, cookie, iova, iovaLen, false);
    invalidateSg(entries);
    return ret === -ENOMEM ? ret : -EINVAL;
  }
  cookie.stats.mapCalls++;
  return finaliseSg(ddev, entries, layout, iova);
}

/** __invalidate_sg() */
function invalidateSg(entries: ScatterlistEntry[]): void {
  for (const s of entries) {
    s.dmaAddress = DMA_MAPPING_ERROR;
    s.dmaLength = 0n;
  }
}

/** iommu_dma_unmap_sg(): unmap the one IOVA range spanned by the mapped segments. */
export function iommuDmaUnmapSg(
  ddev: IommuDmaDevice,
  sg: ScatterlistEntry[],
  nents: number,
  dir: DmaDataDirection,
  attrs = 0,
): void {
  const entries = sg.slice(0, nents);
  if (entries[0]?.dmaIsSwiotlb) {
    for (const s of entries) iommuDmaUnmapPage(ddev, s.dmaAddress, s.dmaLength, dir, attrs);
    return;
  }
  const cookie = initialisedCookie(ddev);
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && !ddev.dev.dmaCoherent) {
    cookie.stats.cacheSyncs += entries.length;
  }
  const first = entries[0];
  if (!first || first.dmaLength === 0n) return;
  const start = first.dmaAddress;
  let end = 0n;
  for (const s of entries) {
    if (s.dmaLength === 0n) break;
    end = s.dmaAddress + s.dmaLength;
  }
  if (end) iommuDmaUnmapRaw(ddev, start, end - start);
}
