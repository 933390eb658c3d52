// Device-tree bus and device population (of_platform_populate(), the PCI functions the host
// bridges' scans find) and each device's of_dma_configure(), in probe order.
import {
  type ArchDmaHooks,
  type KernelLog,
  type KernelRelease,
  parseBdf,
} from '@dmasim/dma-mapping';
import {
  type DtNode,
  type OfContext,
  type OfDmaConfigureOptions,
  type OfIommuDrivers,
  type OfPlatformDevice,
  ofPciDmaConfigure,
  ofPciEndpoints,
  ofPlatformDmaConfigure,
  ofPlatformPopulate,
  type PciFunctionHint,
} from '@dmasim/of';
import type { PciHostSpec } from './firmware.js';
import type { ConfiguredDevice } from './machine-device.js';
import { pciDmaAliases, platformFunction } from './pci-topology.js';

export interface OfConfigureOptions {
  kernel: KernelRelease;
  arch: ArchDmaHooks;
  /** IOMMU node paths whose driver has not registered (their masters defer). */
  notReady: ReadonlySet<string>;
  pci: readonly PciHostSpec[];
}

export interface OfConfigured {
  /** Platform and AMBA devices in tree order, then the PCI functions. */
  devices: ConfiguredDevice[];
  /** The same devices in the order they were created and configured (drivers bind in it). */
  probeOrder: ConfiguredDevice[];
  /** dev->of_node of each device that has one: its own node, or a PCI function's child node. */
  ofNodes: Map<ConfiguredDevice, DtNode>;
}

/** Populate and configure every platform, AMBA and PCI device of the tree. */
export function ofConfigureDevices(
  ctx: OfContext,
  options: OfConfigureOptions,
  log: KernelLog,
): OfConfigured {
  const iommuDrivers: OfIommuDrivers = {
    state: (node) => (options.notReady.has(node.path) ? 'not-registered' : 'ready'),
  };
  const configure: OfDmaConfigureOptions = {
    kernel: options.kernel,
    arch: options.arch,
    iommuDrivers,
  };
  const populated = ofPlatformPopulate(ctx, log);
  const parents = new Set(populated.map((p) => p.node.parent));
  const iommuNodes = new Set<string>();
  const ofNodes = new Map<ConfiguredDevice, DtNode>();
  const platform = populated.map((pdev): ConfiguredDevice => {
    const ret = ofPlatformDmaConfigure(ctx, pdev, configure);
    if (pdev.device.fwspec?.hasOps) iommuNodes.add(pdev.device.fwspec.iommuNode);
    const d: ConfiguredDevice = {
      path: pdev.node.path,
      device: pdev.device,
      ret,
      host: null,
      pci: null,
      infrastructure: parents.has(pdev.node),
    };
    ofNodes.set(d, pdev.node);
    return d;
  });

  // The bus scan: the tree's functions and the platform's, bridges numbered as the kernel does.
  const hints = new Map<string, PciFunctionHint[]>();
  for (const host of options.pci) {
    const list = hints.get(host.host) ?? [];
    for (const fn of host.devices) {
      const { bus, devfn } = parseBdf(fn.bdf);
      const hint: PciFunctionHint = { bus, devfn };
      if (fn.bridge) hint.bridge = fn.bridge;
      if (fn.pcie && fn.pcie !== 'endpoint') hint.isBridge = true;
      const same = list.findIndex((h) => h.bus === bus && h.devfn === devfn);
      // One function named twice (--pci and the platform file) is one function.
      if (same < 0) list.push(hint);
      else list[same] = { ...list[same]!, ...hint };
    }
    hints.set(host.host, list);
  }
  const endpoints = ofPciEndpoints(ctx, hints);
  const pci = endpoints.map((endpoint): ConfiguredDevice => {
    const hostSpec = options.pci.find((h) => h.host === endpoint.hostBridge.path);
    const spec = platformFunction(hostSpec, endpoint.rid) ?? null;
    // pci_for_each_dma_alias() over the scanned topology (or the platform's own list).
    if (endpoint.device.pci) {
      const scanned = endpoints
        .filter((e) => e.hostBridge === endpoint.hostBridge)
        .map((e) => ({ rid: e.rid, bridge: e.bridge, port: e.port }));
      endpoint.device.pci.aliases = pciDmaAliases(
        hostSpec,
        endpoint.device.pci.segment,
        scanned,
        endpoint.rid,
      );
    }
    const ret = ofPciDmaConfigure(ctx, endpoint, configure);
    if (endpoint.device.fwspec?.hasOps) iommuNodes.add(endpoint.device.fwspec.iommuNode);
    const d: ConfiguredDevice = {
      path: `pci:${endpoint.device.name}`,
      ...(endpoint.node ? { node: endpoint.node.path } : {}),
      device: endpoint.device,
      ret,
      host: endpoint.hostBridge.path,
      pci: spec,
      bridge: endpoint.bridge,
      port: endpoint.port,
      infrastructure: false,
    };
    if (endpoint.node) ofNodes.set(d, endpoint.node);
    return d;
  });
  // An IOMMU's own platform device is infrastructure too: no workload runs on it.
  for (const d of platform) if (iommuNodes.has(d.path)) d.infrastructure = true;
  return {
    devices: [...inTreeOrder(ctx, populated, platform), ...pci],
    probeOrder: [...platform, ...pci],
    ofNodes,
  };
}

/** The platform devices (one per node, `configured[i]` made from `populated[i]`) in tree order. */
function inTreeOrder(
  ctx: OfContext,
  populated: readonly OfPlatformDevice[],
  configured: readonly ConfiguredDevice[],
): ConfiguredDevice[] {
  const byNode = new Map(populated.map((pdev, i) => [pdev.node, configured[i]!]));
  const out: ConfiguredDevice[] = [];
  for (const node of ctx.nodes) {
    const d = byNode.get(node);
    if (d) out.push(d);
  }
  return out;
}
