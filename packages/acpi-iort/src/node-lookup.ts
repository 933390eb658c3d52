// Node lookup: iort_scan_node() with the NC / RC match callbacks, and iort_find_dev_node().
import { type Device, type KernelLog, logWarn } from '@dmasim/dma-mapping';
import {
  type IortKnownNodeType,
  type IortNode,
  type IortTable,
  type NamedComponentNode,
  nodeAt,
  parseIortFwnodeName,
  type RootComplexNode,
} from './iort-model.js';
import { NODE_POINTER_OVERFLOW } from './iort-reader.js';

/**
 * iort_scan_node(): the first node of `type` the callback accepts. When the walk runs off the end
 * of the table before node_count nodes were seen, WARN_TAINT fires and the scan returns NULL.
 */
export function iortScanNode<T extends IortKnownNodeType>(
  table: IortTable,
  type: T,
  match: (node: Extract<IortNode, { type: T }>) => boolean,
  log: KernelLog,
): Extract<IortNode, { type: T }> | null {
  for (const node of table.nodes) {
    if (node.type === type && match(node as Extract<IortNode, { type: T }>)) {
      return node as Extract<IortNode, { type: T }>;
    }
  }
  if (table.nodeCount > table.nodes.length) logWarn(log, NODE_POINTER_OVERFLOW);
  return null;
}

/**
 * The NC whose device_name is string-equal to the device's ACPI full path name
 * (iort_match_node_callback()). `acpiPath` null: no ACPI companion, never matches.
 */
export function findNamedComponent(
  table: IortTable,
  acpiPath: string | null,
  log: KernelLog,
): NamedComponentNode | null {
  return iortScanNode(
    table,
    'named-component',
    (nc) => acpiPath !== null && nc.deviceName === acpiPath,
    log,
  );
}

/** The RC whose pci_segment_number equals the PCI domain of the root bus. */
export function findRootComplex(
  table: IortTable,
  segment: number,
  log: KernelLog,
): RootComplexNode | null {
  return iortScanNode(table, 'root-complex', (rc) => rc.pciSegmentNumber === segment, log);
}

/**
 * iort_find_dev_node(): PCI devices use their root complex; an IORT platform device (SMMU, PMCG,
 * fwnode "iort@0x..") uses its own node; other devices their named component.
 */
export function iortFindDevNode(table: IortTable, dev: Device): IortNode | null {
  if (dev.pci) return findRootComplex(table, dev.pci.segment, dev.log);
  const own = dev.fwNode === null ? null : parseIortFwnodeName(dev.fwNode);
  if (own !== null) {
    const node = nodeAt(table, own);
    if (node) return node;
  }
  return findNamedComponent(table, acpiCompanion(dev), dev.log);
}

/** The device's ACPI companion path: its fwnode, unless that is an IORT platform fwnode. */
export function acpiCompanion(dev: Device): string | null {
  if (dev.fwNode === null || parseIortFwnodeName(dev.fwNode) !== null) return null;
  return dev.fwNode;
}
