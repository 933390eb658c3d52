// PCI functions of a DT host bridge as the kernel enumerates them: pci_scan_child_bus_extend()
// and pci_scan_bridge_extend() give every bridge its secondary bus (bridges firmware already
// programmed keep their numbers, the rest get max + 1 depth-first), and pci_set_of_node() gives
// each function the child node of its bus's node with the same devfn
// (of_pci_find_child_device()). The bus field of a node's `reg` plays no part.

import {
  formatDevfn,
  type KernelLog,
  logDebug,
  logErr,
  logInfo,
  logWarn,
} from '@dmasim/dma-mapping';
import { isPciBusNode, propertyCells } from './bus.js';
import { type DtNode, getProperty, nodeBaseName, readStrings } from './tree.js';

/** Bus numbers a bridge forwards: [secondary, subordinate]. */
export interface PciBusRange {
  secondary: number;
  subordinate: number;
}

/** What the platform (platform file, --pci) says about a function the tree may not describe. */
export interface PciFunctionHint {
  bus: number;
  devfn: number;
  /** The bus numbers firmware programmed into this bridge before the kernel started. */
  bridge?: PciBusRange;
  /** A bridge whose bus numbers the kernel assigns (no `bridge` range given). */
  isBridge?: boolean;
}

export type PciePortType = 'root-port' | 'upstream' | 'downstream';

/** One PCI function as enumeration left it. */
export interface OfPciFunction {
  bus: number;
  devfn: number;
  /** pci_set_of_node(): the node of_pci_find_child_device() found on the bus's node. */
  node: DtNode | null;
  /** A bridge's buses (null for endpoints, and for bridges whose buses could not be assigned). */
  bridge: PciBusRange | null;
  /**
   * The PCIe port type a DT bridge node implies on a PCIe host (config space is not modelled):
   * root port on the root bus, then switch upstream and downstream ports. Null otherwise.
   */
  port: PciePortType | null;
  /** Messages the kernel (or, for firmware errors it silently tolerates, dmasim) logs for it. */
  log: KernelLog;
}

