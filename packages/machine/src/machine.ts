// bootMachine(): the kernel's boot as one pipeline, the same for both firmware kinds after the
// firmware step. Stage order follows the kernel's: command line and mm init (memblock, zones,
// CMA, swiotlb), iommu_subsys_init(), IOMMU driver probe, bus and device population with
// of_dma_configure()/acpi_dma_configure(), then each driver's bind: iommu_probe_device() with
// its group and default domain, the driver's DMA mask and its MSIs.

import { iortIommuGetResvRegions } from '@dmasim/acpi-iort';
import { archHooks, guessArch } from '@dmasim/arch';
import type { DirectPlatform } from '@dmasim/dma-direct';
import { type IommuDmaDevice, iommuDmaGetMsiPage } from '@dmasim/dma-iommu';
import {
  type ArchDmaHooks,
  type ArchName,
  type Device,
  type DmaOpsTable,
  dmaBitMask,
  dmaSetMaskAndCoherent,
  type KernelLog,
  type KernelRelease,
  kernelRelease,
  type LegacyArchArgs,
  type LogLevel,
  logErr,
  pciDevid,
} from '@dmasim/dma-mapping';
import {
  createIommuCore,
  type IommuCore,
  type IommuInstance,
  iommuSubsysInit,
} from '@dmasim/iommu-core';
import {
  createOfContext,
  type DtNode,
  type OfContext,
  ofIommuGetResvRegions,
  readStrings,
  walkNodes,
  withBootloaderMemory,
} from '@dmasim/of';
import { acpiConfigureDevices, acpiPciHosts, defaultHostBridge } from './acpi-configure.js';
import { joinCmdlines, type KernelCmdline, parseKernelCmdline } from './cmdline.js';
import { machineDmaOps } from './dma-ops.js';
import type { FirmwareReservation } from './dt-memory.js';
import type { Firmware, PciHostSpec, PlatformDescription } from './firmware.js';
import { dtIommuInstances, iortIommuInstances } from './iommu-drivers.js';
import { type IommuProbeContext, iommuProbe } from './iommu-probe.js';
import { iortMsiDoorbell } from './iort-msi.js';
import type { ConfiguredDevice, MachineDevice } from './machine-device.js';
import { bootMemory } from './memory.js';
import { ofConfigureDevices } from './of-configure.js';
import { hostBridgeWindows, msiDoorbell } from './of-pci-host.js';
import { pciTopology, platformFunction, ridOf, type ScannedFunction } from './pci-topology.js';

/** A PCI function asked for on top of the platform description (e.g. `--pci`). */
export interface PciRequest {
  /** DT host bridge node path; for ACPI, the host bridge path (default: the segment's). */
  host?: string;
  /** ACPI: the PCI segment. */
  segment?: number;
  bdf: string;
}

export interface BootOptions {
  /** Default: kernelRelease(), the 6.12 LTS. */
  kernel?: KernelRelease;
  /** Default: from the tree's compatibles (DT), arm64 (ACPI). */
  arch?: ArchName;
  /** Kernel command line, after the platform's own. */
  cmdline?: string;
  platform?: PlatformDescription;
  pci?: readonly PciRequest[];
  /** IOMMUs (DT node paths, IORT fwnodes "iort@0x48") whose driver has not registered. */
  iommuNotReady?: readonly string[];
}

/** One line of the kernel log; `device` is the dev_name() of dev_* messages. */
export interface MachineLogEntry {
  level: LogLevel;
  msg: string;
  device?: string;
}

