// Composes the OF, arch and IOMMU packages into what the kernel decides for every device of a
// device-tree platform at probe time.
import { archHooks, guessArch } from '@dmasim/arch';
import type {
  ArchDmaHooks,
  ArchName,
  Device,
  KernelRelease,
  LegacyArchArgs,
} from '@dmasim/dma-mapping';
import { kernelRelease } from '@dmasim/dma-mapping';
import {
  createOfContext,
  type DeviceTree,
  type OfContext,
  type OfDmaConfigureOptions,
  type OfIommuDrivers,
  type OfPciEndpoint,
  type OfPlatformDevice,
  ofPciDmaConfigure,
  ofPciEndpoints,
  ofPlatformDmaConfigure,
  ofPlatformPopulate,
  type PciBusRange,
  type PciFunctionHint,
  readStrings,
  walkNodes,
} from '@dmasim/of';

/** A PCI function named on the command line: host bridge node path and bus:dev.fn. */
export interface PciRequest {
  hostPath: string;
  bus: number;
  dev: number;
  fn: number;
  /** Bus numbers firmware programmed into this bridge (platform file). */
  bridge?: PciBusRange;
  /** A bridge the kernel numbers (platform file `pcie:` port kinds). */
  isBridge?: boolean;
}

/** The platform's PCI functions by host node path, as enumeration hints. */
function pciHints(requests: readonly PciRequest[]): Map<string, PciFunctionHint[]> {
  const hints = new Map<string, PciFunctionHint[]>();
  for (const req of requests) {
    const list = hints.get(req.hostPath) ?? [];
    const devfn = (req.dev << 3) | req.fn;
    const hint: PciFunctionHint = { bus: req.bus, devfn };
    if (req.bridge) hint.bridge = req.bridge;
    if (req.isBridge) hint.isBridge = true;
    const same = list.findIndex((h) => h.bus === req.bus && h.devfn === devfn);
    // One function named twice (--pci and the platform file) is one function.
    if (same < 0) list.push(hint);
    else list[same] = { ...list[same], ...hint };
    hints.set(req.hostPath, list);
  }
  return hints;
}

export interface DtInspectOptions {
  arch?: ArchName;
  kernel?: KernelRelease;
  pci?: readonly PciRequest[];
  /** IOMMU node paths whose driver has not registered (their masters defer). */
  iommuNotReady?: readonly string[];
}

/** "/pcie@10000000:00:01.0" → host path and bus/dev/fn. */
export function parsePciRequest(text: string): PciRequest {
  const m = /^(.+):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec(text);
  if (!m) throw new SyntaxError(`--pci wants HOSTPATH:BB:DD.F, got "${text}"`);
  return {
    hostPath: m[1]!,
    bus: Number.parseInt(m[2]!, 16),
    dev: Number.parseInt(m[3]!, 16),
    fn: Number.parseInt(m[4]!, 10),
  };
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

export interface DtPlatform {
  ctx: OfContext;
  arch: ArchName;
  platformDevices: { pdev: OfPlatformDevice; ret: number }[];
  pciDevices: { endpoint: OfPciEndpoint; ret: number }[];
  /** Before 6.10 only: the (dma_base, size, iommu) each device's arch hook was handed. */
  legacyArchArgs: WeakMap<Device, LegacyArchArgs>;
}

/** Create and configure every device the kernel would, in probe order. */
export function configureDtPlatform(tree: DeviceTree, options: DtInspectOptions = {}): DtPlatform {
  const kernel = options.kernel ?? kernelRelease();
  const ctx = createOfContext(tree, kernel);
  const arch = options.arch ?? treeArch(ctx);
  const notReady = new Set(options.iommuNotReady ?? []);
  const iommuDrivers: OfIommuDrivers = {
    state: (node) => (notReady.has(node.path) ? 'not-registered' : 'ready'),
  };
  const legacyArchArgs = new WeakMap<Device, LegacyArchArgs>();
  const configure: OfDmaConfigureOptions = {
    kernel,
    arch: recordingLegacyArgs(archHooks(arch), legacyArchArgs),
    iommuDrivers,
  };
  const platformDevices = ofPlatformPopulate(ctx).map((pdev) => ({
    pdev,
    ret: ofPlatformDmaConfigure(ctx, pdev, configure),
  }));
  const endpoints = ofPciEndpoints(ctx, pciHints(options.pci ?? []));
  const pciDevices = endpoints.map((endpoint) => ({
    endpoint,
    ret: ofPciDmaConfigure(ctx, endpoint, configure),
  }));
  return { ctx, arch, platformDevices, pciDevices, legacyArchArgs };
}
