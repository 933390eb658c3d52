// Device creation from the tree as the kernel does it: of_platform_default_populate_init() with
// of_platform_bus_create(), of_amba_device_create(), of_device_make_bus_id(); PCI endpoints found
// under host bridges; and the bus dma_configure() calls (platform/AMBA: own node, force_dma;
// PCI: the host bridge's node, force_dma).
import {
  bdfOfRid,
  createDevice,
  type Device,
  dmaBitMask,
  type KernelLog,
  logErr,
  pciDeviceName,
  pciDevid,
} from '@dmasim/dma-mapping';
import { ofTranslateAddress } from './address.js';
import { isPciBusNode, propertyCells } from './bus.js';
import { ofEarlyInitClaims } from './early-init.js';
import { OF_BAD_ADDR } from './of-bad-addr.js';
import type { OfContext } from './of-context.js';
import { type OfDmaConfigureOptions, ofDmaConfigure } from './of-dma-configure.js';
import {
  type OfPciFunction,
  ofPciEnumerateHost,
  type PciBusRange,
  type PciePortType,
  type PciFunctionHint,
} from './pci-enumerate.js';
import { ofAddressToResource } from './resource.js';
import {
  DtError,
  type DtNode,
  getProperty,
  hasProperty,
  isAvailable,
  isCompatible,
  nodeBaseName,
  readStrings,
  readU32,
} from './tree.js';

/** A device created from a DT node by of_platform_populate(). */
export interface OfPlatformDevice {
  device: Device;
  node: DtNode;
}

/** of_default_bus_match_table (with CONFIG_ARM_AMBA): nodes whose children become devices. */
export const DEFAULT_BUS_COMPATIBLES = ['simple-bus', 'simple-mfd', 'isa', 'arm,amba-bus'];
/** reserved_mem_matches: the /reserved-memory compatibles that get a platform device. */
const RESERVED_MEM_COMPATIBLES = [
  'phram',
  'qcom,rmtfs-mem',
  'qcom,cmd-db',
  'qcom,smem',
  'ramoops',
  'nvmem-rmem',
  'google,open-dice',
];

/**
 * of_device_make_bus_id(): "<translated reg address in hex>.<node name>", prefixed with parent
 * names ("name:...") while the address cannot be translated.
 */
export function ofDeviceMakeBusId(ctx: OfContext, node: DtNode): string {
  let name: string | null = null;
  for (let n: DtNode = node; n.parent; n = n.parent) {
    const reg = getProperty(n, 'reg');
    if (reg) {
      const addr = ofTranslateAddress(ctx, n, propertyCells(reg));
      if (addr !== OF_BAD_ADDR) {
        const here = `${addr.toString(16)}.${nodeBaseName(n)}`;
        return name === null ? here : `${here}:${name}`;
      }
    }
    name = name === null ? n.name : `${n.name}:${name}`;
  }
  return name ?? '';
}

/** Whether any of `compatibles` is among the node's (its `compatible` read once). */
function matchesAny(node: DtNode, compatibles: readonly string[]): boolean {
  const own = readStrings(node, 'compatible');
  return own.length > 0 && compatibles.some((c) => own.includes(c));
}

interface PopulateState {
  ctx: OfContext;
  populated: Set<DtNode>;
  populatedBus: Set<DtNode>;
  devices: OfPlatformDevice[];
  log: KernelLog;
}

// of_platform_device_create_pdata(): a platform device with platform_device_alloc()'s own 32-bit
// dma_mask storage and a 32-bit coherent mask.
function createPlatform(state: PopulateState, node: DtNode): Device | null {
  if (!isAvailable(node) || state.populated.has(node)) return null;
  state.populated.add(node);
  const device = createDevice({
    name: ofDeviceMakeBusId(state.ctx, node),
    bus: 'platform',
    fwNode: node.path,
  });
  device.dmaMask = { kind: 'own', value: dmaBitMask(32) };
  state.devices.push({ device, node });
  return device;
}

