// pci_for_each_dma_alias() (drivers/pci/search.c): the requester IDs a function's DMA can carry
// when it reaches the root bus, derived from the topology rather than listed by hand.
import { parseBdf, pciDeviceName, pciDevid } from '@dmasim/dma-mapping';
import {
  indexTopology,
  type PciTopology,
  PciTopologyError,
  type TopoNode,
  upstreamBridges,
} from './pci-topology.js';

/** One call of pci_for_each_dma_alias()'s callback: the alias and the pci_dev it is passed. */
export interface PciDmaAlias {
  /** PCI_DEVID(bus, devfn). */
  rid: number;
  /** dev_name() of the device the callback receives: the function itself or a bridge. */
  via: string;
}

/**
 * The aliases in the kernel's order: the function's own RID, its quirk aliases (by devfn, on its
 * bus), then per bridge up to the root bus: PCIe root/switch ports add nothing, a PCIe-to-PCI/X
 * bridge adds (secondary bus, 00.0), a PCI/X-to-PCIe bridge and a conventional bridge add their
 * own RID (a conventional bridge with the PCIE_BRIDGE_ALIAS quirk adds the secondary-bus alias),
 * and a bridge with BRIDGE_XLATE_ROOT ends the walk.
 */
export function dmaAliasesOfNode(nodes: Map<string, TopoNode>, pdev: TopoNode): PciDmaAlias[] {
  const out: PciDmaAlias[] = [{ rid: pciDevid(pdev.bdf), via: pdev.name }];
  for (const devfn of [...new Set(pdev.spec.dmaAliases ?? [])].sort((a, b) => a - b)) {
    out.push({ rid: pciDevid({ bus: pdev.bdf.bus, devfn }), via: pdev.name });
  }
  for (const tmp of upstreamBridges(nodes, pdev)) {
    if (tmp.spec.xlateRoot) break;
    const secondary = tmp.spec.bridge!.secondary;
    const own = pciDevid(tmp.bdf);
    switch (tmp.spec.pcie) {
      case 'root-port':
      case 'upstream':
      case 'downstream':
        continue;
      case 'bridge':
        out.push({ rid: pciDevid({ bus: secondary, devfn: 0 }), via: tmp.name });
        continue;
      case 'pci-pcie-bridge':
        out.push({ rid: own, via: tmp.name });
        continue;
      case 'endpoint':
        // An endpoint cannot own a bus; the kernel's switch has no case for it either.
        continue;
      case undefined:
        out.push({
          rid: tmp.spec.pcieBridgeAlias ? pciDevid({ bus: secondary, devfn: 0 }) : own,
          via: tmp.name,
        });
    }
  }
  return out;
}

/** pci_for_each_dma_alias() for the function `bdf` ("BB:DD.F" or "SSSS:BB:DD.F") of `topo`. */
export function pciForEachDmaAlias(topo: PciTopology, bdf: string): PciDmaAlias[] {
  const nodes = indexTopology(topo);
  const name = pciDeviceName(parseBdf(bdf, topo.segment ?? 0));
  const pdev = nodes.get(name);
  if (!pdev) throw new PciTopologyError(bdf, 'not in the PCI topology');
  return dmaAliasesOfNode(nodes, pdev);
}

/**
 * The requester IDs in visiting order, repeats included (a function at 00.0 right behind a
 * PCIe-to-PCI bridge is visited as itself and as the bridge's alias): what dev->pci.aliases
 * records and what of_pci_iommu_init() / iort_pci_iommu_init() map one by one.
 */
export function pciDmaAliasRids(topo: PciTopology, bdf: string): number[] {
  return pciForEachDmaAlias(topo, bdf).map((a) => a.rid);
}
