import {
  createDevice,
  type Device,
  DMA_MAPPING_ERROR,
  dmaRangeMapMax,
  dmaRangeMapMin,
  getDmaMask,
  type KernelReleaseName,
  kernelRelease,
  translatePhysToDma,
  U64_MAX,
} from '@dmasim/dma-mapping';
import { describe, expect, it } from 'vitest';
import { createOfContext } from './of-context.js';
import { ofDmaConfigure } from './of-dma-configure.js';
import type { OfIommuDrivers } from './of-iommu.js';
import { dt, entry2, type NodeSpec, recordingArch } from './test-tree.js';

const cells22 = { '#address-cells': [2], '#size-cells': [2] };

interface Setup {
  dmaRanges?: number[] | true;
  cdm?: bigint;
  /** null: dev->dma_mask is NULL. */
  dm?: bigint | null;
  force?: boolean;
  dev?: NodeSpec;
  smmu?: NodeSpec;
  drivers?: OfIommuDrivers;
}

function run(version: KernelReleaseName, s: Setup) {
  const bus: NodeSpec = {
    ...cells22,
    ranges: true,
    'dev@0': { compatible: 'x', reg: [0, 0, 0, 0x1000], ...(s.dev ?? {}) },
  };
  if (s.dmaRanges) bus['dma-ranges'] = s.dmaRanges;
  const ctx = createOfContext(
    dt({
      ...cells22,
      'smmu@9050000': { phandle: [1], '#iommu-cells': [1], ...(s.smmu ?? {}) },
      'pool@0': { phandle: [2] },
      bus,
    }),
  );
  const dev = createDevice({ name: '0.dev', bus: 'platform', fwNode: '/bus/dev@0' });
  dev.coherentDmaMask = s.cdm ?? U64_MAX;
  const dm = s.dm === undefined ? U64_MAX : s.dm;
  dev.dmaMask = dm === null ? { kind: 'null' } : { kind: 'own', value: dm };
  const arch = recordingArch();
  const options = {
    kernel: kernelRelease(version),
    arch: arch.hooks,
    iommuDrivers: s.drivers ?? {},
  };
  const ret = ofDmaConfigure(ctx, dev, ctx.byPath.get('/bus/dev@0')!, s.force ?? true, options);
  return { ret, dev, calls: arch.calls };
}

const loud = (dev: Device) => dev.log.filter((e) => e.level === 'warn' || e.level === 'err');
const masks = (dev: Device) => [dev.coherentDmaMask, getDmaMask(dev)];

interface Expect {
  ret?: number;
  mask: bigint;
  limit: bigint;
  warn?: string[];
  arch?: [bigint, bigint];
}

interface Example {
  id: string;
  setup: Setup;
  L: Expect;
  N: Expect;
}

const M32 = 0xffffffffn;

