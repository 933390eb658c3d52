// The PCI topology the bus scan leaves (struct pci_dev / struct pci_bus as the IOMMU code reads
// them): functions by bus:devfn, the bridge that owns each secondary bus (bus->self), and the
// per-device flags that DMA aliasing and ACS look at.
import { type Bdf, DmasimError, parseBdf, pciDeviceName } from '@dmasim/dma-mapping';

export type PcieType =
  | 'root-port'
  | 'endpoint'
  | 'downstream'
  | 'upstream'
  /** PCI_EXP_TYPE_PCI_BRIDGE: a PCIe-to-PCI/PCI-X bridge. */
  | 'bridge'
  /** PCI_EXP_TYPE_PCIE_BRIDGE: a PCI/PCI-X-to-PCIe bridge. */
  | 'pci-pcie-bridge';

/** One function of a PCI topology, as the bus scan found it. */
export interface PciTopologyDevice {
  /** "BB:DD.F" or "SSSS:BB:DD.F". */
  bdf: string;
  /** Bridges: the bus range behind them. */
  bridge?: { secondary: number; subordinate: number };
  /** Has an ACS capability with SV/RR/CR/UF (enabled only if requested before the scan). */
  acs?: boolean;
  /** PCIe port type; absent for conventional PCI and PCI-X. */
  pcie?: PcieType;
  multifunction?: boolean;
  /** Quirk DMA aliases (pci_add_dma_alias(), dev->dma_alias_mask): devfns on the same bus. */
  dmaAliases?: number[];
  /** PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS: a conventional bridge that aliases like a PCIe-to-PCI one. */
  pcieBridgeAlias?: boolean;
  /** PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT: the IOMMU sees requester IDs below this bridge as they are. */
  xlateRoot?: boolean;
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

/** A function of the topology with its parsed address and dev_name(). */
export interface TopoNode {
  bdf: Bdf;
  name: string;
  spec: PciTopologyDevice;
}

/** The topology indexed by dev_name(); a function listed twice is a typed error. */
export function indexTopology(topo: PciTopology): Map<string, TopoNode> {
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
export function busSelf(
  nodes: Map<string, TopoNode>,
  segment: number,
  bus: number,
): TopoNode | null {
  for (const n of nodes.values()) {
    if (n.bdf.segment === segment && n.spec.bridge?.secondary === bus) return n;
  }
  return null;
}

/** The bridges from `start`'s bus up to the root bus, each once (a loop is a typed error). */
export function* upstreamBridges(
  nodes: Map<string, TopoNode>,
  start: TopoNode,
): Generator<TopoNode> {
  const seen = new Set<string>([start.name]);
  for (let up = busSelf(nodes, start.bdf.segment, start.bdf.bus); up !== null; ) {
    if (seen.has(up.name)) throw new PciTopologyError(up.spec.bdf, 'bridge loop');
    seen.add(up.name);
    yield up;
    up = busSelf(nodes, up.bdf.segment, up.bdf.bus);
  }
}
