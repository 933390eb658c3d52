import {
  type ArchDmaHooks,
  createDevice,
  type Device,
  FW_BUG,
  getDmaMask,
  type KernelReleaseName,
  kernelRelease,
  type LegacyArchArgs,
  U64_MAX,
} from '@dmasim/dma-mapping';
import { describe, expect, it } from 'vitest';
import {
  type AcpiCompanionInfo,
  type AcpiNamespace,
  acpiDmaConfigureId,
  acpiGetDmaAttr,
} from './acpi-dma.js';
import { acpiIortDmaGetMaxCpuAddress } from './dma-limits.js';
import type { IortTable } from './iort-model.js';
import { readIort } from './iort-reader.js';
import { type IortNodeInput, writeIort } from './iort-writer.js';

interface HookCall {
  dev: string;
  coherent: boolean;
  legacy?: LegacyArchArgs;
}

/** arm64's hook reduced to what it does to the device here: record args, set coherency. */
function recordingHook(arch: ArchDmaHooks['arch'] = 'arm64'): ArchDmaHooks & { calls: HookCall[] } {
  const calls: HookCall[] = [];
  return {
    arch,
    defaultCoherent: false,
    calls,
    setupDmaOps(dev, coherent, legacy) {
      calls.push(legacy ? { dev: dev.name, coherent, legacy } : { dev: dev.name, coherent });
      dev.dmaCoherent = coherent;
    },
  };
}

const ETH = '\\_SB_.ETH0';
function ns(...infos: Partial<AcpiCompanionInfo>[]): AcpiNamespace {
  return new Map(
    infos.map((i) => [
      i.path!,
      {
        path: i.path!,
        parent: i.parent ?? null,
        cca: i.cca ?? null,
        dma: i.dma ?? null,
        crs: i.crs ?? true,
      },
    ]),
  );
}

function ncTable(limit: number): IortTable {
  return readIort(
    writeIort({ nodes: [{ type: 'named-component', deviceName: ETH, memoryAddressLimit: limit }] }),
  ).table;
}
function rcTable(revision: number, limit: number): IortTable {
  const rc: IortNodeInput = {
    type: 'root-complex',
    revision,
    memoryAddressLimit: limit,
    pciSegmentNumber: 0,
  };
  return readIort(writeIort({ nodes: [rc] })).table;
}

/** A device with cdm = dm = ~0 (§8 default assumptions). */
function platformDev(): Device {
  const dev = createDevice({ name: ETH, bus: 'platform', fwNode: ETH });
  dev.coherentDmaMask = U64_MAX;
  return dev;
}
function pciDev(): Device {
  const dev = createDevice({
    name: '0000:00:01.0',
    bus: 'pci',
    pci: { segment: 0, bus: 0, devfn: 8, aliases: [8] },
  });
  dev.coherentDmaMask = U64_MAX;
  return dev;
}

function configure(
  dev: Device,
  table: IortTable | null,
  namespace: AcpiNamespace,
  version: KernelReleaseName,
  companion: string | null = ETH,
) {
  const arch = recordingHook();
  const r = acpiDmaConfigureId(dev, 'coherent', null, {
    table,
    ns: namespace,
    companion,
    kernel: kernelRelease(version),
    arch,
  });
  return { r, arch };
}

const both: KernelReleaseName[] = ['6.10', '6.7'];