// §2.6 worked examples A–G, and the §8 cases 1–10 that are the same shapes.
const examples: Example[] = [
  {
    id: 'A / E-1: size written as a mask',
    setup: { dmaRanges: entry2(0, 0, 0xffffffff) },
    L: {
      mask: M32,
      limit: M32,
      warn: ['Invalid size 0xffffffff for dma-range(s)'],
      arch: [0n, 0x100000000n],
    },
    N: { mask: M32, limit: 0xfffffffen },
  },
  {
    id: 'B / E-4: two ranges with a hole',
    setup: {
      dmaRanges: [
        ...entry2(0, 0x80000000, 0x40000000),
        ...entry2(0x80000000, 0x100000000, 0x40000000),
      ],
    },
    L: { mask: M32, limit: 0xbfffffffn, arch: [0n, 0xc0000000n] },
    N: { mask: M32, limit: 0xbfffffffn },
  },
  {
    id: 'C: range not starting at zero, cdm 32-bit',
    setup: { dmaRanges: entry2(0x80000000, 0, 0x80000000), cdm: M32, dm: M32 },
    L: { mask: M32, limit: M32, arch: [0x80000000n, 0x80000000n] },
    N: { mask: M32, limit: M32 },
  },
  {
    id: "C' / E-2: odd span that changes the mask",
    setup: { dmaRanges: entry2(1, 1, 0xffffffff) },
    L: {
      mask: 0x1ffffffffn,
      limit: 0x100000000n,
      warn: ['Invalid size 0xffffffff for dma-range(s)'],
      arch: [1n, 0x100000000n],
    },
    N: { mask: M32, limit: M32 },
  },
  {
    id: 'D / E-3: the whole 64-bit space as a mask',
    setup: { dmaRanges: entry2(0, 0, U64_MAX) },
    L: {
      ret: -22,
      mask: U64_MAX,
      limit: 0n,
      warn: ['Invalid size 0xffffffffffffffff for dma-range(s)', 'Adjusted size 0x0 invalid'],
    },
    N: { mask: U64_MAX, limit: 0xfffffffffffffffen },
  },
  {
    id: 'E / E-5: a second range ending at 2^64',
    setup: {
      dmaRanges: [...entry2(0, 0, 0x1000), ...entry2(0xfffffffffffff000n, 0x80000000, 0x1000)],
    },
    L: { mask: 0xfffn, limit: 0xfffn, arch: [0n, 0x1000n] },
    N: { mask: U64_MAX, limit: U64_MAX },
  },
  {
    id: "E': one range ending at 2^64",
    setup: { dmaRanges: entry2(0xffffffff00000000n, 0, 0x100000000) },
    L: { mask: U64_MAX, limit: U64_MAX, arch: [0xffffffff00000000n, 0x100000000n] },
    N: { mask: U64_MAX, limit: U64_MAX },
  },
  {
    id: 'E-6: range at 0x80000000 from a 64-bit mask',
    setup: { dmaRanges: entry2(0x80000000, 0, 0x80000000) },
    L: { mask: M32, limit: M32, arch: [0x80000000n, 0x80000000n] },
    N: { mask: M32, limit: M32 },
  },
  {
    id: 'E-7: one-byte range',
    setup: { dmaRanges: entry2(0, 0, 1) },
    L: { mask: 1n, limit: 1n, warn: ['Invalid size 0x1 for dma-range(s)'], arch: [0n, 2n] },
    N: { mask: U64_MAX, limit: U64_MAX },
  },
  {
    id: 'E-8: first entry has size 0',
    setup: { dmaRanges: [...entry2(0, 0, 0), ...entry2(0x1000, 0x1000, 0x1000)] },
    L: { mask: 0n, limit: 0n, warn: ['Invalid size 0x1 for dma-range(s)'], arch: [U64_MAX, 2n] },
    N: { mask: U64_MAX, limit: U64_MAX },
  },
  {
    id: 'F / E-9: no dma-ranges, cdm 32-bit',
    setup: { cdm: M32, dm: M32 },
    L: { mask: M32, limit: 0n, arch: [0n, 0x100000000n] },
    N: { mask: M32, limit: 0n },
  },
  {
    id: "F' / E-10: no dma-ranges, cdm 64-bit",
    setup: {},
    L: { mask: U64_MAX, limit: 0n, arch: [0n, U64_MAX] },
    N: { mask: U64_MAX, limit: 0n },
  },
  {
    id: "F'': no dma-ranges, cdm 0",
    setup: { cdm: 0n, dm: 0n },
    L: { mask: 0n, limit: 0n, arch: [0n, 0x100000000n] },
    N: { mask: 0n, limit: 0n },
  },
];

