// Device-tree lint: the DMA firmware mistakes the kernel tolerates or rejects, each found on the
// tree as written and costed with what the booted platform view says.
import { addU64, hex, subU64 } from '@dmasim/dma-mapping';
import {
  createOfContext,
  type DeviceTree,
  type DtNode,
  findDmaRangesNode,
  findNodeByPhandle,
  getProperty,
  isAvailable,
  OF_BAD_ADDR,
  type OfContext,
  ofBusNAddrCells,
  ofBusNSizeCells,
  ofDmaGetMaxCpuAddress,
  ofGetDmaParent,
  ofNAddrCells,
  ofRanges,
  pciDomainOf,
  pciHostBridges,
  readCells,
  readU32,
  walkNodes,
} from '@dmasim/of';
import type { Finding } from './finding.js';
import type { PlatformView } from './platform-view.js';
import { parseRange, rangesOverlap, type U64Range } from './u64-range.js';

export interface DtLintOptions {
  /** The kernel release the costs are stated for, e.g. "6.12". */
  kernel: string;
  /**
   * Whether the kernel still has 6.7's of_dma_configure_id() workaround that warns about an odd
   * dma-ranges size and rounds it up (removed by "dma-mapping: Clean up arch_setup_dma_ops()").
   */
  dmaRangeSizeWorkaround: boolean;
}

/** One dma-ranges entry as written (before the parser merges contiguous entries). */
interface RawDmaRange {
  busAddr: bigint;
  parentAddr: bigint;
  size: bigint;
}

function readNumber(cells: readonly number[], at: number, n: number): bigint {
  let value = 0n;
  for (let i = 0; i < n; i++) value = (value << 32n) | BigInt(cells[at + i] ?? 0);
  return value & 0xffff_ffff_ffff_ffffn;
}

function rawDmaRanges(node: DtNode): RawDmaRange[] {
  const prop = getProperty(node, 'dma-ranges');
  if (!prop || prop.value.length === 0 || prop.value.length % 4 !== 0) return [];
  const cells = readCells(node, prop);
  const na = ofBusNAddrCells(node);
  const pna = ofNAddrCells(node);
  const ns = ofBusNSizeCells(node);
  const entry = na + pna + ns;
  if (entry === 0) return [];
  const out: RawDmaRange[] = [];
  // PCI child addresses carry a flags cell before the 64-bit address.
  const childAddrCells = Math.min(na, 2);
  for (let at = 0; at + entry <= cells.length; at += entry) {
    out.push({
      busAddr: readNumber(cells, at + na - childAddrCells, childAddrCells),
      parentAddr: readNumber(cells, at + na, pna),
      size: readNumber(cells, at + na + pna, ns),
    });
  }
  return out;
}

function hasNonEmptyDmaRanges(node: DtNode): boolean {
  const prop = getProperty(node, 'dma-ranges');
  return prop !== undefined && prop.value.length > 0;
}

/** Report paths of the view's devices whose describing node is below `node` (or is it). */
function devicesBelow(view: PlatformView, node: DtNode, includeSelf = false): string[] {
  const prefix = node.path === '/' ? '/' : `${node.path}/`;
  return view.devices
    .filter((d) => {
      const path = d.node ?? d.path;
      return (includeSelf && path === node.path) || path.startsWith(prefix);
    })
    .map((d) => d.path);
}

function ramRanges(view: PlatformView): U64Range[] {
  return (view.memory?.ram ?? []).map(parseRange);
}

function dmaZone(view: PlatformView): U64Range | null {
  const zone = view.memory?.zones.find((z) => z.name === 'DMA');
  if (!zone || zone.start === null || zone.end === null) return null;
  return parseRange({ start: zone.start, end: zone.end });
}

