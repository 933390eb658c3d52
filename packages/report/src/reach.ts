// What a device reaches without an IOMMU: each range-map window clipped to the DMA mask and
// bus_dma_limit (as dma_capable() checks them), projected to the CPU side and met with RAM.
import { addU64, minU64, parseU64, subU64, U64_MAX } from '@dmasim/dma-mapping';
import type { ViewDevice } from './platform-view.js';
import { intersect, normalizeRanges, subtract, type U64Range } from './u64-range.js';

/** One window of the device's view: bus (DMA) addresses and the CPU addresses they hit. */
export interface DmaWindow {
  dmaStart: bigint;
  cpuStart: bigint;
  size: bigint;
  /** True for the implicit 1:1 view of a device without a range map. */
  identity: boolean;
}

export interface DeviceReach {
  windows: DmaWindow[];
  /** The highest bus address dma_capable() accepts: min(mask, bus_dma_limit when set). */
  maxBusAddress: bigint;
  /** CPU ranges of RAM the device reaches directly. */
  reachable: U64Range[];
  /** RAM it does not: buffers there bounce through swiotlb (or fail without it). */
  unreachable: U64Range[];
  /** Behind an IOMMU with a DMA domain: every page is reachable through an IOVA. */
  translated: boolean;
}

export function deviceWindows(dev: ViewDevice): DmaWindow[] {
  if (dev.rangeMap && dev.rangeMap.length > 0) {
    return dev.rangeMap
      .map((r) => ({
        dmaStart: parseU64(r.dmaStart),
        cpuStart: parseU64(r.cpuStart),
        size: parseU64(r.size),
        identity: false,
      }))
      .filter((w) => w.size > 0n);
  }
  return [{ dmaStart: 0n, cpuStart: 0n, size: U64_MAX, identity: true }];
}

export function maxBusAddress(dev: ViewDevice): bigint {
  const mask = parseU64(dev.dmaMask ?? dev.coherentDmaMask);
  const limit = parseU64(dev.busDmaLimit);
  return limit !== 0n && limit < mask ? limit : mask;
}

export function isTranslated(dev: ViewDevice): boolean {
  return dev.iommu?.domain === 'DMA' || dev.iommu?.domain === 'DMA-FQ';
}

export function deviceReach(dev: ViewDevice, ram: readonly U64Range[]): DeviceReach {
  const windows = deviceWindows(dev);
  const maxBus = maxBusAddress(dev);
  const translated = isTranslated(dev);
  const spans: U64Range[] = [];
  for (const w of windows) {
    const busEnd = subU64(addU64(w.dmaStart, w.size), 1n);
    const reachEnd = minU64(busEnd, maxBus);
    if (reachEnd < w.dmaStart) continue;
    spans.push({ start: w.cpuStart, end: addU64(w.cpuStart, reachEnd - w.dmaStart) });
  }
  const reachable = translated
    ? normalizeRanges(ram)
    : normalizeRanges(
        ram.flatMap((bank) =>
          spans.map((s) => intersect(bank, s)).filter((r): r is U64Range => r !== null),
        ),
      );
  return {
    windows,
    maxBusAddress: maxBus,
    reachable,
    unreachable: subtract(ram, reachable),
    translated,
  };
}