describe.each(['6.7', '6.10'] as const)('of_dma_configure_id worked examples, %s', (version) => {
  it.each(examples)('$id', ({ setup, L, N }) => {
    const want = version === '6.7' ? L : N;
    const { ret, dev, calls } = run(version, setup);
    expect(ret).toBe(want.ret ?? 0);
    expect(masks(dev)).toEqual([want.mask, want.mask]);
    expect(dev.busDmaLimit).toBe(want.limit);
    expect(loud(dev).map((e) => e.msg)).toEqual(want.warn ?? []);
    if (ret !== 0) {
      expect(calls).toEqual([]);
      expect(dev.dmaRangeMap).toBeNull();
      return;
    }
    expect(calls).toHaveLength(1);
    if (version === '6.7') {
      expect(calls[0]!.legacy).toEqual({
        dmaBase: want.arch![0],
        size: want.arch![1],
        iommu: false,
      });
    } else {
      expect(calls[0]!.legacy).toBeUndefined();
    }
    expect(dev.log.filter((e) => e.level === 'debug').map((e) => e.msg)).toEqual(
      expect.arrayContaining(['device is not dma coherent', 'device is not behind an iommu']),
    );
  });

  it('G / E-11: no dma-ranges and !force_dma leaves the device untouched, IOMMU included', () => {
    const { ret, dev, calls } = run(version, { force: false, dev: { iommus: [1, 0x10] } });
    expect(ret).toBe(0);
    expect(masks(dev)).toEqual([U64_MAX, U64_MAX]);
    expect(dev.busDmaLimit).toBe(0n);
    expect(dev.fwspec).toBeNull();
    expect(calls).toEqual([]);
  });

  it('E-12: a NULL dma_mask is warned about and pointed at the coherent mask', () => {
    const { dev } = run(version, { dm: null, cdm: M32 });
    expect(loud(dev)).toEqual([{ level: 'warn', msg: 'DMA mask not set' }]);
    expect(dev.dmaMask).toEqual({ kind: 'coherent' });
    expect(getDmaMask(dev)).toBe(M32);
  });

  it('E-13: empty parent dma-ranges, absent at the root', () => {
    const untouched = run(version, { dmaRanges: true, force: false });
    expect(untouched.ret).toBe(0);
    expect(untouched.calls).toEqual([]);
    const forced = run(version, { dmaRanges: true, cdm: M32, dm: M32 });
    expect(masks(forced.dev)).toEqual([M32, M32]);
    expect(forced.dev.dmaRangeMap).toBeNull();
  });

  it('E-1 map: both keep the range as written', () => {
    const { dev } = run(version, { dmaRanges: entry2(0, 0, 0xffffffff) });
    expect(dev.dmaRangeMap).toEqual([{ cpuStart: 0n, dmaStart: 0n, size: 0xffffffffn }]);
  });

  it('E-6: the map gives the ARM window min/max', () => {
    const { dev } = run(version, { dmaRanges: entry2(0x80000000, 0, 0x80000000) });
    const map = dev.dmaRangeMap!;
    expect([dmaRangeMapMin(map), dmaRangeMapMax(map) - dmaRangeMapMin(map)]).toEqual([
      0x80000000n,
      0x7fffffffn,
    ]);
  });

  it('E-8: the map hides everything behind its size-0 first entry', () => {
    const { dev } = run(version, {
      dmaRanges: [...entry2(0, 0, 0), ...entry2(0x1000, 0x1000, 0x1000)],
    });
    expect(translatePhysToDma(dev.dmaRangeMap!, 0x1800n)).toBe(DMA_MAPPING_ERROR);
  });

  it('E-18 / E-19: -EINVAL from of_dma_get_range fails the probe without force_dma', () => {
    const { ret, dev, calls } = run(version, {
      dmaRanges: entry2(0, 0x2000, 0x1000),
      force: false,
    });
    // Translatable: succeeds.
    expect(ret).toBe(0);
    expect(dev.busDmaLimit).toBe(0xfffn);
    expect(calls).toHaveLength(1);
    // Root dma-ranges for a child of the root: every entry is untranslatable.
    const ctx = createOfContext(
      dt({ ...cells22, 'dma-ranges': entry2(0, 0, 0x80000000), 'dev@0': { compatible: 'x' } }),
    );
    for (const force of [false, true]) {
      const d = createDevice({ name: 'dev', bus: 'platform', fwNode: '/dev@0' });
      const arch = recordingArch();
      const r = ofDmaConfigure(ctx, d, ctx.byPath.get('/dev@0')!, force, {
        kernel: kernelRelease(version),
        arch: arch.hooks,
      });
      expect(r).toBe(force ? 0 : -22);
      expect(d.log.filter((e) => e.level === 'err').map((e) => e.msg)).toEqual([
        'translation of DMA address(0) to CPU address failed node(/)',
      ]);
      expect(d.dmaRangeMap).toBeNull();
      expect(d.busDmaLimit).toBe(0n);
      expect(d.coherentDmaMask).toBe(M32);
    }
  });
});

