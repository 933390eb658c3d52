// What the PCI bus scan found behind a host bridge, as the IOMMU core's grouping needs it.
import {
  acsRequestedAtScan,
  type PcieType,
  type PciTopology,
  parseBdf,
  pciDeviceName,
} from '@dmasim/iommu-core';
import type { PciHostSpec } from './firmware.js';

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
  const ridOf = (bdf: string) => {
    const b = parseBdf(bdf);
    return (b.bus << 8) | b.devfn;
  };
  const listed = new Set(devices.map((d) => ridOf(d.bdf)));
  const extra = scanned
    .filter((f) => !listed.has(f.rid))
    .map((f) => ({
      bdf: pciDeviceName({ segment, bus: f.rid >> 8, devfn: f.rid & 0xff }).slice(5),
      ...(f.bridge ? { bridge: f.bridge } : {}),
      ...(f.port ? { pcie: f.port } : {}),
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
    acsRequestedAtScan: acsRequestedAtScan(firmware, iommuPresent),
  };
}
