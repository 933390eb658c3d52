// IOMMU groups: pci_device_group(), generic_device_group() and the drivers' sharing rules, with
// pci_acs_enabled() evaluated against when ACS was requested relative to the PCI bus scan.
import { type Device, pciDeviceName } from '@dmasim/dma-mapping';
import type { IommuDomain } from './domain.js';
import type { IommuInstance } from './iommu-instance.js';
import { dmaAliasesOfNode } from './pci-dma-alias.js';
import {
  indexTopology,
  type PciTopology,
  PciTopologyError,
  type TopoNode,
  upstreamBridges,
} from './pci-topology.js';

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

/** pci_acs_enabled(dev, REQ_ACS_FLAGS) with ACS enabled at scan time only if requested. */
function acsEnabled(node: TopoNode, topo: PciTopology): boolean {
  const flags = (node.spec.acs ?? false) && topo.acsRequestedAtScan;
  switch (node.spec.pcie) {
    case undefined:
    case 'bridge':
    case 'pci-pcie-bridge':
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
  if (!acsEnabled(start, topo)) return false;
  for (const up of upstreamBridges(nodes, start)) if (!acsEnabled(up, topo)) return false;
  return true;
}

/** pci_devs_are_dma_aliases(): either one's quirk alias mask holds the other's devfn. */
function devsAreDmaAliases(a: TopoNode, b: TopoNode): boolean {
  return (
    (a.spec.dmaAliases ?? []).includes(b.bdf.devfn) ||
    (b.spec.dmaAliases ?? []).includes(a.bdf.devfn)
  );
}

interface AliasSearch {
  reg: GroupRegistry;
  topo: PciTopology;
  nodes: Map<string, TopoNode>;
  /** The devfns bitmap: visited devfns (by devfn alone, as the kernel's bitmap is). */
  devfns: Set<number>;
}

/** get_pci_alias_group(): an existing group of `pdev` or of a quirk alias, recursively. */
function aliasGroup(s: AliasSearch, pdev: TopoNode): number | null {
  if (s.devfns.has(pdev.bdf.devfn)) return null;
  s.devfns.add(pdev.bdf.devfn);
  const own = groupOf(s.reg, pdev.name);
  if (own) return own.id;
  for (const tmp of s.nodes.values()) {
    if (tmp === pdev || tmp.bdf.segment !== pdev.bdf.segment || tmp.bdf.bus !== pdev.bdf.bus)
      continue;
    if (!devsAreDmaAliases(pdev, tmp)) continue;
    const g = aliasGroup(s, tmp) ?? functionAliasGroup(s, tmp);
    if (g !== null) return g;
  }
  return null;
}

/** get_pci_function_alias_group(): non-isolated functions of the same multifunction slot. */
function functionAliasGroup(s: AliasSearch, pdev: TopoNode): number | null {
  if (!pdev.spec.multifunction || acsEnabled(pdev, s.topo)) return null;
  for (const tmp of s.nodes.values()) {
    if (tmp === pdev || tmp.bdf.segment !== pdev.bdf.segment || tmp.bdf.bus !== pdev.bdf.bus)
      continue;
    if (tmp.bdf.devfn >> 3 !== pdev.bdf.devfn >> 3 || acsEnabled(tmp, s.topo)) continue;
    const g = aliasGroup(s, tmp);
    if (g !== null) return g;
  }
  return null;
}

/**
 * pci_device_group(): the group a PCI function joins, or null for "allocate a new one".
 * pci_for_each_dma_alias() runs first, joining the group of the function or bridge behind any
 * alias; the walk then continues from the last device that took over the requester ID up to the
 * first bridge whose path to the root has ACS, joining a grouped device on the way; last come
 * quirk aliases on the same bus and non-isolated functions of a multifunction slot.
 */
export function pciDeviceGroup(reg: GroupRegistry, topo: PciTopology, dev: Device): number | null {
  if (dev.pci === null) throw new PciTopologyError(dev.name, 'not a PCI device');
  const nodes = indexTopology(topo);
  const self = nodes.get(pciDeviceName(dev.pci));
  if (self === undefined) throw new PciTopologyError(dev.name, 'not in the PCI topology');

  // get_pci_alias_or_group() for every alias: remember its pci_dev, stop at a grouped one.
  let pdev: TopoNode = self;
  for (const alias of dmaAliasesOfNode(nodes, self)) {
    pdev = nodes.get(alias.via)!;
    const g = groupOf(reg, pdev.name);
    if (g) return g.id;
  }

  // Up to the ACS isolation point.
  for (const up of upstreamBridges(nodes, pdev)) {
    if (acsPathEnabled(nodes, up, topo)) break;
    pdev = up;
    const g = groupOf(reg, pdev.name);
    if (g) return g.id;
  }

  const search: AliasSearch = { reg, topo, nodes, devfns: new Set() };
  return aliasGroup(search, pdev) ?? functionAliasGroup(search, pdev);
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
