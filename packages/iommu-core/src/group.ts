// IOMMU groups: pci_device_group(), generic_device_group() and the drivers' sharing rules, with
// pci_acs_enabled() evaluated against when ACS was requested relative to the PCI bus scan.
import type { Device } from '@dmasim/dma-mapping';
import { DmasimError } from '@dmasim/dma-mapping';
import type { IommuDomain } from './domain.js';
import type { IommuInstance } from './iommu-instance.js';

export type PcieType = 'root-port' | 'endpoint' | 'downstream' | 'upstream' | 'bridge';

/** One function of a PCI topology, as the bus scan found it. */
export interface PciTopologyDevice {
  /** "BB:DD.F" or "SSSS:BB:DD.F". */
  bdf: string;
  /** Bridges: the bus range behind them. */
  bridge?: { secondary: number; subordinate: number };
  /** Has an ACS capability with SV/RR/CR/UF (enabled only if requested before the scan). */
  acs?: boolean;
  /** PCIe port type; absent for conventional PCI. 'bridge' is a PCIe-to-PCI bridge. */
  pcie?: PcieType;
  multifunction?: boolean;
}

export interface PciTopology {
  segment?: number;
  devices: PciTopologyDevice[];
  /**
   * Whether pci_request_acs() had run when the bus was scanned. pci_enable_acs() runs once per
   * function, from pci_acs_init() at enumeration, and does nothing unless ACS was requested.
   * ACPI (iort_enable_acs() for an SMMU node) and x86 (DMAR/IVRS detection) request it before
   * the scan; with a device tree the request comes from of_iommu_configure() when the first PCI
   * driver binds, after the scan, so no bridge found by that scan has ACS enabled.
   */
  acsRequestedAtScan: boolean;
}

/** pci_request_acs() timing by firmware: see PciTopology.acsRequestedAtScan. */
export function acsRequestedAtScan(firmware: 'dt' | 'acpi', iommuPresent: boolean): boolean {
  return firmware === 'acpi' && iommuPresent;
}

export class PciTopologyError extends DmasimError {
  static override readonly code: string = 'PCI_TOPOLOGY';
  constructor(
    readonly bdf: string,
    message: string,
  ) {
    super(`${bdf}: ${message}`);
    this.name = 'PciTopologyError';
  }
}

export interface Bdf {
  segment: number;
  bus: number;
  devfn: number;
}