describe('IORT limits through arm64 acpi_arch_dma_setup (§8 32–35)', () => {
  it.each(both)('32: NC limit 0x30 → limit 0xffffffffffff, masks min-clipped (%s)', (v) => {
    const dev = platformDev();
    configure(dev, ncTable(0x30), ns({ path: ETH, cca: 1 }), v);
    expect(dev.busDmaLimit).toBe(0xffff_ffff_ffffn);
    expect(dev.coherentDmaMask).toBe(0xffff_ffff_ffffn);
    expect(getDmaMask(dev)).toBe(0xffff_ffff_ffffn);
  });

  it('33: NC limit 0x40 / 0xff → 6.10 limit ~0, 6.7 limit …fffe, masks ~0', () => {
    for (const limit of [0x40, 0xff]) {
      const n = platformDev();
      configure(n, ncTable(limit), ns({ path: ETH, cca: 1 }), '6.10');
      expect(n.busDmaLimit).toBe(U64_MAX);
      const l = platformDev();
      configure(l, ncTable(limit), ns({ path: ETH, cca: 1 }), '6.7');
      expect(l.busDmaLimit).toBe(0xffff_ffff_ffff_fffen);
      expect([n.coherentDmaMask, l.coherentDmaMask, getDmaMask(n), getDmaMask(l)]).toEqual([
        U64_MAX,
        U64_MAX,
        U64_MAX,
        U64_MAX,
      ]);
    }
  });

  it.each(both)('34: NC limit 0 → FW_BUG, -EINVAL, nothing clipped (%s)', (v) => {
    const dev = platformDev();
    const { r } = configure(dev, ncTable(0), ns({ path: ETH, cca: 1 }), v);
    expect(r.ret).toBe(0);
    expect(dev.log).toContainEqual({
      level: 'warn',
      msg: `${FW_BUG}Named component missing memory address limit`,
    });
    expect(dev.busDmaLimit).toBe(0n);
    expect(dev.coherentDmaMask).toBe(U64_MAX);
  });

  it.each(both)('35: RC revision 0 ignored; revision 1 limit 0x20 → 0xffffffff (%s)', (v) => {
    const r0 = pciDev();
    configure(r0, rcTable(0, 0x20), ns({ path: '\\_SB_.PCI0', cca: 1 }), v, '\\_SB_.PCI0');
    expect(r0.busDmaLimit).toBe(0n);
    expect(r0.coherentDmaMask).toBe(U64_MAX);
    const r1 = pciDev();
    configure(r1, rcTable(1, 0x20), ns({ path: '\\_SB_.PCI0', cca: 1 }), v, '\\_SB_.PCI0');
    expect(r1.busDmaLimit).toBe(0xffff_ffffn);
    expect(r1.coherentDmaMask).toBe(0xffff_ffffn);
  });

  it('RC revision 1 limit 0 → FW_BUG "Root complex missing memory address limit"', () => {
    const dev = pciDev();
    configure(dev, rcTable(1, 0), ns({ path: '\\_SB_.PCI0', cca: 1 }), '6.10', '\\_SB_.PCI0');
    expect(dev.log).toContainEqual({
      level: 'warn',
      msg: `${FW_BUG}Root complex missing memory address limit`,
    });
    expect(dev.busDmaLimit).toBe(0n);
  });

  it('min clipping keeps a smaller driver mask (ACPI uses min, not AND)', () => {
    const dev = platformDev();
    dev.coherentDmaMask = 0x1_0000_0fffn;
    configure(dev, ncTable(32), ns({ path: ETH, cca: 1 }), '6.10');
    expect(dev.coherentDmaMask).toBe(0xffff_ffffn);
  });
});

describe('_DMA (§8 36–37)', () => {
  it.each(both)(
    '36: one window [0, 0xffffffff] → map, end 0xffffffff, IORT not consulted (%s)',
    (v) => {
      const dev = platformDev();
      const namespace = ns({
        path: ETH,
        cca: 1,
        dma: [{ start: 0n, end: 0xffff_ffffn, offset: 0n }],
      });
      configure(dev, ncTable(0), namespace, v);
      expect(dev.dmaRangeMap).toEqual([{ cpuStart: 0n, dmaStart: 0n, size: 0x1_0000_0000n }]);
      expect(dev.busDmaLimit).toBe(0xffff_ffffn);
      expect(dev.coherentDmaMask).toBe(0xffff_ffffn);
      expect(dev.log.some((e) => e.msg.includes('missing memory address limit'))).toBe(false);
    },
  );

  it.each(both)(
    '36: a window with start >= end → -EINVAL, no IORT fallback, nothing set (%s)',
    (v) => {
      const dev = platformDev();
      const namespace = ns({
        path: ETH,
        cca: 1,
        dma: [{ start: 0x1000n, end: 0x1000n, offset: 0n }],
      });
      configure(dev, ncTable(0x30), namespace, v);
      expect(dev.log).toContainEqual({ level: 'debug', msg: 'Invalid DMA regions configuration' });
      expect(dev.dmaRangeMap).toBeNull();
      expect(dev.busDmaLimit).toBe(0n);
      expect(dev.coherentDmaMask).toBe(U64_MAX);
    },
  );

  it('37: _DMA with 0 resources and cdm ~0: 6.7 limit …fffe, 6.10 limit ~0', () => {
    const namespace = ns({ path: ETH, cca: 1, dma: [] });
    const l = platformDev();
    configure(l, ncTable(0x30), namespace, '6.7');
    expect(l.busDmaLimit).toBe(0xffff_ffff_ffff_fffen);
    const n = platformDev();
    configure(n, ncTable(0x30), namespace, '6.10');
    expect(n.busDmaLimit).toBe(U64_MAX);
    expect([l.coherentDmaMask, n.coherentDmaMask]).toEqual([U64_MAX, U64_MAX]);
  });

  it('_DMA on a parent applies; without _CRS it is -EINVAL with the warning', () => {
    const parent = '\\_SB_';
    const dev = platformDev();
    configure(
      dev,
      null,
      ns(
        {
          path: parent,
          cca: 1,
          dma: [{ start: 0x8000_0000n, end: 0xbfff_ffffn, offset: 0x8000_0000n }],
        },
        { path: ETH, parent },
      ),
      '6.10',
    );
    expect(dev.dmaRangeMap).toEqual([{ cpuStart: 0x8000_0000n, dmaStart: 0n, size: 0x4000_0000n }]);
    expect(dev.busDmaLimit).toBe(0x3fff_ffffn);
    const bad = platformDev();
    configure(bad, null, ns({ path: ETH, cca: 1, crs: false, dma: [] }), '6.10');
    expect(bad.log).toContainEqual({ level: 'warn', msg: '_DMA is valid only if _CRS is present' });
    expect(bad.busDmaLimit).toBe(0n);
  });

  it('DMA mask not set: warned and pointed at coherent_dma_mask', () => {
    const dev = platformDev();
    dev.dmaMask = { kind: 'null' };
    configure(dev, ncTable(40), ns({ path: ETH, cca: 1 }), '6.10');
    expect(dev.log).toContainEqual({ level: 'warn', msg: 'DMA mask not set' });
    expect(getDmaMask(dev)).toBe(0xff_ffff_ffffn);
  });
});