/** An odd size: the inclusive end written where the size belongs (0xffffffff for 4 GiB). */
function sizeAsMask(node: DtNode, opts: DtLintOptions): Finding[] {
  const bad = rawDmaRanges(node).filter((r) => r.size > 1n && (r.size & 1n) === 1n);
  return bad.map((r) => {
    const lastBus = subU64(addU64(r.busAddr, r.size), 1n);
    return {
      rule: 'size-as-mask',
      severity: 'warning',
      where: node.path,
      summary: `dma-ranges size ${hex(r.size)} is written as a mask (bus ${hex(r.busAddr)}-${hex(lastBus)})`,
      kernelMessage: opts.dmaRangeSizeWorkaround
        ? `Invalid size ${hex(r.size)} for dma-range(s)`
        : null,
      cost: opts.dmaRangeSizeWorkaround
        ? `${opts.kernel} warns on every device below and rounds the size up to ${hex(r.size + 1n)}`
        : `under ${opts.kernel} the window ends one byte short: bus_dma_limit is ${hex(lastBus)}, so a buffer on the window's last byte is not dma_capable() and bounces through swiotlb`,
      fix: `write the size ${hex(r.size + 1n)}`,
    } satisfies Finding;
  });
}

/** dma-ranges entries whose parent side cannot be translated to a CPU address. */
function untranslatable(
  ctx: OfContext,
  node: DtNode,
  view: PlatformView,
  opts: DtLintOptions,
): Finding[] {
  const ranges = ofRanges(ctx, node, 'dma-ranges') ?? [];
  const bad = ranges.filter((r) => r.cpuAddr === OF_BAD_ADDR);
  if (bad.length === 0) return [];
  const firmwareLimit = ofDmaGetMaxCpuAddress(ctx);
  const zone = dmaZone(view);
  return bad.map((r) => {
    const allBad = bad.length === ranges.length;
    const costs = [
      allBad
        ? 'no entry translates: the devices below get no range map and DMA with CPU physical addresses as bus addresses'
        : 'the entry is dropped from the range map: the devices below cannot use that window',
    ];
    // of_dma_get_max_cpu_address() adds the size to OF_BAD_ADDR and wraps.
    const wrappedEnd = subU64(addU64(OF_BAD_ADDR, r.size), 1n);
    if (addU64(OF_BAD_ADDR, r.size) > 0n && wrappedEnd === firmwareLimit) {
      const zoneText = zone
        ? `ZONE_DMA shrinks to ${hex(zone.start)}-${hex(zone.end)} under ${opts.kernel}`
        : `the firmware DMA limit becomes ${hex(wrappedEnd)} under ${opts.kernel}`;
      costs.push(
        `of_dma_get_max_cpu_address() wraps OF_BAD_ADDR + size to ${hex(wrappedEnd)}: ${zoneText}: every GFP_DMA allocation and the swiotlb pool must fit there`,
      );
    }
    return {
      rule: 'untranslatable-dma-ranges',
      severity: 'error',
      where: node.path,
      summary: `dma-ranges entry bus ${hex(r.busAddr)} size ${hex(r.size)} does not translate to a CPU address`,
      kernelMessage: `translation of DMA address(${r.busAddr.toString(16)}) to CPU address failed node(${node.path})`,
      cost: costs.join('; '),
      fix: `make the entry's parent address fall inside a dma-ranges window of ${node.parent?.path ?? '/'} (or give the parent bus a window covering it)`,
      devices: devicesBelow(view, node),
    } satisfies Finding;
  });
}

/**
 * of_dma_get_range()'s "a missing dma-ranges after the first node is an error": the walk from
 * `busNode` stops with -ENODEV at a node without the property, although a bus further up has a
 * window. Returns the node missing it and the bus whose window is lost, or null.
 */
