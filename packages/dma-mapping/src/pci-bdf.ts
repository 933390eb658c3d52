// PCI function addresses: what users write ("BB:DD.F", "SSSS:BB:DD.F"), what dev_name() of a
// pci_dev prints (pci_setup_device(): "%04x:%02x:%02x.%d"), and the requester ID
// (PCI_DEVID(bus, devfn)) the IOMMU code maps. The one parser and formatter every package uses.
import { DmasimError } from './dmasim-error.js';

/** Text that is not a PCI address; `text` is what was given. */
export class PciAddressError extends DmasimError {
  static override readonly code: string = 'PCI_ADDRESS';
  override name = 'PciAddressError';
  constructor(
    readonly text: string,
    message: string,
  ) {
    super(`${JSON.stringify(text)}: ${message}`);
  }
}

/** A PCI function's address: segment (domain), bus and devfn (PCI_DEVFN(slot, func)). */
export interface Bdf {
  segment: number;
  bus: number;
  devfn: number;
}

const BDF = /^(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/;
const DEVFN = /^([0-9a-fA-F]{1,2})\.([0-7])$/;

function slotFn(text: string, slotHex: string, fn: string): number {
  const slot = Number.parseInt(slotHex, 16);
  if (slot > 31)
    throw new PciAddressError(text, `device number 0x${slot.toString(16)} is above 0x1f`);
  return (slot << 3) | Number(fn);
}

/** "BB:DD.F" or "SSSS:BB:DD.F" (hex, as lspci and dev_name() write them). */
export function parseBdf(text: string, defaultSegment = 0): Bdf {
  const m = BDF.exec(text);
  if (!m) throw new PciAddressError(text, 'not a PCI address (BB:DD.F or SSSS:BB:DD.F)');
  return {
    segment: m[1] === undefined ? defaultSegment : Number.parseInt(m[1], 16),
    bus: Number.parseInt(m[2]!, 16),
    devfn: slotFn(text, m[3]!, m[4]!),
  };
}

/** "DD.F" (hex slot): a devfn on a bus that is known from elsewhere. */
export function parseDevfn(text: string): number {
  const m = DEVFN.exec(text);
  if (!m) throw new PciAddressError(text, 'not a PCI device and function (DD.F)');
  return slotFn(text, m[1]!, m[2]!);
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** "DD.F" */
export function formatDevfn(devfn: number): string {
  return `${hex2(devfn >> 3)}.${devfn & 7}`;
}

/** "BB:DD.F", without the segment. */
export function formatBdf(b: Omit<Bdf, 'segment'>): string {
  return `${hex2(b.bus)}:${formatDevfn(b.devfn)}`;
}

/** dev_name() of a PCI function: "SSSS:BB:DD.F". */
export function pciDeviceName(b: Bdf): string {
  return `${b.segment.toString(16).padStart(4, '0')}:${formatBdf(b)}`;
}

/** PCI_DEVID(bus, devfn): the requester ID. */
export function pciDevid(b: Omit<Bdf, 'segment'>): number {
  return ((b.bus & 0xff) << 8) | (b.devfn & 0xff);
}

/** The function a requester ID names on a segment. */
export function bdfOfRid(segment: number, rid: number): Bdf {
  return { segment, bus: (rid >> 8) & 0xff, devfn: rid & 0xff };
}