describe('_CCA and the arch hook (§5.4, §8 48)', () => {
  it('_CCA missing on arm64 → not supported → dummy ops, no hook call', () => {
    const namespace = ns({ path: ETH });
    expect(acpiGetDmaAttr(namespace, ETH, true)).toBe('not-supported');
    expect(acpiGetDmaAttr(namespace, ETH, false)).toBe('coherent');
    const dev = platformDev();
    const arch = recordingHook();
    const r = acpiDmaConfigureId(dev, acpiGetDmaAttr(namespace, ETH, true), null, {
      table: ncTable(0x30),
      ns: namespace,
      companion: ETH,
      kernel: kernelRelease('6.10'),
      arch,
    });
    expect(r.ret).toBe(0);
    expect(dev.dmaOps).toBe('dummy');
    expect(arch.calls).toEqual([]);
    expect(dev.busDmaLimit).toBe(0n);
  });

  it('_CCA is inherited from the nearest ancestor', () => {
    const namespace = ns(
      { path: '\\_SB_', cca: 0 },
      { path: '\\_SB_.BUS0', parent: '\\_SB_' },
      { path: '\\_SB_.BUS0.ETH0', parent: '\\_SB_.BUS0' },
    );
    expect(acpiGetDmaAttr(namespace, '\\_SB_.BUS0.ETH0', true)).toBe('non-coherent');
  });

  it('48: 6.7 passes (0, U64_MAX, iommu, coherent) whatever IORT says; 6.10 only coherency', () => {
    const l = platformDev();
    const legacy = configure(l, ncTable(0x20), ns({ path: ETH, cca: 1 }), '6.7');
    expect(legacy.arch.calls).toEqual([
      { dev: ETH, coherent: true, legacy: { dmaBase: 0n, size: U64_MAX, iommu: false } },
    ]);
    const n = platformDev();
    const now = configure(n, ncTable(0x20), ns({ path: ETH, cca: 1 }), '6.10');
    expect(now.arch.calls).toEqual([{ dev: ETH, coherent: true }]);
    expect(n.log).toContainEqual({ level: 'debug', msg: 'Adding to IOMMU failed: -19' });
  });

  it('loongarch: only _DMA counts (IORT ignored); x86: nothing', () => {
    for (const arch of ['loongarch', 'x86'] as const) {
      const dev = platformDev();
      const hook = recordingHook(arch);
      acpiDmaConfigureId(dev, 'coherent', null, {
        table: ncTable(0x20),
        ns: ns({ path: ETH, cca: 1 }),
        companion: ETH,
        kernel: kernelRelease('6.10'),
        arch: hook,
      });
      expect(dev.busDmaLimit).toBe(0n);
      expect(dev.coherentDmaMask).toBe(U64_MAX);
    }
    const dev = platformDev();
    acpiDmaConfigureId(dev, 'coherent', null, {
      table: null,
      ns: ns({ path: ETH, cca: 1, dma: [{ start: 0n, end: 0xff_ffffn, offset: 0n }] }),
      companion: ETH,
      kernel: kernelRelease('6.10'),
      arch: recordingHook('loongarch'),
    });
    expect(dev.busDmaLimit).toBe(0xff_ffffn);
    expect(dev.coherentDmaMask).toBe(0xff_ffffn);
  });
});

describe('acpi_iort_dma_get_max_cpu_address', () => {
  it('min_not_zero over NCs and revision>=1 RCs; 0 ignored; no table → PHYS_ADDR_MAX', () => {
    const t = readIort(
      writeIort({
        nodes: [
          { type: 'named-component', deviceName: '\\_SB_.A', memoryAddressLimit: 0 },
          { type: 'named-component', deviceName: '\\_SB_.B', memoryAddressLimit: 40 },
          { type: 'root-complex', revision: 0, memoryAddressLimit: 30 },
          { type: 'root-complex', revision: 1, memoryAddressLimit: 44 },
        ],
      }),
    ).table;
    expect(acpiIortDmaGetMaxCpuAddress(t)).toBe(0xff_ffff_ffffn);
    expect(acpiIortDmaGetMaxCpuAddress(null)).toBe(U64_MAX);
    expect(acpiIortDmaGetMaxCpuAddress(ncTable(0x40))).toBe(U64_MAX);
  });
});