export interface Machine {
  kernel: KernelRelease;
  arch: ArchName;
  firmware: Firmware['kind'];
  cmdline: KernelCmdline;
  /** memblock, zones, CMA, swiotlb and the page allocator; null when no RAM is described. */
  memory: DirectPlatform | null;
  /** memblock reservations firmware asked for: /memreserve/, reserved-memory (CMA included). */
  reserved: FirmwareReservation[];
  /** num_possible_cpus() */
  cpus: number;
  /** The IOMMU subsystem: policy, registered instances, groups and their default domains. */
  iommu: IommuCore;
  /** DT: platform and AMBA devices in tree order, then PCI. ACPI: SMMUs, ACPI devices, PCI. */
  devices: MachineDevice[];
  /** The DMA API's implementations: dma-direct on the memory, dma-iommu for DMA domains. */
  dmaOps: DmaOpsTable;
  /** The kernel log in boot order. */
  log: MachineLogEntry[];
  /** DT only: the parsed tree's context. */
  of: OfContext | null;
}

/** The arch a tree implies: root and CPU compatibles, else arm64. */
export function treeArch(ctx: OfContext): ArchName {
  const compatibles: string[] = [...readStrings(ctx.tree.root, 'compatible')];
  const cpus = ctx.tree.root.children.find((c) => c.name === 'cpus');
  if (cpus) for (const cpu of walkNodes(cpus)) compatibles.push(...readStrings(cpu, 'compatible'));
  return guessArch(compatibles);
}

// Before 6.10 the arm64 hook handed this window on to iommu_setup_dma_ops(); keep it for that step.
function recordingLegacyArgs(
  hooks: ArchDmaHooks,
  into: WeakMap<Device, LegacyArchArgs>,
): ArchDmaHooks {
  return {
    arch: hooks.arch,
    defaultCoherent: hooks.defaultCoherent,
    setupDmaOps(dev, coherent, legacy) {
      if (legacy) into.set(dev, legacy);
      hooks.setupDmaOps(dev, coherent, legacy);
    },
  };
}

/** The platform's PCI hosts with the requested functions added (driver bound, nothing else). */
function withPciRequests(
  hosts: readonly PciHostSpec[],
  requests: readonly PciRequest[],
  acpi: boolean,
): PciHostSpec[] {
  const out = hosts.map((h) => ({ ...h, devices: [...h.devices] }));
  for (const req of requests) {
    const segment = req.segment ?? 0;
    const hostPath =
      req.host ??
      (acpi
        ? (out.find((h) => (h.segment ?? 0) === segment)?.host ?? defaultHostBridge(segment))
        : undefined);
    if (hostPath === undefined) continue;
    let host = out.find((h) => h.host === hostPath);
    if (!host) {
      host = { host: hostPath, ...(acpi ? { segment } : {}), devices: [] };
      out.push(host);
    }
    if (!platformFunction(host, ridOf(req.bdf))) host.devices.push({ bdf: req.bdf });
  }
  return out;
}

/**
 * A configured device as the bind stage starts on it. Fields are copied one by one: spreading
 * the differently shaped devices of a large tree was one of the boot's slowest steps.
 */
function unboundDevice(d: ConfiguredDevice, driverBound: boolean | null): MachineDevice {
  const m: MachineDevice = {
    path: d.path,
    device: d.device,
    ret: d.ret,
    host: d.host,
    pci: d.pci,
    infrastructure: d.infrastructure,
    driverBound,
    iommuRet: 0,
    group: null,
    dmaIommu: null,
    msiAddress: null,
  };
  if (d.node !== undefined) m.node = d.node;
  if (d.bridge !== undefined) m.bridge = d.bridge;
  if (d.port !== undefined) m.port = d.port;
  return m;
}

/**
 * Each host bridge's PCI functions in probe order: the topology a function's IOMMU probe walks
 * for its DMA aliases. Gathered once, not per probed device, which made large trees quadratic.
 */
function pciFunctionsByHost(
  probeOrder: readonly ConfiguredDevice[],
): Map<string | null, ScannedFunction[]> {
  const byHost = new Map<string | null, ScannedFunction[]>();
  for (const o of probeOrder) {
    if (!o.device.pci) continue;
    const list = byHost.get(o.host) ?? [];
    byHost.set(o.host, list);
    list.push({
      rid: pciDevid(o.device.pci),
      bridge: o.bridge ?? null,
      port: o.port ?? null,
    });
  }
  return byHost;
}

