// A device-tree platform with its IOMMUs brought up: every PCI function of the platform file (and
// every platform device behind an IOMMU) probed by the IOMMU core, with dma-iommu initialising
// DMA domains through the hook the core calls (iommu_setup_dma_ops, the series' patch 6).

import {
  createIommuDmaDevice,
  getCookie,
  type IommuDmaDevice,
  iommuDmaGetMsiPage,
  iommuDmaInitDomain,
  iommuGetDmaCookie,
  type PciHostBridgeWindows,
} from '@dmasim/dma-iommu';
import {
  addU64,
  type Device,
  type DmaOpsTable,
  dmaBitMask,
  dmaSetMaskAndCoherent,
  type KernelLog,
  kernelRelease,
  logErr,
  subU64,
} from '@dmasim/dma-mapping';
import {
  acsRequestedAtScan,
  createIommuCore,
  type IommuCore,
  type IommuGroup,
  type IommuInstance,
  iommuInstanceFromCompatible,
  iommuProbeDevice,
  iommuSubsysInit,
  type PciTopology,
  parseIommuCmdline,
} from '@dmasim/iommu-core';
import {
  type DeviceTree,
  type DtNode,
  findNodeByPhandle,
  getProperty,
  IORESOURCE_IO,
  isCompatible,
  OF_BAD_ADDR,
  type OfContext,
  type OfPciEndpoint,
  ofAddressToResource,
  ofRanges,
  pciDeviceName,
  readCells,
  readStrings,
} from '@dmasim/of';
import { parseCmdline } from './cmdline.js';
import { configureDtPlatform, type DtInspectOptions, type DtPlatform } from './inspect-dt.js';
import type { PlatformFile, PlatformPciDevice } from './platform-file.js';
import { pciPath } from './report.js';
import { driverMaskOps } from './runtime-ops.js';

export interface IommuPlatformOptions extends DtInspectOptions {
  platformFile?: PlatformFile;
  /** Extra kernel command line, applied after the platform file's. */
  cmdline?: string;
  /**
   * The DMA API the drivers' dma_set_mask_and_coherent() goes through; default: dma-direct on
   * the tree's memory (dma-iommu devices need no ops: every mask is supported).
   */
  dmaOps?: DmaOpsTable;
}

/** One device as the IOMMU core left it. */
export interface ProbedDevice {
  /** The report path: a node path or "pci:SSSS:BB:DD.F". */
  path: string;
  device: Device;
  /** What iommu_probe_device() returned (0 when probed or not behind an IOMMU). */
  ret: number;
  group: IommuGroup | null;
  /** dma-iommu's state for a device in a DMA domain. */
  dmaIommu: IommuDmaDevice | null;
  /** The platform file's entry for a PCI function. */
  pci: PlatformPciDevice | null;
  /** The MSI doorbell as the device writes it (an IOVA in a DMA domain), when it uses MSI. */
  msiAddress: bigint | null;
}

export interface IommuPlatform {
  dt: DtPlatform;
  core: IommuCore;
  /** pr_* lines of the IOMMU core (policy, groups). */
  log: KernelLog;
  devices: ProbedDevice[];
}

/** The IOMMU instance behind every fwspec: one per IOMMU node, by the node's compatible. */
function iommuInstances(ctx: OfContext, devices: readonly Device[]): IommuInstance[] {
  const instances = new Map<string, IommuInstance>();
  for (const dev of devices) {
    const path = dev.fwspec?.hasOps ? dev.fwspec.iommuNode : null;
    if (path === null || instances.has(path)) continue;
    const node = ctx.byPath.get(path);
    const instance = node
      ? iommuInstanceFromCompatible(path, readStrings(node, 'compatible'))
      : null;
    if (instance) instances.set(path, instance);
  }
  return [...instances.values()];
}

