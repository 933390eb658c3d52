// An ACPI platform: the IORT plus the ACPI devices and PCI endpoints that use it, configured the
// way the kernel does at boot (iort_init_platform_devices(), platform and PCI dma_configure).
import {
  type ArchDmaHooks,
  bdfOfRid,
  createDevice,
  type Device,
  type DeviceBus,
  type KernelRelease,
  PciAddressError,
  parseBdf,
  parseU64,
  pciDeviceName,
  pciDevid,
} from '@dmasim/dma-mapping';
import {
  type AcpiCompanionInfo,
  type AcpiIommuOptions,
  acpiDmaConfigureId,
  acpiGetDmaAttr,
  type DevDmaAttr,
  type DmaResource,
} from './acpi-dma.js';
import type { NcProperties } from './iommu-configure.js';
import {
  IortError,
  type IortNode,
  type IortTable,
  iortFwnodeName,
  SMMU_COHERENT_WALK,
  SMMU_V3_COHACC_OVERRIDE,
} from './iort-model.js';
import { findRootComplex } from './node-lookup.js';

type U64Text = bigint | number | string;

/** An ACPI device object, as a platform file gives it. */
export interface AcpiDeviceSpec {
  /** Full path, e.g. "\\_SB_.ETH0". */
  path: string;
  /** Parent object; default: the path without its last segment, when that object is listed. */
  parent?: string;
  cca?: 0 | 1;
  /** _DMA resources; absent = no _DMA method, [] = _DMA with no resources. */
  dma?: Array<{ start: U64Text; end: U64Text; offset?: U64Text }>;
  /** _CRS present; default true. */
  crs?: boolean;
  /** coherent_dma_mask (dma_mask points at it) before configuration; default 32 bits. */
  initialMask?: U64Text;
}

/** A PCI endpoint. */
export interface PciEndpointSpec {
  segment?: number;
  /** "BB:DD.F" or the RID as a number. */
  bdf: string | number;
  /** DMA aliases in pci_for_each_dma_alias() order; default [own RID]. */
  aliases?: number[];
  /**
   * ACPI path of the host bridge (its _CCA and _DMA apply). Default "\\_SB_.PCI<segment>", taken
   * from the ACPI devices if listed, else made up with _CCA = the RC's IORT cache_coherency.
   */
  bridge?: string;
  initialMask?: U64Text;
}

export interface AcpiPlatformDescription {
  devices?: AcpiDeviceSpec[];
  pci?: PciEndpointSpec[];
}

export interface AcpiPlatformOptions extends AcpiIommuOptions {
  arch: ArchDmaHooks;
  kernel: KernelRelease;
}

export interface AcpiConfiguredDevice {
  /** ACPI path, "pci:SSSS:BB:DD.F", or the IORT fwnode "iort@0x.." of an SMMU/PMCG. */
  path: string;
  bus: DeviceBus;
  pciRid?: number;
  /** The IORT node the device is (SMMU/PMCG) or is matched to, by table offset. */
  iortNode?: number;
  attr: DevDmaAttr;
  device: Device;
  /** What acpi_dma_configure() returned. */
  ret: number;
  properties?: NcProperties;
}

function u64(text: U64Text, what: string): bigint {
  try {
    return typeof text === 'bigint'
      ? text
      : typeof text === 'number'
        ? BigInt(text)
        : parseU64(text);
  } catch {
    throw new IortError(`${what}: "${String(text)}" is not a 64-bit number`, 0);
  }
}

function parentOf(path: string, known: ReadonlySet<string>): string | null {
  const cut = path.lastIndexOf('.');
  if (cut <= 0) return null;
  const p = path.slice(0, cut);
  return known.has(p) ? p : null;
}

/** The endpoint's RID: the number as given, or its "BB:DD.F" (on the endpoint's segment). */
function endpointRid(bdf: string | number, segment: number): number {
  if (typeof bdf === 'number') return bdf;
  const b = parseBdf(bdf.trim(), segment);
  if (b.segment !== segment)
    throw new PciAddressError(bdf, `not on the endpoint's segment ${segment.toString(16)}`);
  return pciDevid(b);
}

/** "pci:SSSS:BB:DD.F" */
export function pciDevicePath(segment: number, rid: number): string {
  return `pci:${pciDeviceName(bdfOfRid(segment, rid))}`;
}

/** The description used when none is given: one device per NC, one endpoint 00:00.0 per RC. */
export function defaultAcpiPlatform(table: IortTable): AcpiPlatformDescription {
  const devices: AcpiDeviceSpec[] = [];
  const pci: PciEndpointSpec[] = [];
  for (const node of table.nodes) {
    // The IORT CCA must agree with _CCA (IORT spec), so it stands in for the missing DSDT.
    if (node.type === 'named-component') {
      devices.push({
        path: node.deviceName,
        cca: node.memoryProperties.cacheCoherency === 1 ? 1 : 0,
      });
    } else if (node.type === 'root-complex') {
      pci.push({ segment: node.pciSegmentNumber, bdf: 0 });
    }
  }
  return { devices, pci };
}