export interface OfPciHostEnumeration {
  host: DtNode;
  /** The root bus number: the first cell of `bus-range`, else 0. */
  rootBus: number;
  /** Functions in the order the kernel adds them: a bus's functions, then each bridge's buses. */
  functions: OfPciFunction[];
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');
/** %pR of a bus-number resource. */
const busRange = (start: number, end: number) =>
  start === end ? `[bus ${hex2(start)}]` : `[bus ${hex2(start)}-${hex2(end)}]`;

/** of_pci_get_devfn(): bits 15..8 of phys.hi; needs a whole 5-cell `reg` entry. */
export function ofPciGetDevfn(node: DtNode): number | null {
  const reg = getProperty(node, 'reg');
  if (!reg || reg.value.length < 20) return null;
  return (propertyCells(reg)[0]! >>> 8) & 0xff;
}

/**
 * of_pci_find_child_device() for every devfn at once: the first child with that devfn wins
 * ("multifunc-device" children are searched in place). A later node with the same devfn is never
 * matched by the kernel; that is a firmware error we report on the function.
 */
function childNodesByDevfn(busNode: DtNode, log: Map<number, KernelLog>): Map<number, DtNode> {
  const found = new Map<number, DtNode>();
  const consider = (node: DtNode) => {
    const devfn = ofPciGetDevfn(node);
    if (devfn === null) return;
    const first = found.get(devfn);
    if (!first) {
      found.set(devfn, node);
      return;
    }
    const entries = log.get(devfn) ?? [];
    logErr(
      entries,
      `PCI: OF: [Firmware Bug]: ${node.path} has the devfn ${formatDevfn(devfn)} of ${first.path}; only the first node is used`,
    );
    log.set(devfn, entries);
  };
  for (const child of busNode.children) {
    consider(child);
    if (nodeBaseName(child) === 'multifunc-device') {
      for (const grandchild of child.children) consider(grandchild);
    }
  }
  return found;
}

function readBusRange(host: DtNode): { start: number; end: number } {
  const prop = getProperty(host, 'bus-range');
  if (!prop || prop.value.length < 8) return { start: 0, end: 0xff };
  const [start, end] = propertyCells(prop) as [number, number];
  // devm_of_pci_get_host_bridge_resources(dev, 0, 0xff, ...): at most 256 buses from the start.
  return { start: start & 0xff, end: Math.min(end, start + 0xff, 0xff) };
}

interface ScanState {
  /** The host is PCIe (node named "pcie" or a compatible that says so). */
  pcie: boolean;
  functions: OfPciFunction[];
  hints: readonly PciFunctionHint[];
  placed: Set<PciFunctionHint>;
}

// pci_scan_child_bus_extend(): the functions on `bus`, then pass 0 (bridges firmware configured)
// and pass 1 (bridges that get max + 1). Returns the highest bus number used below.
function scanBus(
  state: ScanState,
  bus: number,
  busNode: DtNode | null,
  busEnd: number,
  above: PciePortType | null,
): number {
  const dupLog = new Map<number, KernelLog>();
  const nodes = busNode ? childNodesByDevfn(busNode, dupLog) : new Map<number, DtNode>();
  const hints = state.hints.filter((h) => h.bus === bus && !state.placed.has(h));
  const devfns = [...new Set([...nodes.keys(), ...hints.map((h) => h.devfn)])].sort(
    (a, b) => a - b,
  );
  const onBus: Array<{ fn: OfPciFunction; hint: PciFunctionHint | undefined }> = [];
  for (const devfn of devfns) {
    const hint = hints.find((h) => h.devfn === devfn);
    if (hint) state.placed.add(hint);
    const fn: OfPciFunction = {
      bus,
      devfn,
      node: nodes.get(devfn) ?? null,
      bridge: null,
      port: null,
      log: dupLog.get(devfn) ?? [],
    };
    state.functions.push(fn);
    onBus.push({ fn, hint });
  }
  const bridges = onBus.filter(
    ({ fn, hint }) =>
      hint?.bridge !== undefined || hint?.isBridge === true || (fn.node && isPciBusNode(fn.node)),
  );
  const port: PciePortType | null = !state.pcie
    ? null
    : above === null
      ? 'root-port'
      : above === 'upstream'
        ? 'downstream'
        : 'upstream';
  let max = bus;
  const unconfigured: OfPciFunction[] = [];
  for (const { fn, hint } of bridges) {
    if (fn.node && isPciBusNode(fn.node)) fn.port = port;
    const range = hint?.bridge;
    if (!range) {
      unconfigured.push(fn);
      continue;
    }
    // pci_scan_bridge_extend(): a programmed range must sit below this bus.
    if (range.secondary <= bus || range.secondary > range.subordinate) {
      logInfo(
        fn.log,
        `bridge configuration invalid ([bus ${hex2(range.secondary)}-${hex2(range.subordinate)}]), reconfiguring`,
      );
      unconfigured.push(fn);
      continue;
    }
    fn.bridge = { ...range };
    const childMax = scanBus(state, range.secondary, fn.node, range.subordinate, port);
    if (childMax > range.subordinate) {
      logWarn(
        fn.log,
        `bridge has subordinate ${hex2(range.subordinate)} but max busn ${hex2(childMax)}`,
      );
    }
    max = Math.max(max, range.subordinate);
  }
  for (const fn of unconfigured) {
    const secondary = max + 1;
    if (secondary > busEnd) {
      logInfo(
        fn.log,
        `devices behind bridge are unusable because ${busRange(secondary & 0xff, secondary & 0xff)} cannot be assigned for them`,
      );
      continue;
    }
    max = scanBus(state, secondary, fn.node, busEnd, port);
    fn.bridge = { secondary, subordinate: max };
    logDebug(fn.log, `PCI bridge to ${busRange(secondary, max)}`);
  }
  return max;
}

/**
 * Enumerate the functions below a DT host bridge: every function its child nodes describe (a
 * node under a bridge node sits on that bridge's secondary bus), merged with `hints` (the same
 * bus and devfn is one function). Hints on buses enumeration never reaches are kept as given.
 */
export function ofPciEnumerateHost(
  host: DtNode,
  hints: readonly PciFunctionHint[] = [],
): OfPciHostEnumeration {
  const { start, end } = readBusRange(host);
  const pcie =
    nodeBaseName(host) === 'pcie' ||
    readStrings(host, 'compatible').some((c) => c.includes('pcie'));
  const state: ScanState = { pcie, functions: [], hints, placed: new Set() };
  scanBus(state, start, host, end, null);
  for (const hint of hints) {
    if (state.placed.has(hint)) continue;
    state.placed.add(hint);
    state.functions.push({
      bus: hint.bus,
      devfn: hint.devfn,
      node: null,
      bridge: hint.bridge ? { ...hint.bridge } : null,
      port: null,
      log: [],
    });
  }
  return { host, rootBus: start, functions: state.functions };
}
