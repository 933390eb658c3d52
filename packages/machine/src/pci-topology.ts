// What the PCI bus scan found behind a host bridge, as the IOMMU core's grouping needs it.
import { bdfOfRid, formatBdf, parseBdf, pciDevid } from '@dmasim/dma-mapping';
import {
  acsRequestedAtScan,
  type PcieType,
  type PciTopology,
  pciDmaAliasRids,
} from '@dmasim/iommu-core';
import type { PciFunctionSpec, PciHostSpec } from './firmware.js';

/** The requester ID a platform file's "BB:DD.F" names. */
export function ridOf(bdf: string): number {
  return pciDevid(parseBdf(bdf));
}

/** The platform's entry for the function with requester ID `rid`. */
export function platformFunction(
  host: PciHostSpec | undefined,
  rid: number,
): PciFunctionSpec | undefined {
  return host?.devices.find((d) => ridOf(d.bdf) === rid);
}

/** A function the bus scan found: its RID and, for a bridge, the buses enumeration gave it. */
export interface ScannedFunction {
  rid: number;
  bridge?: { secondary: number; subordinate: number } | null;
  port?: PcieType | null;
}

/**
 * The topology of one host bridge: the platform's functions (bridges, ACS, port types), plus
 * functions the firmware describes that the platform does not (with the buses enumeration gave
 * the bridges among them).
 */
export function pciTopology(
  host: PciHostSpec | undefined,
  segment: number,
  scanned: readonly ScannedFunction[],
  firmware: 'dt' | 'acpi',
  iommuPresent: boolean,
): PciTopology {
  const devices = host?.devices ?? [];
  const listed = new Set(devices.map((d) => ridOf(d.bdf)));
  const extra = scanned
    .filter((f) => !listed.has(f.rid))
    .map((f) => ({
      bdf: formatBdf(bdfOfRid(segment, f.rid)),
      ...(f.bridge ? { bridge: f.bridge } : {}),
      ...(f.port ? { pcie: f.port } : {}),
    }));
  return {
    segment,
    devices: [
      ...devices.map((d) => {
        // Bus numbers the platform leaves out are those enumeration assigned.
        const bridge = d.bridge ?? scanned.find((f) => f.rid === ridOf(d.bdf))?.bridge;
        return {
          bdf: d.bdf,
          ...(bridge ? { bridge } : {}),
          ...(d.acs !== undefined ? { acs: d.acs } : {}),
          ...(d.pcie ? { pcie: d.pcie } : {}),
          ...(d.dmaAliases ? { dmaAliases: d.dmaAliases } : {}),
          ...(d.pcieBridgeAlias ? { pcieBridgeAlias: true } : {}),
        };
      }),
      ...extra,
    ],
    acsRequestedAtScan: acsRequestedAtScan(firmware, iommuPresent),
  };
}

/**
 * pci_for_each_dma_alias() for `rid` in its host's topology: what dev->pci.aliases holds and the
 * firmware code maps to stream IDs. A platform's hand-written `aliases` win.
 */
export function pciDmaAliases(
  host: PciHostSpec | undefined,
  segment: number,
  scanned: readonly ScannedFunction[],
  rid: number,
): number[] {
  const bdf = formatBdf(bdfOfRid(segment, rid));
  const listed = platformFunction(host, rid);
  if (listed?.aliases) return [...listed.aliases];
  const functions = scanned.some((f) => f.rid === rid) ? scanned : [...scanned, { rid }];
  // ACS timing does not matter to aliases.
  const topo = pciTopology(host, segment, functions, 'dt', false);
  return pciDmaAliasRids(topo, bdf);
}