function brokenChainAt(ctx: OfContext, busNode: DtNode): { missing: DtNode; lost: DtNode } | null {
  if (findDmaRangesNode(ctx, busNode) !== 'broken') return null;
  let first = true;
  let missing: DtNode | null = null;
  for (let node: DtNode | null = busNode; node; node = ofGetDmaParent(ctx, node)) {
    if (missing) {
      if (hasNonEmptyDmaRanges(node)) return { missing, lost: node };
      continue;
    }
    if (!first && !getProperty(node, 'dma-ranges')) missing = node;
    first = false;
  }
  return null;
}

/** Where of_dma_configure() starts for a device: its DMA parent, or a PCI function's host bridge. */
function dmaWalkStart(ctx: OfContext, dev: PlatformView['devices'][number]): DtNode | null {
  if (dev.bus !== 'pci') {
    const own = ctx.byPath.get(dev.path);
    return own ? ofGetDmaParent(ctx, own) : null;
  }
  const hosts = pciHostBridges(ctx);
  const domain = Number.parseInt(dev.path.split(':')[1] ?? '', 16);
  return hosts.find((h) => pciDomainOf(ctx, h) === domain) ?? null;
}

function missingInChain(ctx: OfContext, view: PlatformView): Finding[] {
  const byMissing = new Map<DtNode, { lost: DtNode; devices: string[] }>();
  for (const dev of view.devices) {
    const start = dmaWalkStart(ctx, dev);
    const broken = start ? brokenChainAt(ctx, start) : null;
    if (!broken) continue;
    const entry = byMissing.get(broken.missing) ?? { lost: broken.lost, devices: [] };
    entry.devices.push(dev.path);
    byMissing.set(broken.missing, entry);
  }
  return [...byMissing].map(([node, { lost, devices }]) => {
    // Losing an offset window sends DMA to the wrong address; losing a 1:1 window only its limit.
    const offset = (ofRanges(ctx, lost, 'dma-ranges') ?? []).some((r) => r.cpuAddr !== r.busAddr);
    return {
      rule: 'dma-ranges-chain-broken',
      severity: offset ? ('error' as const) : ('warning' as const),
      where: node.path,
      summary: `${node.path} has no dma-ranges, between devices and the window of ${lost.path}`,
      kernelMessage: null,
      cost: offset
        ? `of_dma_get_range() returns -ENODEV for the devices below: they get no range map and ignore ${lost.path}'s offset window, so their DMA addresses are wrong`
        : `of_dma_get_range() returns -ENODEV for the devices below: they get no range map and lose ${lost.path}'s limit, so buffers beyond it are not bounced`,
      fix: `add "dma-ranges;" (1:1) or the real window to ${node.path}`,
      devices,
    };
  });
}

/** Translated windows of a dma-ranges node as CPU ranges. */
function cpuWindows(ctx: OfContext, node: DtNode): U64Range[] {
  return (ofRanges(ctx, node, 'dma-ranges') ?? [])
    .filter((r) => r.cpuAddr !== OF_BAD_ADDR && r.size > 0n)
    .map((r) => ({ start: r.cpuAddr, end: subU64(addU64(r.cpuAddr, r.size), 1n) }));
}

function windowWithoutRam(
  ctx: OfContext,
  node: DtNode,
  view: PlatformView,
  opts: DtLintOptions,
): Finding[] {
  const ram = ramRanges(view);
  const windows = cpuWindows(ctx, node);
  if (ram.length === 0 || windows.length === 0) return [];
  if (windows.some((w) => ram.some((r) => rangesOverlap(w, r)))) return [];
  const shown = windows.map((w) => `${hex(w.start)}-${hex(w.end)}`).join(', ');
  return [
    {
      rule: 'dma-window-excludes-ram',
      severity: 'error',
      where: node.path,
      summary: `the dma-ranges windows (CPU ${shown}) contain no RAM`,
      kernelMessage: null,
      cost: `under ${opts.kernel} the devices below can reach no memory: dma-direct and swiotlb both fail their mappings ("overflow") and coherent allocations fail`,
      fix: 'point the window at the RAM the bus really reaches (check the parent address cells)',
      devices: devicesBelow(view, node),
    },
  ];
}