describe.each(['6.7', '6.10'] as const)(
  'IOMMU outcomes inside of_dma_configure_id, %s',
  (version) => {
    const legacy = version === '6.7';

    it('E-26: no iommus: not behind an IOMMU, restricted pool tried', () => {
      const { ret, dev } = run(version, { dev: { 'memory-region': [2] } });
      expect(ret).toBe(0);
      expect(dev.fwspec).toBeNull();
      expect(dev.log).toContainEqual({ level: 'debug', msg: 'device is not behind an iommu' });
    });

    it('behind an SMMU: fwspec with the stream ID, "device is behind an iommu"', () => {
      const { ret, dev, calls } = run(version, { dev: { iommus: [1, 0x10] } });
      expect(ret).toBe(0);
      expect(dev.fwspec).toEqual({
        iommuNode: '/smmu@9050000',
        ids: [0x10],
        flags: 0,
        hasOps: true,
        driver: '/smmu@9050000',
        instances: ['/smmu@9050000'],
      });
      expect(dev.log).toContainEqual({ level: 'debug', msg: 'device is behind an iommu' });
      if (legacy) expect(calls[0]!.legacy!.iommu).toBe(true);
    });

    it('E-27: iommus pointing at a disabled node is no IOMMU', () => {
      const { dev } = run(version, { dev: { iommus: [1, 0x10] }, smmu: { status: 'disabled' } });
      expect(dev.fwspec).toBeNull();
      expect(dev.log).toContainEqual({ level: 'debug', msg: 'device is not behind an iommu' });
    });

    it('E-28: driver not bound: -EPROBE_DEFER, map dropped, masks and limit stay clipped', () => {
      const { ret, dev, calls } = run(version, {
        dmaRanges: entry2(0, 0, 0x40000000),
        dev: { iommus: [1, 0x10] },
        drivers: { state: () => 'not-registered' },
      });
      expect(ret).toBe(-517);
      expect(dev.dmaRangeMap).toBeNull();
      expect(dev.busDmaLimit).toBe(0x3fffffffn);
      expect(masks(dev)).toEqual([0x3fffffffn, 0x3fffffffn]);
      expect(calls).toEqual([]);
      expect(dev.fwspec).toMatchObject({ iommuNode: '/smmu@9050000', ids: [], hasOps: false });
    });

    it('an of_xlate failure: 6.10 dev_err and carries on; 6.7 a debug line only', () => {
      const { ret, dev } = run(version, {
        dev: { iommus: [1, 0x10] },
        drivers: { xlate: () => -110 },
      });
      expect(ret).toBe(0);
      if (legacy) {
        expect(loud(dev)).toEqual([]);
        expect(dev.log).toContainEqual({ level: 'debug', msg: 'Adding to IOMMU failed: -110' });
        expect(dev.log).toContainEqual({ level: 'debug', msg: 'device is not behind an iommu' });
      } else {
        expect(dev.log).toContainEqual({
          level: 'debug',
          msg: 'Adding to IOMMU failed: -ETIMEDOUT',
        });
        expect(loud(dev)).toEqual([
          { level: 'err', msg: 'iommu configuration for device failed with -ETIMEDOUT' },
        ]);
      }
    });

    it('a restricted-dma-pool in memory-region is set up when there is no IOMMU', () => {
      const ctx = createOfContext(
        dt({
          ...cells22,
          'reserved-memory': {
            ...cells22,
            ranges: true,
            'pool@50000000': {
              phandle: [7],
              compatible: 'restricted-dma-pool',
              reg: [0, 0x50000000, 0, 0x400000],
            },
          },
          'dev@0': { compatible: 'x', 'memory-region': [7] },
          'dev@1': { compatible: 'x', 'memory-region': [7], 'dma-ranges': true },
        }),
      );
      const dev = createDevice({ name: 'dev', bus: 'platform', fwNode: '/dev@0' });
      expect(
        ofDmaConfigure(ctx, dev, ctx.byPath.get('/dev@0')!, true, {
          kernel: kernelRelease(version),
          arch: recordingArch().hooks,
        }),
      ).toBe(0);
      expect(dev.restrictedPool).toBe('/reserved-memory/pool@50000000');
      const refused = createDevice({ name: 'dev1', bus: 'platform', fwNode: '/dev@0' });
      ofDmaConfigure(ctx, refused, ctx.byPath.get('/dev@0')!, true, {
        kernel: kernelRelease(version),
        arch: recordingArch().hooks,
        restrictedPool: () => -12,
      });
      expect(loud(refused)).toEqual([
        { level: 'warn', msg: 'failed to initialise "restricted-dma-pool" memory node' },
      ]);
    });
  },
);

describe('coherency feeds the arch hook (E-24)', () => {
  it('nearest of dma-coherent / dma-noncoherent wins; otherwise the arch default', () => {
    const ctx = createOfContext(
      dt({
        ...cells22,
        bus: {
          'dma-coherent': true,
          'a@0': { compatible: 'x' },
          'b@0': { compatible: 'x', 'dma-noncoherent': true },
        },
        'c@0': { compatible: 'x' },
      }),
    );
    const coherentOf = (path: string, defaultCoherent: boolean) => {
      const dev = createDevice({ name: path, bus: 'platform', fwNode: path });
      const arch = recordingArch(defaultCoherent);
      ofDmaConfigure(ctx, dev, ctx.byPath.get(path)!, true, {
        kernel: kernelRelease('6.10'),
        arch: arch.hooks,
      });
      return arch.calls[0]!.coherent;
    };
    expect(coherentOf('/bus/a@0', false)).toBe(true);
    expect(coherentOf('/bus/b@0', false)).toBe(false);
    expect(coherentOf('/c@0', false)).toBe(false); // arm64
    expect(coherentOf('/c@0', true)).toBe(true); // riscv
  });
});
