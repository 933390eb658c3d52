// ACPI DMA configuration: acpi_dma_get_range() (_DMA), acpi_arch_dma_setup() for arm64 and
// LoongArch, _CCA → enum dev_dma_attr, acpi_iommu_configure_id() and acpi_dma_configure_id().
import {
  type ArchDmaHooks,
  addU64,
  type BusDmaRegion,
  type Device,
  dmaRangeMapMax,
  EINVAL,
  ENODEV,
  EPROBE_DEFER,
  getDmaMask,
  type KernelRelease,
  logDebug,
  logWarn,
  maskForEnd,
  maxU64,
  minU64,
  setDmaMask,
  subU64,
  U64_MAX,
} from '@dmasim/dma-mapping';
import { iortDmaGetRanges } from './dma-limits.js';
import {
  iortIommuConfigureId,
  type NcProperties,
  type SmmuDriverState,
} from './iommu-configure.js';
import type { IortTable } from './iort-model.js';

/** One _DMA resource: CPU addresses [start, end] inclusive; offset = CPU − bus. */
export interface DmaResource {
  start: bigint;
  end: bigint;
  offset: bigint;
}

/** What the model knows of an ACPI device object. */
export interface AcpiCompanionInfo {
  path: string;
  parent: string | null;
  /** _CCA, or null when the object has none. */
  cca: 0 | 1 | null;
  /** _DMA resources, or null when the object has no _DMA method. */
  dma: DmaResource[] | null;
  /** Whether the object has _CRS. */
  crs: boolean;
}

/** The ACPI namespace, by full path. */
export type AcpiNamespace = ReadonlyMap<string, AcpiCompanionInfo>;

/** enum dev_dma_attr */
export type DevDmaAttr = 'not-supported' | 'non-coherent' | 'coherent';

function ancestry(ns: AcpiNamespace, path: string | null): AcpiCompanionInfo[] {
  const chain: AcpiCompanionInfo[] = [];
  const seen = new Set<string>();
  for (let p = path; p !== null && !seen.has(p); ) {
    seen.add(p);
    const info = ns.get(p);
    if (!info) break;
    chain.push(info);
    p = info.parent;
  }
  return chain;
}

/**
 * acpi_get_dma_attr(): _CCA of the object or its nearest ancestor that has one. Without any,
 * "not supported" when CONFIG_ACPI_CCA_REQUIRED (arm64), else coherent (the default _CCA of 1).
 */
export function acpiGetDmaAttr(
  ns: AcpiNamespace,
  path: string | null,
  ccaRequired: boolean,
): DevDmaAttr {
  if (path === null || !ns.has(path)) return 'not-supported';
  const withCca = ancestry(ns, path).find((a) => a.cca !== null);
  if (!withCca) return ccaRequired ? 'not-supported' : 'coherent';
  return withCca.cca === 1 ? 'coherent' : 'non-coherent';
}

export interface DmaRangeResult {
  ret: number;
  map: BusDmaRegion[] | null;
}

/** acpi_dma_get_range(): the first _DMA on the companion or an ancestor. */
export function acpiDmaGetRange(
  dev: Device,
  ns: AcpiNamespace,
  companion: string | null,
): DmaRangeResult {
  const owner = ancestry(ns, companion).find((a) => a.dma !== null);
  if (!owner) return { ret: -ENODEV, map: null };
  if (!owner.crs) {
    logWarn(dev.log, '_DMA is valid only if _CRS is present');
    return { ret: -EINVAL, map: null };
  }
  const resources = owner.dma!;
  if (resources.length === 0) return { ret: 0, map: null };
  const map: BusDmaRegion[] = [];
  for (const r of resources) {
    if (r.start >= r.end) {
      logDebug(dev.log, 'Invalid DMA regions configuration');
      return { ret: -EINVAL, map: null };
    }
    map.push({
      cpuStart: r.start,
      dmaStart: subU64(r.start, r.offset),
      size: addU64(subU64(r.end, r.start), 1n),
    });
  }
  return { ret: 0, map };
}

export interface AcpiDmaContext {
  table: IortTable | null;
  ns: AcpiNamespace;
  /** The device's ACPI companion (for a PCI device: its host bridge's), or null. */
  companion: string | null;
  kernel: KernelRelease;
}

/** Clip both masks to `mask` with min (the ACPI paths' rule; OF uses AND). */
function minClipMasks(dev: Device, mask: bigint): void {
  dev.coherentDmaMask = minU64(dev.coherentDmaMask, mask);
  const dm = getDmaMask(dev);
  if (dm === null) {
    logWarn(dev.log, 'dma_mask is NULL: the kernel would dereference it here');
    return;
  }
  setDmaMask(dev, minU64(dm, mask));
}