/** A node's own dma-coherent / dma-noncoherent against the nearest DMA parent that says. */
function coherencyMismatch(ctx: OfContext, node: DtNode): Finding[] {
  const coherent = getProperty(node, 'dma-coherent') !== undefined;
  const noncoherent = getProperty(node, 'dma-noncoherent') !== undefined;
  if (!isAvailable(node) || (!coherent && !noncoherent)) return [];
  if (coherent && noncoherent) {
    return [
      {
        rule: 'dma-coherent-mismatch',
        severity: 'warning',
        where: node.path,
        summary: 'both dma-coherent and dma-noncoherent are set',
        kernelMessage: null,
        cost: 'of_dma_is_coherent() checks dma-coherent first: the device is treated as coherent and skips cache maintenance',
        fix: 'keep only the property that describes the interconnect',
      },
    ];
  }
  for (let bus = ofGetDmaParent(ctx, node); bus; bus = ofGetDmaParent(ctx, bus)) {
    const busCoherent = getProperty(bus, 'dma-coherent') !== undefined;
    const busNoncoherent = getProperty(bus, 'dma-noncoherent') !== undefined;
    if (!busCoherent && !busNoncoherent) continue;
    if (busCoherent === coherent) return [];
    return [
      {
        rule: 'dma-coherent-mismatch',
        severity: 'warning',
        where: node.path,
        summary: `${coherent ? 'dma-coherent' : 'dma-noncoherent'} on a device whose bus ${bus.path} is ${busCoherent ? 'dma-coherent' : 'dma-noncoherent'}`,
        kernelMessage: null,
        cost: coherent
          ? 'the kernel follows the device and skips cache maintenance: if the bus really does not snoop, the device reads stale data and the CPU misses its writes'
          : 'the kernel follows the device and cleans/invalidates caches on every mapping: correct but slower than the coherent bus needs',
        fix: `drop the property so the device inherits ${bus.path}'s, or fix the bus`,
      },
    ];
  }
  return [];
}

interface MapEntry {
  idBase: number;
  phandle: number;
  length: number;
}

function mapEntries(node: DtNode, name: string): MapEntry[] {
  const prop = getProperty(node, name);
  if (!prop || prop.value.length === 0 || prop.value.length % 16 !== 0) return [];
  const cells = readCells(node, prop);
  const out: MapEntry[] = [];
  for (let at = 0; at + 4 <= cells.length; at += 4) {
    out.push({ idBase: cells[at]!, phandle: cells[at + 1]!, length: cells[at + 3]! });
  }
  return out;
}

/** Maximal runs of RIDs in [first, last] whose masked value no iommu-map entry covers. */
function unmappedRids(entries: readonly MapEntry[], mask: number, first: number, last: number) {
  const runs: { start: number; end: number }[] = [];
  for (let rid = first; rid <= last; rid++) {
    const masked = (rid & mask) >>> 0;
    const covered = entries.some((e) => masked >= e.idBase && masked < e.idBase + e.length);
    if (covered) continue;
    const run = runs.at(-1);
    if (run && run.end === rid - 1) run.end = rid;
    else runs.push({ start: rid, end: rid });
  }
  return runs;
}

const ridHex = (n: number) => `0x${n.toString(16)}`;