function namespace(
  table: IortTable | null,
  desc: AcpiPlatformDescription,
): Map<string, AcpiCompanionInfo> {
  const specs = desc.devices ?? [];
  const known = new Set(specs.map((d) => d.path));
  const ns = new Map<string, AcpiCompanionInfo>();
  for (const d of specs) {
    const dma: DmaResource[] | null = d.dma
      ? d.dma.map((r) => ({
          start: u64(r.start, `${d.path} _DMA start`),
          end: u64(r.end, `${d.path} _DMA end`),
          offset: u64(r.offset ?? 0, `${d.path} _DMA offset`),
        }))
      : null;
    ns.set(d.path, {
      path: d.path,
      parent: d.parent ?? parentOf(d.path, known),
      cca: d.cca ?? null,
      dma,
      crs: d.crs ?? true,
    });
  }
  for (const ep of desc.pci ?? []) {
    const segment = ep.segment ?? 0;
    const bridge = ep.bridge ?? `\\_SB_.PCI${segment.toString(16).toUpperCase()}`;
    if (ns.has(bridge)) continue;
    const rc = table ? findRootComplex(table, segment, []) : null;
    ns.set(bridge, {
      path: bridge,
      parent: null,
      cca: rc ? (rc.memoryProperties.cacheCoherency === 1 ? 1 : 0) : null,
      dma: null,
      crs: true,
    });
  }
  return ns;
}

const SMMU_DEVICE_NAME: Record<string, string> = {
  smmu: 'arm-smmu',
  'smmu-v3': 'arm-smmu-v3',
  pmcg: 'arm-smmu-v3-pmcg',
};

/** iort_add_platform_device(): the SMMU's own DMA coherency comes from the IORT flags. */
function iortPlatformAttr(node: IortNode): DevDmaAttr {
  if (node.type === 'smmu-v3')
    return node.flags & SMMU_V3_COHACC_OVERRIDE ? 'coherent' : 'non-coherent';
  if (node.type === 'smmu') return node.flags & SMMU_COHERENT_WALK ? 'coherent' : 'non-coherent';
  return 'non-coherent';
}

/**
 * Configure every device of an ACPI platform: IORT SMMU/PMCG platform devices first (they are
 * created at arch_initcall), then the ACPI devices, then the PCI endpoints.
 */
export function configureAcpiPlatform(
  table: IortTable | null,
  description: AcpiPlatformDescription | undefined,
  options: AcpiPlatformOptions,
): AcpiConfiguredDevice[] {
  const desc = description ?? (table ? defaultAcpiPlatform(table) : {});
  const ns = namespace(table, desc);
  const ccaRequired = options.arch.arch === 'arm64';
  const ctxBase = { ...options, table, ns };
  const out: AcpiConfiguredDevice[] = [];
  const counts: Record<string, number> = {};

  for (const node of table?.nodes ?? []) {
    const driver = SMMU_DEVICE_NAME[node.type];
    if (!driver) continue;
    const id = counts[driver] ?? 0;
    counts[driver] = id + 1;
    const fwnode = iortFwnodeName(node);
    // createDevice() gives the 32-bit masks with dma_mask pointing at coherent_dma_mask.
    const device = createDevice({ name: `${driver}.${id}.auto`, bus: 'platform', fwNode: fwnode });
    const attr = iortPlatformAttr(node);
    const r = acpiDmaConfigureId(device, attr, null, { ...ctxBase, companion: null });
    out.push({ path: fwnode, bus: 'platform', iortNode: node.offset, attr, device, ret: r.ret });
  }

  for (const spec of desc.devices ?? []) {
    const device = createDevice({ name: spec.path, bus: 'platform', fwNode: spec.path });
    if (spec.initialMask !== undefined)
      device.coherentDmaMask = u64(spec.initialMask, `${spec.path} initialMask`);
    const attr = acpiGetDmaAttr(ns, spec.path, ccaRequired);
    const r = acpiDmaConfigureId(device, attr, null, { ...ctxBase, companion: spec.path });
    const entry: AcpiConfiguredDevice = {
      path: spec.path,
      bus: 'platform',
      attr,
      device,
      ret: r.ret,
    };
    const nc = table?.nodes.find((n) => n.type === 'named-component' && n.deviceName === spec.path);
    if (nc) entry.iortNode = nc.offset;
    if (r.iommu?.properties) entry.properties = r.iommu.properties;
    out.push(entry);
  }

  for (const ep of desc.pci ?? []) {
    const segment = ep.segment ?? 0;
    const rid = endpointRid(ep.bdf, segment);
    const bdf = bdfOfRid(segment, rid);
    const bridge = ep.bridge ?? `\\_SB_.PCI${segment.toString(16).toUpperCase()}`;
    const device = createDevice({
      name: pciDeviceName(bdf),
      bus: 'pci',
      pci: { ...bdf, aliases: ep.aliases ?? [rid] },
    });
    if (ep.initialMask !== undefined)
      device.coherentDmaMask = u64(ep.initialMask, `PCI ${ep.bdf} initialMask`);
    // pci_dma_configure(): the host bridge's companion gives _CCA (and _DMA, by ancestry).
    const attr = acpiGetDmaAttr(ns, bridge, ccaRequired);
    const r = acpiDmaConfigureId(device, attr, null, { ...ctxBase, companion: bridge });
    const entry: AcpiConfiguredDevice = {
      path: pciDevicePath(segment, rid),
      bus: 'pci',
      pciRid: rid,
      attr,
      device,
      ret: r.ret,
    };
    const rc = table ? findRootComplex(table, segment, []) : null;
    if (rc) entry.iortNode = rc.offset;
    out.push(entry);
  }
  return out;
}