/** The host bridge's outbound memory windows and inbound dma-ranges windows. */
export function hostBridgeWindows(ctx: OfContext, host: DtNode): PciHostBridgeWindows {
  const outbound = (ofRanges(ctx, host, 'ranges') ?? [])
    .filter((r) => r.cpuAddr !== OF_BAD_ADDR)
    .map((r) => ({
      cpuStart: r.cpuAddr,
      busStart: r.busAddr,
      size: r.size,
      kind: r.flags & IORESOURCE_IO ? ('io' as const) : ('mem' as const),
    }));
  const inbound = (ofRanges(ctx, host, 'dma-ranges') ?? [])
    .filter((r) => r.cpuAddr !== OF_BAD_ADDR)
    .map((r) => ({ busStart: r.busAddr, size: r.size, cpuStart: r.cpuAddr }));
  return { outbound, inbound };
}

// GICv2m frames take MSIs at MSI_SETSPI_NS (0x40); GICv3 ITSes at GITS_TRANSLATER (0x10040).
const DOORBELL_OFFSETS: [string, bigint][] = [
  ['arm,gic-v2m-frame', 0x40n],
  ['arm,gic-v3-its', 0x10040n],
];

/** The MSI controller a host bridge's functions write to: msi-map's first target, or msi-parent. */
export function msiDoorbell(ctx: OfContext, host: DtNode): bigint | null {
  const prop = getProperty(host, 'msi-map') ?? getProperty(host, 'msi-parent');
  if (!prop || prop.value.length < 4) return null;
  const cells = readCells(host, prop);
  const phandle = prop.name === 'msi-map' ? cells[1] : cells[0];
  const controller = phandle === undefined ? undefined : findNodeByPhandle(ctx, phandle);
  if (!controller) return null;
  const offset = DOORBELL_OFFSETS.find(([c]) => isCompatible(controller, c))?.[1];
  const res = ofAddressToResource(ctx, controller, 0);
  return offset === undefined || !res.resource ? null : res.resource.start + offset;
}

function pciTopologyOf(
  platformFile: PlatformFile | undefined,
  host: string,
  segment: number,
  described: readonly OfPciEndpoint[] = [],
): PciTopology {
  const devices = platformFile?.pci.find((h) => h.host === host)?.devices ?? [];
  const rid = (d: { bus: number; dev: number; fn: number }) => (d.bus << 8) | (d.dev << 3) | d.fn;
  // Functions the tree describes but the platform file does not: on their bus, with the buses
  // enumeration gave the bridges among them.
  const extra = described
    .filter((e) => !devices.some((d) => rid(d) === e.rid))
    .map((e) => ({
      bdf: pciDeviceName(segment, e.rid).slice(5),
      ...(e.bridge ? { bridge: e.bridge } : {}),
      ...(e.port ? { pcie: e.port } : {}),
    }));
  return {
    segment,
    devices: [
      ...devices.map((d) => ({
        bdf: d.bdf,
        ...(d.bridge ? { bridge: d.bridge } : {}),
        ...(d.acs !== undefined ? { acs: d.acs } : {}),
        ...(d.pcie ? { pcie: d.pcie } : {}),
      })),
      ...extra,
    ],
    acsRequestedAtScan: acsRequestedAtScan('dt', true),
  };
}