function appendDeviceLogs(log: MachineLogEntry[], devices: readonly ConfiguredDevice[]) {
  for (const d of devices) {
    for (const e of d.device.log) log.push({ level: e.level, msg: e.msg, device: d.device.name });
  }
}

/** Boot `firmware` with `options`: every stage in the kernel's order, one Machine out. */
export function bootMachine(firmware: Firmware, options: BootOptions = {}): Machine {
  const kernel = options.kernel ?? kernelRelease();
  const platform = options.platform ?? {};
  const log: MachineLogEntry[] = [];
  // Boot-time pr_* lines, and the IOMMU core's own (it keeps appending as devices probe).
  const klog: KernelLog = [];
  const iommuLog: KernelLog = [];
  let iommuSeen = 0;
  const flush = () => {
    for (const e of klog.splice(0)) log.push(e);
    for (const e of iommuLog.slice(iommuSeen)) log.push(e);
    iommuSeen = iommuLog.length;
  };
  // The bootloader writes the RAM it found into /memory before the kernel reads the tree.
  if (firmware.kind === 'device-tree' && platform.memory?.length) {
    firmware = { ...firmware, tree: withBootloaderMemory(firmware.tree, platform.memory) };
  }
  const of = firmware.kind === 'device-tree' ? createOfContext(firmware.tree, kernel) : null;
  const arch = options.arch ?? (of ? treeArch(of) : 'arm64');
  if (firmware.kind === 'acpi') for (const e of firmware.iortLog ?? []) klog.push(e);

  // setup_arch(): early params, then memblock, zones, CMA and swiotlb.
  const cmdline = parseKernelCmdline(joinCmdlines(platform.cmdline, options.cmdline), klog);
  const { memory, cpus, reserved } = bootMemory(firmware, {
    arch,
    kernel,
    platformMemory: platform.memory,
    swiotlb: cmdline.swiotlb,
    log: klog,
    ...(of ? { ofContext: of } : {}),
  });
  flush();

  // iommu_subsys_init() (subsys_initcall), then the IOMMU drivers register.
  const policy = iommuSubsysInit(cmdline.iommu, iommuLog);
  const notReady = new Set(options.iommuNotReady ?? []);
  const instances: IommuInstance[] =
    firmware.kind === 'device-tree'
      ? dtIommuInstances(firmware.tree, notReady, klog)
      : arch === 'arm64'
        ? iortIommuInstances(firmware.iort, notReady, klog)
        : [];
  const core = createIommuCore(policy, instances, iommuLog);
  flush();

  // Bus and device population, each device's dma_configure.
  const legacyArchArgs = new WeakMap<Device, LegacyArchArgs>();
  const hooks = recordingLegacyArgs(archHooks(arch), legacyArchArgs);
  const acpi = firmware.kind === 'acpi';
  const pciHosts = withPciRequests(
    firmware.kind === 'acpi' ? acpiPciHosts(firmware, platform.pci) : (platform.pci ?? []),
    options.pci ?? [],
    acpi,
  );
  let devices: ConfiguredDevice[];
  let probeOrder: ConfiguredDevice[];
  let ofNodes = new Map<ConfiguredDevice, DtNode>();
  if (firmware.kind === 'device-tree') {
    const r = ofConfigureDevices(of!, { kernel, arch: hooks, notReady, pci: pciHosts }, klog);
    devices = r.devices;
    probeOrder = r.probeOrder;
    ofNodes = r.ofNodes;
  } else {
    devices = acpiConfigureDevices(firmware, { kernel, arch: hooks, notReady, pci: pciHosts });
    probeOrder = devices;
  }
  flush();

  // Driver bind: iommu_probe_device(), then the driver's mask and MSI setup.
  const dmaIommu = new Map<Device, IommuDmaDevice>();
  const dmaOps = machineDmaOps(memory, (dev) => dmaIommu.get(dev) ?? null);
  const probeCtx: IommuProbeContext = {
    core,
    kernel,
    forcedac: cmdline.forcedac,
    legacyArchArgs,
    log: iommuLog,
  };
  const machineDevices = new Map<ConfiguredDevice, MachineDevice>();
  const pciSiblings = pciFunctionsByHost(probeOrder);
  for (const d of probeOrder) {
    const isPci = d.device.bus === 'pci';
    const bound = isPci ? (d.pci?.driver ?? true) : null;
    const m = unboundDevice(d, bound);
    machineDevices.set(d, m);
    const probeIt = isPci ? d.ret === 0 && bound === true : d.ret === 0 && d.device.fwspec !== null;
    if (probeIt) {
      const segment = d.device.pci?.segment ?? 0;
      const hostSpec = pciHosts.find((h) => h.host === d.host);
      const hostNode = of && d.host ? of.byPath.get(d.host) : undefined;
      const r = iommuProbe(probeCtx, {
        dev: d.device,
        pciTopology: isPci
          ? pciTopology(
              hostSpec,
              segment,
              pciSiblings.get(d.host) ?? [],
              acpi ? 'acpi' : 'dt',
              instances.length > 0,
            )
          : null,
        hostBridge: hostNode ? hostBridgeWindows(of!, hostNode) : null,
        firmwareResv:
          firmware.kind === 'acpi'
            ? firmware.iort && arch === 'arm64'
              ? iortIommuGetResvRegions(firmware.iort, d.device, {
                  preserveConfig: hostSpec?.preserveConfig ?? false,
                  itsBase: (id) => firmware.its?.find((i) => i.id === id)?.base,
                })
              : []
            : // of_iommu_get_resv_regions() on dev->of_node (a PCI function's DT child node).
              kernel.has('of-iommu-addresses-resv-regions')
              ? ofIommuGetResvRegions(
                  of!,
                  ofNodes.get(d) ?? null,
                  { defaultCoherent: hooks.defaultCoherent },
                  d.device.log,
                )
              : [],
      });
      m.iommuRet = r.ret;
      m.group = r.group;
      m.dmaIommu = r.dmaIommu;
      if (r.dmaIommu) dmaIommu.set(d.device, r.dmaIommu);
    }
    if (!isPci || !bound || !d.pci) continue;
    // The driver's probe: its mask request (a refusal aborts the probe), then MSI setup.
    if (d.pci.driverMask !== undefined) {
      if (dmaSetMaskAndCoherent(dmaOps, d.device, dmaBitMask(d.pci.driverMask)) !== 0) {
        // The -EIO of dma_set_mask_and_coherent(), as e1000e/igb/ixgbe report it.
        logErr(d.device.log, 'No usable DMA configuration, aborting');
        continue;
      }
    }
    if (!d.pci.msi) continue;
    const doorbell =
      firmware.kind === 'acpi'
        ? iortMsiDoorbell(firmware.iort, firmware.its ?? [], d.device)
        : dtMsiDoorbell(of!, d.host);
    if (doorbell === null) continue;
    m.msiAddress = m.dmaIommu ? (iommuDmaGetMsiPage(m.dmaIommu, doorbell)?.iova ?? null) : doorbell;
  }
  flush();
  appendDeviceLogs(log, devices);
  return {
    kernel,
    arch,
    firmware: firmware.kind,
    cmdline,
    memory,
    reserved,
    cpus,
    iommu: core,
    devices: devices.map((d) => machineDevices.get(d)!),
    dmaOps,
    log,
    of,
  };
}

function dtMsiDoorbell(of: OfContext, host: string | null): bigint | null {
  const node = host ? of.byPath.get(host) : undefined;
  return node ? msiDoorbell(of, node) : null;
}

/** A device by its report path or its kernel name. */
export function findDevice(machine: Machine, name: string): MachineDevice | null {
  return machine.devices.find((d) => d.path === name || d.device.name === name) ?? null;
}
