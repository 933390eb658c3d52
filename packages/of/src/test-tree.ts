// Test-only: build a DeviceTree from a nested object. Keys whose value is a plain object are child
// nodes; everything else is a property: number[] → u32 cells, string → string, string[] → string
// list, true → empty, Uint8Array → raw bytes.
import type { ArchDmaHooks, Device, LegacyArchArgs } from '@dmasim/dma-mapping';
import { createNode, type DeviceTree, type DtNode } from './tree.js';

export type PropValue = number[] | string | string[] | true | Uint8Array;
export interface NodeSpec {
  [key: string]: PropValue | NodeSpec;
}

function encode(value: PropValue): Uint8Array {
  if (value === true) return new Uint8Array(0);
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return new TextEncoder().encode(`${value}\0`);
  if (value.length > 0 && typeof value[0] === 'string') {
    return new TextEncoder().encode((value as string[]).map((s) => `${s}\0`).join(''));
  }
  const cells = value as number[];
  const bytes = new Uint8Array(cells.length * 4);
  const view = new DataView(bytes.buffer);
  for (const [i, c] of cells.entries()) view.setUint32(i * 4, c >>> 0);
  return bytes;
}

function isNodeSpec(v: PropValue | NodeSpec): v is NodeSpec {
  return typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function fill(node: DtNode, spec: NodeSpec): void {
  for (const [key, value] of Object.entries(spec)) {
    if (isNodeSpec(value)) {
      const child = createNode(key, node);
      node.children.push(child);
      fill(child, value);
    } else {
      node.properties.push({ name: key, value: encode(value) });
    }
  }
}

export function dt(spec: NodeSpec): DeviceTree {
  const root = createNode('', null);
  fill(root, spec);
  return { root, memReserve: [], header: { version: 17, lastCompVersion: 16, bootCpuidPhys: 0 } };
}

/** A u64 as two cells (high, low). */
export function u64Cells(value: bigint | number): number[] {
  const v = BigInt(value);
  return [Number((v >> 32n) & 0xffff_ffffn), Number(v & 0xffff_ffffn)];
}

/** One (bus, cpu, size) entry with 2/2/2 cells. */
export function entry2(
  bus: bigint | number,
  cpu: bigint | number,
  size: bigint | number,
): number[] {
  return [...u64Cells(bus), ...u64Cells(cpu), ...u64Cells(size)];
}

export interface ArchCall {
  dev: string;
  coherent: boolean;
  legacy: LegacyArchArgs | undefined;
}

/** An arm64-like arch hook that records its calls and sets dma_coherent as arm64 does. */
export function recordingArch(defaultCoherent = false): { hooks: ArchDmaHooks; calls: ArchCall[] } {
  const calls: ArchCall[] = [];
  const hooks: ArchDmaHooks = {
    arch: 'arm64',
    defaultCoherent,
    setupDmaOps(dev: Device, coherent: boolean, legacy?: LegacyArchArgs) {
      calls.push({ dev: dev.name, coherent, legacy });
      dev.dmaCoherent = coherent;
    },
  };
  return { hooks, calls };
}