/** arm64 acpi_arch_dma_setup() (drivers/acpi/arm64/dma.c), limit (6.10+) or size flavour. */
function arm64ArchDmaSetup(dev: Device, ctx: AcpiDmaContext): void {
  if (getDmaMask(dev) === null) {
    logWarn(dev.log, 'DMA mask not set');
    dev.dmaMask = { kind: 'coherent' };
  }
  const cdm = dev.coherentDmaMask;
  // Since iort-limits-as-limits the code works on an inclusive end; before, on a size (end + 1).
  const legacy = !ctx.kernel.has('iort-limits-as-limits');
  let end = cdm ? cdm : 0xffff_ffffn;
  let size = cdm ? maxU64(cdm, addU64(cdm, 1n)) : 0x1_0000_0000n;
  const range = acpiDmaGetRange(dev, ctx.ns, ctx.companion);
  let ret = range.ret;
  if (ret === 0 && range.map) {
    end = dmaRangeMapMax(range.map);
    size = addU64(end, 1n);
    dev.dmaRangeMap = range.map;
  }
  if (ret === -ENODEV && ctx.table) {
    const iort = iortDmaGetRanges(ctx.table, dev, ctx.kernel);
    ret = iort.ret;
    if (ret === 0) {
      end = iort.value!;
      size = iort.value!;
    }
  }
  if (ret !== 0) return;
  if (legacy) end = subU64(size, 1n);
  dev.busDmaLimit = end;
  minClipMasks(dev, maskForEnd(end));
}

/** LoongArch acpi_arch_dma_setup(): only a _DMA map counts; no IORT, no defaults. */
function loongarchArchDmaSetup(dev: Device, ctx: AcpiDmaContext): void {
  const range = acpiDmaGetRange(dev, ctx.ns, ctx.companion);
  if (range.ret !== 0 || !range.map) return;
  const end = dmaRangeMapMax(range.map);
  dev.busDmaLimit = end;
  dev.dmaRangeMap = range.map;
  minClipMasks(dev, maskForEnd(end));
}

/** acpi_arch_dma_setup(): arm64 and LoongArch have one, other arches a no-op stub. */
export function acpiArchDmaSetup(
  dev: Device,
  arch: ArchDmaHooks['arch'],
  ctx: AcpiDmaContext,
): void {
  if (arch === 'arm64') arm64ArchDmaSetup(dev, ctx);
  else if (arch === 'loongarch') loongarchArchDmaSetup(dev, ctx);
}

export interface AcpiIommuResult {
  /** 6.8+ int result: 0, -ENODEV or -EPROBE_DEFER. */
  ret: number;
  /** 6.7's non-NULL iommu_ops: the fwspec has ops. */
  iommu: boolean;
  properties?: NcProperties;
}

export interface AcpiIommuOptions extends SmmuDriverState {
  /** iommu_probe_device() for a device with a fwspec; default: success without side effects. */
  iommuProbeDevice?: (dev: Device) => number;
}

/** acpi_iommu_configure_id(). VIOT is not modelled: its fallback answers -ENODEV. */
export function acpiIommuConfigureId(
  dev: Device,
  table: IortTable | null,
  idIn: number | null,
  opts: AcpiIommuOptions = {},
): AcpiIommuResult {
  if (dev.fwspec?.hasOps) return { ret: 0, iommu: true };
  let properties: NcProperties | undefined;
  let err = -ENODEV;
  if (table) {
    const r = iortIommuConfigureId(table, dev, idIn, opts);
    err = r.ret;
    properties = r.properties;
  }
  if (err && err !== -EPROBE_DEFER) err = -ENODEV; // viot_iommu_configure()
  if (!err && opts.iommuProbeDevice) err = opts.iommuProbeDevice(dev);
  if (err === -EPROBE_DEFER) return { ret: -EPROBE_DEFER, iommu: false };
  if (err) {
    logDebug(dev.log, `Adding to IOMMU failed: ${err}`);
    return { ret: -ENODEV, iommu: false };
  }
  const hasOps = dev.fwspec?.hasOps ?? false;
  const result: AcpiIommuResult = { ret: hasOps ? 0 : -ENODEV, iommu: hasOps };
  if (properties) result.properties = properties;
  return result;
}

export interface AcpiDmaConfigureResult {
  ret: number;
  iommu: AcpiIommuResult | null;
}

/**
 * acpi_dma_configure_id(): DEV_DMA_NOT_SUPPORTED → dummy ops; else the arch's limits, the IOMMU,
 * and the arch hook with (dev, coherent) from 6.10, or (0, U64_MAX, iommu, coherent) before.
 */
export function acpiDmaConfigureId(
  dev: Device,
  attr: DevDmaAttr,
  idIn: number | null,
  ctx: AcpiDmaContext & { arch: ArchDmaHooks } & AcpiIommuOptions,
): AcpiDmaConfigureResult {
  if (attr === 'not-supported') {
    dev.dmaOps = 'dummy';
    return { ret: 0, iommu: null };
  }
  acpiArchDmaSetup(dev, ctx.arch.arch, ctx);
  const iommu = acpiIommuConfigureId(dev, ctx.table, idIn, ctx);
  if (iommu.ret === -EPROBE_DEFER) return { ret: -EPROBE_DEFER, iommu };
  const coherent = attr === 'coherent';
  if (!ctx.kernel.has('arch-setup-dma-ops-simplified')) {
    ctx.arch.setupDmaOps(dev, coherent, { dmaBase: 0n, size: U64_MAX, iommu: iommu.iommu });
  } else {
    ctx.arch.setupDmaOps(dev, coherent);
  }
  return { ret: 0, iommu };
}
