import { describe, expect, it } from 'vitest';
import { withBootloaderMemory } from './bootloader-memory.js';
import { readMemoryBanks, readReservedMemory } from './memory.js';
import { dt } from './test-tree.js';
import { createNode } from './tree.js';

const banks = (t: Parameters<typeof readMemoryBanks>[0]) =>
  readMemoryBanks(t).map((b) => [b.node, b.start, b.size]);

describe('withBootloaderMemory (fdt_fixup_memory_banks)', () => {
  // The Raspberry Pi 4 blob: one empty memory node, #size-cells = <1>, a CMA node on top.
  const rpi = () =>
    dt({
      '#address-cells': [2],
      '#size-cells': [1],
      'reserved-memory': {
        '#address-cells': [2],
        '#size-cells': [1],
        ranges: true,
        'linux,cma': { compatible: 'shared-dma-pool', size: [0x4000000], reusable: true },
      },
      'memory@0': { device_type: 'memory', reg: [0, 0, 0] },
    });

  it('fills the empty node, splitting banks into 2 GiB pieces for one size cell', () => {
    const tree = rpi();
    expect(readMemoryBanks(tree)).toEqual([]);
    const booted = withBootloaderMemory(tree, [
      { start: 0n, size: 0x3b40_0000n },
      { start: 0x1_0000_0000n, size: 0x1_0000_0000n },
    ]);
    expect(banks(booted)).toEqual([
      ['/memory@0', 0n, 0x3b40_0000n],
      ['/memory@0', 0x1_0000_0000n, 0x8000_0000n],
      ['/memory@0', 0x1_8000_0000n, 0x8000_0000n],
    ]);
    // The input is untouched; reserved-memory still applies.
    expect(readMemoryBanks(tree)).toEqual([]);
    expect(readReservedMemory(booted).regions.map((r) => r.name)).toEqual(['linux,cma']);
  });

  it('replaces what the blob says and drops other memory nodes and usable-memory', () => {
    const tree = dt({
      '#address-cells': [2],
      '#size-cells': [2],
      'memory@40000000': {
        device_type: 'memory',
        reg: [0, 0x4000_0000, 0, 0x4000_0000],
        'linux,usable-memory': [0, 0x4000_0000, 0, 0x1000_0000],
      },
      'memory@100000000': { device_type: 'memory', reg: [1, 0, 0, 0x4000_0000] },
    });
    const booted = withBootloaderMemory(tree, [{ start: 0x4000_0000n, size: 0x1_0000_0000n }]);
    expect(banks(booted)).toEqual([['/memory@40000000', 0x4000_0000n, 0x1_0000_0000n]]);
  });

  it('adds a memory node when the blob has none, and keeps the tree when given nothing', () => {
    const tree = dt({ '#address-cells': [1], '#size-cells': [1] });
    expect(withBootloaderMemory(tree, [])).toBe(tree);
    expect(
      banks(withBootloaderMemory(tree, [{ start: 0x8000_0000n, size: 0x2000_0000n }])),
    ).toEqual([['/memory@80000000', 0x8000_0000n, 0x2000_0000n]]);
  });

  it('refuses RAM the root cells cannot express, naming /memory', () => {
    const tree = dt({ '#address-cells': [1], '#size-cells': [1] });
    expect(() => withBootloaderMemory(tree, [{ start: 0xc000_0000n, size: 0x8000_0000n }])).toThrow(
      /\/memory: RAM 0xc0000000\+0x80000000 does not fit #address-cells = <1>/,
    );
    expect(() => withBootloaderMemory(tree, [{ start: 0n, size: 0n }])).toThrow(/has no size/);
  });
});

describe('withBootloaderMemory on a deep tree', () => {
  it('copies 20000 nested nodes without overflowing the stack, keeping order and parents', () => {
    const tree = dt({ '#address-cells': [1], '#size-cells': [1], a: {}, b: {} });
    let node = tree.root.children[0]!;
    for (let i = 0; i < 20000; i++) {
      const child = createNode(`n${i}`, node);
      node.children.push(child);
      node = child;
    }
    const booted = withBootloaderMemory(tree, [{ start: 0n, size: 0x1000_0000n }]);
    expect(booted.root.children.map((c) => c.name)).toEqual(['a', 'b', 'memory@0']);
    let depth = 0;
    for (let n = booted.root.children[0]!; n.children.length > 0; n = n.children[0]!) {
      expect(n.children[0]!.parent).toBe(n);
      depth++;
    }
    expect(depth).toBe(20000);
  });
});