function iommuMapGaps(node: DtNode, opts: DtLintOptions): Finding[] {
  if (!isAvailable(node)) return [];
  const entries = mapEntries(node, 'iommu-map');
  if (entries.length === 0) return [];
  const mask = readU32(node, 'iommu-map-mask') ?? 0xffff_ffff;
  const busRange = getProperty(node, 'bus-range');
  const buses = busRange && busRange.value.length >= 8 ? readCells(node, busRange) : [0, 0xff];
  const first = (buses[0]! & 0xff) << 8;
  const last = ((buses[1]! & 0xff) << 8) | 0xff;
  const runs = unmappedRids(entries, mask, first, last);
  if (runs.length === 0) return [];
  const shown = runs
    .slice(0, 4)
    .map((r) => (r.start === r.end ? ridHex(r.start) : `${ridHex(r.start)}-${ridHex(r.end)}`))
    .join(', ');
  return [
    {
      rule: 'iommu-map-unmapped-rids',
      severity: 'warning',
      where: node.path,
      summary: `iommu-map leaves RIDs ${shown}${runs.length > 4 ? ', ...' : ''} unmapped`,
      kernelMessage: `${node.path}: no iommu-map translation for id ${ridHex(runs[0]!.start)} on (null)`,
      cost: `under ${opts.kernel} functions at those RIDs are not behind the IOMMU: they get dma-direct with physical addresses, while the IOMMU still sees their stream IDs (with bypass disabled, the arm-smmu-v3 default, their DMA faults)`,
      fix: "extend the iommu-map entries to cover every RID of the bus-range (a gap is deliberate only for a function that is itself the IOMMU, as QEMU's virtio-iommu)",
    },
  ];
}

/** iommus / iommu-map entries whose IOMMU node is disabled. */
function disabledIommu(ctx: OfContext, node: DtNode, view: PlatformView): Finding[] {
  if (!isAvailable(node)) return [];
  const targets = new Set<DtNode>();
  const iommus = getProperty(node, 'iommus');
  if (iommus && iommus.value.length % 4 === 0) {
    const cells = readCells(node, iommus);
    for (let at = 0; at < cells.length; ) {
      const target = findNodeByPhandle(ctx, cells[at]!);
      if (!target) break;
      targets.add(target);
      at += 1 + (readU32(target, '#iommu-cells') ?? 0);
    }
  }
  for (const e of mapEntries(node, 'iommu-map')) {
    const target = findNodeByPhandle(ctx, e.phandle);
    if (target) targets.add(target);
  }
  return [...targets]
    .filter((t) => !isAvailable(t))
    .map((t) => ({
      rule: 'iommu-disabled',
      severity: 'warning' as const,
      where: node.path,
      summary: `${getProperty(node, 'iommus') ? 'iommus' : 'iommu-map'} points at ${t.path}, which is disabled`,
      kernelMessage: 'device is not behind an iommu',
      cost: 'of_iommu_xlate() returns -ENODEV: the device runs without the IOMMU (dma-direct with its own masks, no isolation, no IOVA window)',
      fix: `enable ${t.path} (status = "okay") or drop the reference if the board has no IOMMU`,
      devices: devicesBelow(view, node, true),
    }));
}

/** Every device-tree rule, over every node. A rule that trips the model reports that instead. */
export function lintDeviceTree(
  tree: DeviceTree,
  view: PlatformView,
  opts: DtLintOptions,
): Finding[] {
  const ctx = createOfContext(tree);
  const findings: Finding[] = [];
  const guard = (where: string, rule: () => Finding[]) => {
    try {
      findings.push(...rule());
    } catch (e) {
      findings.push({
        rule: 'unreadable',
        severity: 'error',
        where,
        summary: `cannot check: ${(e as Error).message}`,
        kernelMessage: null,
        cost: 'the kernel would trip over the same property',
        fix: 'correct the property the message names',
      });
    }
  };
  for (const node of walkNodes(tree.root)) {
    if (hasNonEmptyDmaRanges(node)) {
      guard(node.path, () => sizeAsMask(node, opts));
      guard(node.path, () => untranslatable(ctx, node, view, opts));
      guard(node.path, () => windowWithoutRam(ctx, node, view, opts));
    }
    guard(node.path, () => coherencyMismatch(ctx, node));
    guard(node.path, () => iommuMapGaps(node, opts));
    guard(node.path, () => disabledIommu(ctx, node, view));
  }
  guard('/', () => missingInChain(ctx, view));
  return findings;
}