/** Parse "BB:DD.F" / "SSSS:BB:DD.F" (hex). */
export function parseBdf(text: string, defaultSegment = 0): Bdf {
  const m = /^(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec(text);
  if (!m) throw new PciTopologyError(text, 'not a PCI address (BB:DD.F)');
  const dev = Number.parseInt(m[3]!, 16);
  if (dev > 31) throw new PciTopologyError(text, `device number ${dev} > 31`);
  return {
    segment: m[1] === undefined ? defaultSegment : Number.parseInt(m[1], 16),
    bus: Number.parseInt(m[2]!, 16),
    devfn: (dev << 3) | Number.parseInt(m[4]!, 10),
  };
}

/** dev_name() of a PCI function: "SSSS:BB:DD.F". */
export function pciDeviceName(b: Bdf): string {
  const p2 = (n: number) => n.toString(16).padStart(2, '0');
  return `${b.segment.toString(16).padStart(4, '0')}:${p2(b.bus)}:${p2(b.devfn >> 3)}.${b.devfn & 7}`;
}

export interface IommuGroup {
  /** iommu_group_alloc()'s id: the /sys/kernel/iommu_groups/N directory. */
  id: number;
  /** The instance (node id) of its devices. */
  iommu: string;
  /** dev_name()s in the order they joined. */
  devices: string[];
  defaultDomain: IommuDomain | null;
}

export interface GroupRegistry {
  groups: IommuGroup[];
  /** dev_name → group id. */
  byDevice: Map<string, number>;
  /** dev_name → fwspec IDs, for stream-ID sharing. */
  streamIds: Map<string, { iommu: string; ids: number[] }>;
}

export function newGroupRegistry(): GroupRegistry {
  return { groups: [], byDevice: new Map(), streamIds: new Map() };
}

/** iommu_group_get(): the group a device belongs to, if it was probed. */
export function groupOf(reg: GroupRegistry, devName: string): IommuGroup | null {
  const id = reg.byDevice.get(devName);
  return id === undefined ? null : (reg.groups[id] ?? null);
}

interface TopoNode {
  bdf: Bdf;
  name: string;
  spec: PciTopologyDevice;
}

function indexTopology(topo: PciTopology): Map<string, TopoNode> {
  const map = new Map<string, TopoNode>();
  for (const spec of topo.devices) {
    const bdf = parseBdf(spec.bdf, topo.segment ?? 0);
    const name = pciDeviceName(bdf);
    if (map.has(name)) throw new PciTopologyError(spec.bdf, 'listed twice');
    map.set(name, { bdf, name, spec });
  }
  return map;
}

/** bus->self: the bridge whose secondary bus is `bus`; null on a root bus. */
function busSelf(nodes: Map<string, TopoNode>, segment: number, bus: number): TopoNode | null {
  for (const n of nodes.values()) {
    if (n.bdf.segment === segment && n.spec.bridge?.secondary === bus) return n;
  }
  return null;
}

/** pci_acs_enabled(dev, REQ_ACS_FLAGS) with ACS enabled at scan time only if requested. */
function acsEnabled(node: TopoNode, topo: PciTopology): boolean {
  const flags = (node.spec.acs ?? false) && topo.acsRequestedAtScan;
  switch (node.spec.pcie) {
    case undefined:
    case 'bridge':
      return false;
    case 'root-port':
    case 'downstream':
      return flags;
    case 'endpoint':
    case 'upstream':
      return node.spec.multifunction ? flags : true;
  }
}

/** pci_acs_path_enabled(start, NULL): every device from start up to the root bus isolates. */
function acsPathEnabled(nodes: Map<string, TopoNode>, start: TopoNode, topo: PciTopology): boolean {
  let cur: TopoNode | null = start;
  const seen = new Set<string>();
  while (cur !== null) {
    if (seen.has(cur.name)) throw new PciTopologyError(cur.spec.bdf, 'bridge loop');
    seen.add(cur.name);
    if (!acsEnabled(cur, topo)) return false;
    cur = busSelf(nodes, cur.bdf.segment, cur.bdf.bus);
  }
  return true;
}

/**
 * pci_device_group(): the group a PCI function joins, or null for "allocate a new one".
 * The upstream DMA alias (through PCIe-to-PCI and conventional bridges) is found first, then the
 * walk continues up to the first bridge whose path to the root has ACS; an already-grouped
 * device on the way is joined. Quirk aliases (dev->pci.aliases) and non-isolated functions of a
 * multifunction slot join each other's groups.
 */
export function pciDeviceGroup(reg: GroupRegistry, topo: PciTopology, dev: Device): number | null {
  if (dev.pci === null) throw new PciTopologyError(dev.name, 'not a PCI device');
  const nodes = indexTopology(topo);
  let pdev = nodes.get(
    pciDeviceName({ segment: dev.pci.segment, bus: dev.pci.bus, devfn: dev.pci.devfn }),
  );
  if (pdev === undefined) throw new PciTopologyError(dev.name, 'not in the PCI topology');
  const guard = new Set<string>();
  const step = (n: TopoNode) => {
    if (guard.has(n.name)) throw new PciTopologyError(n.spec.bdf, 'bridge loop');
    guard.add(n.name);
  };

  // pci_for_each_dma_alias(): bridges that take over the requester ID upstream.
  for (let up = busSelf(nodes, pdev.bdf.segment, pdev.bdf.bus); up !== null; ) {
    step(up);
    if (up.spec.pcie === undefined || up.spec.pcie === 'bridge') {
      const existing = groupOf(reg, up.name);
      if (existing) return existing.id;
      pdev = up;
    }
    up = busSelf(nodes, up.bdf.segment, up.bdf.bus);
  }

  // Up to the ACS isolation point.
  guard.clear();
  for (let self = busSelf(nodes, pdev.bdf.segment, pdev.bdf.bus); self !== null; ) {
    step(self);
    if (acsPathEnabled(nodes, self, topo)) break;
    pdev = self;
    const g = groupOf(reg, pdev.name);
    if (g) return g.id;
    self = busSelf(nodes, self.bdf.segment, self.bdf.bus);
  }

  // get_pci_alias_group(): quirk DMA aliases on the same bus, either direction.
  const at: TopoNode = pdev;
  const aliasesOf = (name: string): number[] => {
    if (name === dev.name) return dev.pci?.aliases ?? [];
    return [];
  };
  for (const other of nodes.values()) {
    if (other.name === at.name || other.bdf.bus !== at.bdf.bus) continue;
    if (aliasesOf(at.name).includes((other.bdf.bus << 8) | other.bdf.devfn)) {
      const g = groupOf(reg, other.name);
      if (g) return g.id;
    }
  }

  // get_pci_function_alias_group(): other functions of a slot without isolation.
  if (at.spec.multifunction && !acsEnabled(at, topo)) {
    for (const other of nodes.values()) {
      if (other.name === at.name || other.bdf.bus !== at.bdf.bus) continue;
      if (other.bdf.devfn >> 3 !== at.bdf.devfn >> 3) continue;
      if (!other.spec.multifunction || acsEnabled(other, topo)) continue;
      const g = groupOf(reg, other.name);
      if (g) return g.id;
    }
  }
  return null;
}

function idsOverlap(a: readonly number[], b: readonly number[]): boolean {
  return a.some((id) => b.includes(id));
}

/**
 * The driver's device_group(): PCI functions through pci_device_group(); other devices one
 * group each, one per instance, or shared on colliding stream IDs, per the driver. Adds the
 * device to the group (allocating it with the next id) and returns it.
 */
export function deviceGroup(
  reg: GroupRegistry,
  instance: IommuInstance,
  dev: Device,
  topo: PciTopology | null,
): IommuGroup {
  const existing = groupOf(reg, dev.name);
  if (existing) return existing;
  let id: number | null = null;
  const ids = dev.fwspec?.ids ?? [];
  if (dev.pci !== null) {
    if (topo === null) throw new PciTopologyError(dev.name, 'no PCI topology for a PCI device');
    id = pciDeviceGroup(reg, topo, dev);
  } else if (instance.platformGrouping === 'per-instance') {
    id = reg.groups.find((g) => g.iommu === instance.id)?.id ?? null;
  } else if (instance.platformGrouping === 'by-stream-id') {
    for (const [name, s] of reg.streamIds) {
      if (s.iommu === instance.id && idsOverlap(s.ids, ids)) {
        id = reg.byDevice.get(name) ?? null;
        if (id !== null) break;
      }
    }
  }
  let group: IommuGroup;
  if (id === null) {
    // iommu_group_alloc() takes the lowest free id (ida); a group emptied by a failed probe
    // gives its id back.
    const free = reg.groups.find((g) => g.devices.length === 0 && g.defaultDomain === null);
    if (free) {
      group = free;
      group.iommu = instance.id;
    } else {
      group = { id: reg.groups.length, iommu: instance.id, devices: [], defaultDomain: null };
      reg.groups.push(group);
    }
  } else {
    group = reg.groups[id]!;
  }
  group.devices.push(dev.name);
  reg.byDevice.set(dev.name, group.id);
  reg.streamIds.set(dev.name, { iommu: instance.id, ids: [...ids] });
  return group;
}
