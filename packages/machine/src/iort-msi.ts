// The MSI doorbell of an ACPI PCI function: its RID mapped through the IORT to an ITS group
// (iort_msi_map_id()), whose ITS the MADT places; the device writes GITS_TRANSLATER.
import { findRootComplex, IORT_MSI_TYPE, type IortTable, iortNodeMapId } from '@dmasim/acpi-iort';
import { type Device, pciDevid } from '@dmasim/dma-mapping';
import type { GicIts } from './firmware.js';

const GITS_TRANSLATER = 0x10040n;

export function iortMsiDoorbell(
  table: IortTable | null,
  its: readonly GicIts[],
  dev: Device,
): bigint | null {
  if (!table || !dev.pci) return null;
  const rc = findRootComplex(table, dev.pci.segment, []);
  if (!rc) return null;
  const rid = pciDevid(dev.pci);
  const { node } = iortNodeMapId(table, rc, rid, IORT_MSI_TYPE, []);
  if (node?.type !== 'its-group') return null;
  const base = its.find((i) => i.id === node.identifiers[0])?.base;
  return base === undefined ? null : base + GITS_TRANSLATER;
}