// of_amba_device_create(): dma_mask points at the coherent mask; no device without a resource.
function createAmba(state: PopulateState, node: DtNode): void {
  if (!isAvailable(node) || state.populated.has(node)) return;
  state.populated.add(node);
  const res = ofAddressToResource(state.ctx, node, 0);
  if (res.ret) {
    logErr(state.log, `amba: of_address_to_resource() failed (${res.ret}) for ${node.path}`);
    state.populated.delete(node);
    return;
  }
  const device = createDevice({
    name: ofDeviceMakeBusId(state.ctx, node),
    bus: 'amba',
    fwNode: node.path,
  });
  state.devices.push({ device, node });
}

// of_platform_bus_create()
function busCreate(
  state: PopulateState,
  node: DtNode,
  matches: readonly string[],
  strict: boolean,
): void {
  if (strict && !hasProperty(node, 'compatible')) return;
  if (isCompatible(node, 'operating-points-v2')) return;
  if (state.populatedBus.has(node)) return;
  if (isCompatible(node, 'arm,primecell')) {
    createAmba(state, node);
    return;
  }
  const device = createPlatform(state, node);
  if (!device || !matchesAny(node, matches)) return;
  for (const child of node.children) busCreate(state, child, matches, strict);
  state.populatedBus.add(node);
}

export interface OfPopulateOptions {
  /**
   * Nodes early init already marked OF_POPULATED (of_irq_init, of_clk_init); default: those the
   * early-init table claims (ofEarlyInitClaims). They get no device, nor do their children.
   */
  earlyPopulated?: ReadonlySet<DtNode> | ReadonlyMap<DtNode, unknown>;
}

/**
 * of_platform_default_populate_init(): reserved-memory nodes with the listed compatibles, the
 * children of /firmware, the first simple-framebuffer under /chosen, then the root's children
 * (recursing into simple-bus, simple-mfd, isa and arm,amba-bus). Only nodes with `compatible` and
 * an okay `status` that early init did not claim; "arm,primecell" makes AMBA devices. Nodes
 * without `compatible` (and so /reserved-memory, /chosen, /cpus) end the walk. Creation order is
 * the kernel's.
 */
export function ofPlatformPopulate(
  ctx: OfContext,
  log: KernelLog = [],
  options: OfPopulateOptions = {},
): OfPlatformDevice[] {
  const early = options.earlyPopulated ?? ofEarlyInitClaims(ctx, undefined, log);
  const state: PopulateState = {
    ctx,
    populated: new Set(early.keys()),
    populatedBus: new Set(),
    devices: [],
    log,
  };
  for (const node of ctx.nodes) {
    if (matchesAny(node, RESERVED_MEM_COMPATIBLES)) createPlatform(state, node);
  }
  const firmware = ctx.tree.root.children.find((c) => c.name === 'firmware');
  if (firmware) {
    for (const child of firmware.children) busCreate(state, child, [], true);
    state.populatedBus.add(firmware);
  }
  // of_get_compatible_child(of_chosen, "simple-framebuffer"): the first one, available or not.
  const chosen = ctx.tree.root.children.find((c) => c.name === 'chosen' || c.name === 'chosen@0');
  const framebuffer = chosen?.children.find((c) => isCompatible(c, 'simple-framebuffer'));
  if (framebuffer) createPlatform(state, framebuffer);
  for (const child of ctx.tree.root.children)
    busCreate(state, child, DEFAULT_BUS_COMPATIBLES, true);
  return state.devices;
}

/** platform_dma_configure() / amba_dma_configure(): of_dma_configure(dev, dev->of_node, true). */
export function ofPlatformDmaConfigure(
  ctx: OfContext,
  pdev: OfPlatformDevice,
  options: OfDmaConfigureOptions,
): number {
  return ofDmaConfigure(ctx, pdev.device, pdev.node, true, options);
}

/** A PCI function behind a DT-described host bridge. */
export interface OfPciEndpoint {
  device: Device;
  hostBridge: DtNode;
  /** The DT node describing the function (pci_set_of_node), when the tree has one. */
  node: DtNode | null;
  /** Requester ID: bus << 8 | devfn. */
  rid: number;
  /** A bridge's buses as enumeration assigned them; null for endpoints. */
  bridge: PciBusRange | null;
  /** The PCIe port type a DT bridge node implies (see OfPciFunction.port). */
  port: PciePortType | null;
}

