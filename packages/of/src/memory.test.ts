import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseFdt } from './fdt.js';
import { readMemoryBanks, readReservedMemory } from './memory.js';
import { dt } from './test-tree.js';

const repoRoot = path.resolve(fileURLToPath(import.meta.url), '../../../..');
const shared = process.env.DMASIM_SHARED ?? path.resolve(repoRoot, '../shared');
const dtbDir = path.join(shared, 'corpus', 'dtb');
const hasCorpus = existsSync(dtbDir);
if (!hasCorpus) console.log(`memory.test: corpus not found at ${dtbDir}, skipping corpus tests`);

function blob(name: string) {
  return parseFdt(new Uint8Array(readFileSync(path.join(dtbDir, name))));
}

describe.skipIf(!hasCorpus)('memory nodes from the corpus', () => {
  it('QEMU virt: one 2 GiB bank at 0x40000000, no reserved memory', () => {
    const tree = blob('qemu__virt.dtb');
    expect(readMemoryBanks(tree)).toEqual([
      { start: 0x4000_0000n, size: 0x8000_0000n, node: '/memory@40000000' },
    ]);
    expect(readReservedMemory(tree)).toEqual({ regions: [], log: [] });
  });

  it('Raspberry Pi 4: firmware fills RAM in (reg size 0); a dynamic 64 MiB CMA default', () => {
    const tree = blob('broadcom__bcm2711-rpi-4-b.dtb');
    expect(readMemoryBanks(tree)).toEqual([]);
    const { regions } = readReservedMemory(tree);
    const cma = regions.find((r) => r.name === 'linux,cma');
    expect(cma).toMatchObject({
      size: 0x400_0000n,
      reusable: true,
      cmaDefault: true,
      sharedDmaPool: true,
      allocRanges: [{ start: 0n, size: 0x4000_0000n }],
    });
    // nvram@0 is status = "disabled".
    expect(regions.some((r) => r.name === 'nvram@0')).toBe(false);
  });

  it('mt8192 spherion: the wifi restricted-dma-pool', () => {
    const { regions } = readReservedMemory(blob('mediatek__mt8192-asurada-spherion-r0.dtb'));
    const wifi = regions.find((r) => r.name === 'wifi@c0000000');
    expect(wifi).toMatchObject({
      reg: [{ start: 0xc000_0000n, size: 0x400_0000n }],
      restrictedDmaPool: true,
      noMap: false,
    });
  });
});

describe('hand-built trees', () => {
  it('linux,usable-memory wins over reg; disabled nodes and size 0 are skipped', () => {
    const tree = dt({
      '#address-cells': [2],
      '#size-cells': [2],
      'memory@0': {
        device_type: 'memory',
        reg: [0, 0, 0, 0x1000_0000],
        'linux,usable-memory': [0, 0x100_0000, 0, 0x100_0000],
      },
      'memory@80000000': {
        device_type: 'memory',
        reg: [0, 0x8000_0000, 0, 0x4000_0000, 1, 0, 0, 0],
      },
      'memory@c0000000': {
        device_type: 'memory',
        status: 'disabled',
        reg: [0, 0xc000_0000, 0, 0x1000],
      },
    });
    expect(readMemoryBanks(tree).map((b) => [b.start, b.size])).toEqual([
      [0x100_0000n, 0x100_0000n],
      [0x8000_0000n, 0x4000_0000n],
    ]);
  });

  it('reserved-memory with cells different from the root is ignored, as the kernel does', () => {
    const tree = dt({
      '#address-cells': [2],
      '#size-cells': [2],
      'reserved-memory': {
        '#address-cells': [1],
        '#size-cells': [1],
        ranges: true,
        'pool@1000000': { compatible: 'restricted-dma-pool', reg: [0x100_0000, 0x40_0000] },
      },
    });
    expect(readReservedMemory(tree)).toEqual({
      regions: [],
      log: ['Reserved memory: unsupported node format, ignoring'],
    });
  });

  it('a reg that is not whole entries skips the node with the kernel message', () => {
    const tree = dt({
      '#address-cells': [2],
      '#size-cells': [2],
      'reserved-memory': {
        '#address-cells': [2],
        '#size-cells': [2],
        ranges: true,
        'bad@0': { reg: [0, 0x100_0000, 0] },
        'pool@2000000': {
          compatible: 'shared-dma-pool',
          reg: [0, 0x200_0000, 0, 0x10_0000],
          'no-map': true,
        },
      },
    });
    const scan = readReservedMemory(tree);
    expect(scan.log).toEqual(["Reserved memory: invalid reg property in 'bad@0', skipping node."]);
    expect(scan.regions.map((r) => [r.name, r.noMap, r.sharedDmaPool])).toEqual([
      ['pool@2000000', true, true],
    ]);
  });
});