/** Configure the tree, then probe every device behind an IOMMU as its driver binds. */
export function buildIommuPlatform(
  tree: DeviceTree,
  options: IommuPlatformOptions = {},
): IommuPlatform {
  const file = options.platformFile;
  const pciRequests = (file?.pci ?? []).flatMap((h) =>
    h.devices.map((d) => ({
      hostPath: h.host,
      bus: d.bus,
      dev: d.dev,
      fn: d.fn,
      ...(d.bridge ? { bridge: d.bridge } : {}),
      ...(d.pcie && d.pcie !== 'endpoint' ? { isBridge: true } : {}),
    })),
  );
  const dt = configureDtPlatform(tree, {
    ...options,
    pci: [...(options.pci ?? []), ...pciRequests],
  });
  const cmdlineText = `${file?.cmdlineText ?? ''} ${options.cmdline ?? ''}`;
  const log: KernelLog = [];
  const policy = iommuSubsysInit(parseIommuCmdline(cmdlineText), log);
  const forcedac = parseCmdline(cmdlineText).iommuForceDac ?? false;
  const allDevices = [
    ...dt.platformDevices.map((p) => p.pdev.device),
    ...dt.pciDevices.map((p) => p.endpoint.device),
  ];
  const core = createIommuCore(policy, iommuInstances(dt.ctx, allDevices), log);
  const dmaDevices = new Map<Device, IommuDmaDevice>();
  const probe = (
    dev: Device,
    topology: PciTopology | null,
    hostBridge: PciHostBridgeWindows | null,
  ) =>
    iommuProbeDevice(core, { dev, driverBound: true, pciTopology: topology }, (d, domain) => {
      const ddev = createIommuDmaDevice({
        dev: d,
        domain,
        resvRegions: core.deviceResv.get(d.name) ?? [],
        hostBridge,
      });
      dmaDevices.set(d, ddev);
      // iommu_dma_init_domain() on the cookie the core made when it allocated the DMA domain;
      // the core itself sets dev->dma_iommu and reports a failure.
      if (!getCookie(domain)) iommuGetDmaCookie(domain);
      ddev.pci32BitWorkaround = d.bus === 'pci' && !forcedac;
      const kernel = options.kernel ?? kernelRelease();
      const legacy = dt.legacyArchArgs.get(d);
      if (!kernel.has('iommu-dma-limit-checks-self-contained') && legacy) {
        const dmaLimit = subU64(addU64(legacy.dmaBase, legacy.size), 1n);
        return iommuDmaInitDomain(ddev, { kernel, legacy: { dmaBase: legacy.dmaBase, dmaLimit } });
      }
      return iommuDmaInitDomain(ddev, { kernel });
    });

  const devices: ProbedDevice[] = [];
  let dmaOps: DmaOpsTable | undefined;
  for (const { pdev, ret } of dt.platformDevices) {
    if (ret !== 0 || !pdev.device.fwspec) continue;
    const r = probe(pdev.device, null, null);
    devices.push({
      path: pdev.node.path,
      device: pdev.device,
      ret: r.ret,
      group: r.group,
      dmaIommu: dmaDevices.get(pdev.device) ?? null,
      pci: null,
      msiAddress: null,
    });
  }
  for (const { endpoint, ret } of dt.pciDevices) {
    const dev = endpoint.device;
    const segment = dev.pci?.segment ?? 0;
    const hostPath = endpoint.hostBridge.path;
    const entry =
      file?.pci
        .find((h) => h.host === hostPath)
        ?.devices.find((d) => ((d.bus << 8) | (d.dev << 3) | d.fn) === endpoint.rid) ?? null;
    const bound = entry?.driver ?? true;
    const r =
      ret === 0 && bound
        ? probe(
            dev,
            pciTopologyOf(
              file,
              hostPath,
              segment,
              dt.pciDevices
                .filter((p) => p.endpoint.hostBridge === endpoint.hostBridge)
                .map((p) => p.endpoint),
            ),
            hostBridgeWindows(dt.ctx, endpoint.hostBridge),
          )
        : { ret: 0, group: null };
    const ddev = dmaDevices.get(dev) ?? null;
    // The driver's probe: its mask request (a refusal aborts the probe), then MSI setup.
    let probing = bound;
    if (entry?.driverMask !== undefined && bound) {
      dmaOps ??= options.dmaOps ?? driverMaskOps(tree, dt.arch, cmdlineText, options.kernel);
      if (dmaSetMaskAndCoherent(dmaOps, dev, dmaBitMask(entry.driverMask)) !== 0) {
        // The -EIO of dma_set_mask_and_coherent(), as e1000e/igb/ixgbe report it.
        logErr(dev.log, 'No usable DMA configuration, aborting');
        probing = false;
      }
    }
    let msiAddress: bigint | null = null;
    const doorbell = entry?.msi && probing ? msiDoorbell(dt.ctx, endpoint.hostBridge) : null;
    if (doorbell !== null) {
      msiAddress = ddev ? (iommuDmaGetMsiPage(ddev, doorbell)?.iova ?? null) : doorbell;
    }
    devices.push({
      path: pciPath(segment, endpoint.rid),
      device: dev,
      ret: r.ret,
      group: r.group,
      dmaIommu: ddev,
      pci: entry,
      msiAddress,
    });
  }
  return { dt, core, log, devices };
}