/** Nodes that are PCI buses whose parent is not: the host bridges, in tree order. */
export function pciHostBridges(ctx: OfContext): DtNode[] {
  return ctx.nodes.filter((n) => isPciBusNode(n) && !(n.parent && isPciBusNode(n.parent)));
}

/** The PCI domain of a host: linux,pci-domain, else its position among the host bridges. */
export function pciDomainOf(ctx: OfContext, host: DtNode): number {
  return readU32(host, 'linux,pci-domain') ?? Math.max(0, pciHostBridges(ctx).indexOf(host));
}

function pciDevice(
  ctx: OfContext,
  host: DtNode,
  rid: number,
  node: DtNode | null,
  aliases?: number[],
): OfPciEndpoint {
  const bdf = bdfOfRid(pciDomainOf(ctx, host), rid);
  const device = createDevice({
    name: pciDeviceName(bdf),
    bus: 'pci',
    fwNode: node ? node.path : null,
    pci: { ...bdf, aliases: aliases ?? [rid] },
  });
  // pci_setup_device(): dma_mask points at pci_dev's own 32-bit mask.
  device.dmaMask = { kind: 'own', value: dmaBitMask(32) };
  return { device, hostBridge: host, node, rid, bridge: null, port: null };
}

function endpointOf(ctx: OfContext, host: DtNode, fn: OfPciFunction): OfPciEndpoint {
  const ep = pciDevice(ctx, host, pciDevid(fn), fn.node);
  ep.device.log.push(...fn.log);
  return { ...ep, bridge: fn.bridge, port: fn.port };
}

/**
 * A PCI endpoint for every function of every available host bridge: those its child nodes
 * describe (bus numbers from the bridge hierarchy) and those `hints` name (by host node path),
 * each once, in the kernel's enumeration order.
 */
export function ofPciEndpoints(
  ctx: OfContext,
  hints: ReadonlyMap<string, readonly PciFunctionHint[]> = new Map(),
): OfPciEndpoint[] {
  const endpoints: OfPciEndpoint[] = [];
  for (const path of hints.keys()) {
    const host = ctx.byPath.get(path);
    if (!host || !pciHostBridges(ctx).includes(host)) {
      throw new DtError('not a PCI host bridge node', path);
    }
  }
  for (const host of pciHostBridges(ctx)) {
    if (!isAvailable(host) && !hints.has(host.path)) continue;
    const { functions } = ofPciEnumerateHost(host, hints.get(host.path) ?? []);
    for (const fn of functions) endpoints.push(endpointOf(ctx, host, fn));
  }
  return endpoints;
}

/**
 * The PCI function bus:dev.fn under the host bridge at `hostPath`, picking up its DT node when the
 * tree describes it there. `aliases` are its DMA aliases (default: its own RID).
 */
export function createPciEndpoint(
  ctx: OfContext,
  hostPath: string,
  bus: number,
  dev: number,
  fn: number,
  aliases?: number[],
): OfPciEndpoint {
  const host = ctx.byPath.get(hostPath);
  if (!host || !isPciBusNode(host)) throw new DtError('not a PCI host bridge node', hostPath);
  if (bus < 0 || bus > 0xff || dev < 0 || dev > 0x1f || fn < 0 || fn > 7) {
    throw new DtError(`no PCI function ${bus}:${dev}.${fn}`, hostPath);
  }
  const devfn = (dev << 3) | fn;
  const found = ofPciEnumerateHost(host, [{ bus, devfn }]).functions.find(
    (f) => f.bus === bus && f.devfn === devfn,
  );
  const ep = pciDevice(ctx, host, pciDevid({ bus, devfn }), found?.node ?? null, aliases);
  if (found) ep.device.log.push(...found.log);
  return { ...ep, bridge: found?.bridge ?? null, port: found?.port ?? null };
}

/** pci_dma_configure(): of_dma_configure(dev, host bridge node, true). */
export function ofPciDmaConfigure(
  ctx: OfContext,
  endpoint: OfPciEndpoint,
  options: OfDmaConfigureOptions,
): number {
  return ofDmaConfigure(ctx, endpoint.device, endpoint.hostBridge, true, options);
}
