import {
  createDevice,
  type Device,
  ENODEV,
  EPROBE_DEFER,
  type KernelLog,
  parseBdf,
  pciDeviceName,
  pciDevid,
} from '@dmasim/dma-mapping';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { armSmmuInstance } from './arm-smmu.js';
import { parseIommuCmdline } from './cmdline.js';
import { iommuSubsysInit } from './default-domain.js';
import { createDomain, domainUsesDmaApi, type IommuDomain } from './domain.js';
import { iommuInstanceFromCompatible, iommuInstanceFromIortNode } from './iommu-factory.js';
import type { IommuInstance } from './iommu-instance.js';
import { iommuIovaToPhys, iommuMap } from './iommu-map.js';
import type { PciTopology } from './pci-topology.js';
import {
  createIommuCore,
  iommuCreateDeviceDirectMappings,
  iommuProbeDevice,
  logIommuConfigureResult,
} from './probe.js';
import { IOMMU_READ, IOMMU_WRITE, type ReservedRegion } from './resv-region.js';
import { smmuV3Instance } from './smmu-v3.js';
import { iommufdIovaRanges, sysfsGroups, sysfsGroupType, sysfsReservedRegions } from './sysfs.js';
import { virtioIommuInstance } from './virtio-iommu.js';

const SMMU = '/smmuv3@9050000';
const VIOMMU = '/pcie@10000000/virtio_iommu@4,0';

function qemuTopology(acsRequestedAtScan: boolean, withViommu = false): PciTopology {
  return {
    acsRequestedAtScan,
    devices: [
      { bdf: '00:00.0' },
      { bdf: '00:01.0', pcie: 'endpoint' },
      { bdf: '00:02.0', pcie: 'endpoint' },
      { bdf: '00:03.0', pcie: 'root-port', acs: true, bridge: { secondary: 1, subordinate: 1 } },
      ...(withViommu ? [{ bdf: '00:04.0', pcie: 'endpoint' as const }] : []),
      { bdf: '01:00.0', pcie: 'endpoint' },
    ],
  };
}

function pciDev(bdf: string, iommu: string | null): Device {
  const b = parseBdf(bdf);
  const rid = pciDevid(b);
  const dev = createDevice({ name: pciDeviceName(b), bus: 'pci', pci: { ...b, aliases: [rid] } });
  if (iommu) dev.fwspec = { iommuNode: iommu, ids: [rid], flags: 0, hasOps: true };
  return dev;
}

/** Boot the QEMU virt PCI devices in bus order, probing those whose driver binds. */
function boot(instance: IommuInstance, cmdline: string, acsAtScan = false, withViommu = false) {
  const log: KernelLog = [];
  const policy = iommuSubsysInit(parseIommuCmdline(cmdline), log);
  const core = createIommuCore(policy, [instance], log);
  const topo = qemuTopology(acsAtScan, withViommu);
  const inits: string[] = [];
  // dma-iommu's iommu_setup_dma_ops() as far as the core sees it: dev->dma_iommu for DMA domains.
  const init = (dev: Device, domain: IommuDomain) => {
    dev.dmaIommu = domainUsesDmaApi(domain.type);
    if (dev.dmaIommu) inits.push(`${dev.name}:${domain.type}`);
  };
  const bound = ['00:01.0', '00:02.0', '00:03.0', ...(withViommu ? ['00:04.0'] : []), '01:00.0'];
  const devs = ['00:00.0', ...bound].map((bdf) => {
    // The host bridge has no driver; the virtio-iommu's own RID is outside its iommu-map.
    const iommu = bdf === '00:04.0' ? null : instance.id;
    return pciDev(bdf, iommu);
  });
  const results = devs.map((dev) =>
    iommuProbeDevice(
      core,
      { dev, driverBound: bound.includes(dev.name.slice(5)), pciTopology: topo },
      init,
    ),
  );
  return { core, log, devs, results, inits };
}

function groupsByMembers(core: ReturnType<typeof boot>['core']): string[][] {
  return sysfsGroups(core).map((g) => g.devices.map((n) => n.slice(5)));
}

describe('QEMU virt, SMMUv3 (observation B)', () => {
  const b = boot(smmuV3Instance({ id: SMMU }), '');
  it('prints the default-domain policy lines', () => {
    expect(b.log.map((l) => l.msg)).toEqual([
      'iommu: Default domain type: Translated',
      'iommu: DMA domain TLB invalidation policy: strict mode',
    ]);
  });
  it('groups the root port with the device behind it; the host bridge gets none', () => {
    expect(groupsByMembers(b.core)).toEqual([['00:01.0'], ['00:02.0'], ['00:03.0', '01:00.0']]);
    expect(b.results[0]).toEqual({ ret: 0, group: null });
  });
  it('every group is DMA with the SMMU software MSI window', () => {
    for (const g of sysfsGroups(b.core)) {
      expect(sysfsGroupType(g)).toBe('DMA\n');
      expect(sysfsReservedRegions(b.core, g)).toBe('0x0000000008000000 0x00000000080fffff msi\n');
      expect(g.defaultDomain?.geometry.apertureEnd).toBe((1n << 48n) - 1n);
      expect(g.defaultDomain?.pgsizeBitmap).toBe(0x1000n | 0x20_0000n | 0x4000_0000n);
    }
  });
  it('the core sets dma_iommu and initialises each device through the injected hook', () => {
    expect(b.devs.map((d) => d.dmaIommu)).toEqual([false, true, true, true, true]);
    expect(b.inits).toEqual([
      '0000:00:01.0:DMA',
      '0000:00:02.0:DMA',
      '0000:00:03.0:DMA',
      '0000:01:00.0:DMA',
    ]);
  });
  it('usable IOVA for iommufd is the aperture minus the MSI window', () => {
    const g = sysfsGroups(b.core)[0]!;
    expect(iommufdIovaRanges(b.core, g)).toEqual([
      { start: 0n, end: 0x7ff_ffffn },
      { start: 0x810_0000n, end: (1n << 48n) - 1n },
    ]);
  });
  it('ACS requested before the scan (ACPI) isolates 01:00.0 in its own group', () => {
    const acpi = boot(smmuV3Instance({ id: SMMU }), '', true);
    expect(groupsByMembers(acpi.core)).toEqual([
      ['00:01.0'],
      ['00:02.0'],
      ['00:03.0'],
      ['01:00.0'],
    ]);
  });
});

describe('command-line policy (observations C / C2)', () => {
  it('iommu.passthrough=1: identity groups, same reserved regions, no dma-iommu', () => {
    const c = boot(smmuV3Instance({ id: SMMU }), 'console=ttyAMA0 iommu.passthrough=1');
    expect(c.log.map((l) => l.msg)).toEqual([
      'iommu: Default domain type: Passthrough (set via kernel command line)',
    ]);
    for (const g of sysfsGroups(c.core)) {
      expect(sysfsGroupType(g)).toBe('identity\n');
      expect(sysfsReservedRegions(c.core, g)).toBe('0x0000000008000000 0x00000000080fffff msi\n');
    }
    expect(c.inits).toEqual([]);
    expect(c.devs.some((d) => d.dmaIommu)).toBe(false);
  });
  it('iommu.strict=0: lazy, DMA-FQ groups', () => {
    const c = boot(smmuV3Instance({ id: SMMU }), 'iommu.strict=0');
    expect(c.log.map((l) => l.msg)).toEqual([
      'iommu: Default domain type: Translated',
      'iommu: DMA domain TLB invalidation policy: lazy mode (set via kernel command line)',
    ]);
    expect(sysfsGroups(c.core).map((g) => sysfsGroupType(g))).toEqual([
      'DMA-FQ\n',
      'DMA-FQ\n',
      'DMA-FQ\n',
    ]);
  });
  it('untrusted devices get a strict DMA domain even in lazy mode', () => {
    const log: KernelLog = [];
    const core = createIommuCore(iommuSubsysInit({ strict: '0' }, log), [
      smmuV3Instance({ id: SMMU }),
    ]);
    const dev = pciDev('00:01.0', SMMU);
    const r = iommuProbeDevice(core, {
      dev,
      driverBound: true,
      untrusted: true,
      pciTopology: qemuTopology(false),
    });
    expect(r.group?.defaultDomain?.type).toBe('DMA');
  });
  it('a malformed value is reported and ignored', () => {
    const log: KernelLog = [];
    expect(iommuSubsysInit({ passthrough: 'maybe' }, log).defaultType).toBe('DMA');
    expect(log[0]?.msg).toBe("Malformed early option 'iommu.passthrough'");
  });
});

describe('QEMU virt, virtio-iommu (observation D)', () => {
  const d = boot(virtioIommuInstance({ id: VIOMMU }), '', false, true);
  it('same groups as B; the virtio-iommu itself has none', () => {
    expect(groupsByMembers(d.core)).toEqual([['00:01.0'], ['00:02.0'], ['00:03.0', '01:00.0']]);
    expect(d.results.map((r) => r.ret)).toEqual([0, 0, 0, 0, -ENODEV, 0]);
  });
  it('DMA groups reporting only the probed MSI doorbell', () => {
    for (const g of sysfsGroups(d.core)) {
      expect(sysfsGroupType(g)).toBe('DMA\n');
      expect(sysfsReservedRegions(d.core, g)).toBe('0x0000000008020000 0x0000000008020fff msi\n');
    }
  });
});

describe('probe edge cases', () => {
  it('a platform device without fwspec: -ENODEV and the of_dma_configure debug lines', () => {
    const core = createIommuCore(iommuSubsysInit({}, []), [smmuV3Instance({ id: SMMU })]);
    const dev = createDevice({ name: '9000000.pl011', bus: 'platform' });
    const r = iommuProbeDevice(core, { dev, driverBound: true });
    expect(r.ret).toBe(-ENODEV);
    logIommuConfigureResult(dev, r.ret);
    expect(dev.log.map((l) => l.msg)).toEqual([
      'Adding to IOMMU failed: -19',
      'device is not behind an iommu',
    ]);
  });
  it('an IOMMU whose driver has not registered defers the probe', () => {
    const core = createIommuCore(iommuSubsysInit({}, []), [smmuV3Instance({ id: SMMU })]);
    const dev = createDevice({ name: 'a.dev', bus: 'platform' });
    dev.fwspec = { iommuNode: SMMU, ids: [1], flags: 0, hasOps: false };
    expect(iommuProbeDevice(core, { dev, driverBound: true }).ret).toBe(-EPROBE_DEFER);
  });
  it('direct regions are identity-mapped in DMA domains and show in sysfs', () => {
    const core = createIommuCore(iommuSubsysInit({}, []), [smmuV3Instance({ id: SMMU })]);
    const dev = createDevice({ name: 'fb.display', bus: 'platform' });
    dev.fwspec = { iommuNode: SMMU, ids: [7], flags: 0, hasOps: true };
    const direct = { start: 0x8000_0000n, length: 0x30_0000n, prot: 3, type: 'direct' as const };
    const r = iommuProbeDevice(core, { dev, driverBound: true, firmwareResvRegions: [direct] });
    expect(r.ret).toBe(0);
    const domain = r.group!.defaultDomain!;
    expect(iommuIovaToPhys(domain, 0x8020_1000n)).toBe(0x8020_1000n);
    expect(sysfsReservedRegions(core, r.group!)).toBe(
      '0x0000000008000000 0x00000000080fffff msi\n0x0000000080000000 0x00000000802fffff direct\n',
    );
  });
  it('arm-smmu platform devices sharing a stream ID share a group; context banks run out', () => {
    const inst = armSmmuInstance({ id: '/iommu@d000000', model: 'mmu-500', contextBanks: 2 });
    const core = createIommuCore(iommuSubsysInit({}, []), [inst]);
    const mk = (name: string, ids: number[]) => {
      const dev = createDevice({ name, bus: 'platform' });
      dev.fwspec = { iommuNode: inst.id, ids, flags: 0, hasOps: true };
      return iommuProbeDevice(core, { dev, driverBound: true });
    };
    const a = mk('a', [0x10]);
    const b = mk('b', [0x11, 0x10]);
    const c = mk('c', [0x20]);
    const d = mk('d', [0x30]);
    expect(a.group?.id).toBe(0);
    expect(b.group?.id).toBe(0);
    expect(c.group?.id).toBe(1);
    expect(d.ret).toBe(-28);
    // The failed probe left no group behind.
    expect(sysfsGroups(core).map((g) => g.devices)).toEqual([['a', 'b'], ['c']]);
  });
});

describe('driver factory', () => {
  it('picks drivers from DT compatibles', () => {
    expect(iommuInstanceFromCompatible('/s', ['arm,smmu-v3'])?.kind).toBe('arm-smmu-v3');
    expect(iommuInstanceFromCompatible('/q', ['qcom,sc7280-smmu-500', 'arm,mmu-500'])?.kind).toBe(
      'arm-smmu',
    );
    expect(iommuInstanceFromCompatible('/v', ['virtio,pci-iommu', 'pci1af4,1057'])?.kind).toBe(
      'virtio-iommu',
    );
    const mtk = iommuInstanceFromCompatible('/m', ['mediatek,mt8195-iommu-infra']);
    expect(mtk?.kind).toBe('generic');
    expect(mtk?.geometry.apertureEnd).toBe(0xffff_ffffn);
    expect(iommuInstanceFromCompatible('/x', ['vendor,unknown'])).toBeNull();
  });
  it('picks drivers from IORT node types and rejects others with a typed error', () => {
    expect(iommuInstanceFromIortNode('iort@0x30', { type: 4 }).kind).toBe('arm-smmu-v3');
    expect(iommuInstanceFromIortNode('iort@0x30', { type: 3, model: 3 }).contextBanks).toBe(8);
    expect(() => iommuInstanceFromIortNode('iort@0x48', { type: 2 })).toThrow(/iort@0x48/);
  });
});

describe('iommu_create_device_direct_mappings', () => {
  const K4 = 0x1000n;
  const domainOf = (inst: IommuInstance) =>
    createDomain({
      type: 'DMA',
      iommu: inst.id,
      pgsizeBitmap: inst.pgsizeBitmap,
      geometry: inst.geometry,
      pageTable: inst.pageTable,
    });
  const direct = (start: bigint, length: bigint) => ({
    start,
    length,
    prot: IOMMU_READ | IOMMU_WRITE,
    type: 'direct' as const,
  });

  /** The kernel's loop as written: page by page, each run of unmapped (or phys 0) pages mapped. */
  function pageByPage(domain: IommuDomain, regions: readonly ReservedRegion[]): number {
    for (const r of regions) {
      const start = (r.start + K4 - 1n) & ~(K4 - 1n);
      const end = (r.start + r.length + K4 - 1n) & ~(K4 - 1n);
      let run = 0n;
      for (let addr = start; addr <= end; addr += K4) {
        const phys = addr === end ? null : iommuIovaToPhys(domain, addr);
        if (addr !== end && (phys === null || phys === 0n)) {
          run += K4;
          continue;
        }
        if (run > 0n) {
          const ret = iommuMap(domain, addr - run, addr - run, run, r.prot);
          if (ret !== 0) return ret;
          run = 0n;
        }
      }
    }
    return 0;
  }

  it('maps the same runs as the page-by-page walk, over mapped pages, blocks and physical 0', () => {
    const page = fc.integer({ min: 0, max: 48 }).map((p) => BigInt(p) * K4);
    const arb = fc.record({
      virtio: fc.boolean(),
      // Mappings already there: iova page, size in pages, output 0 (the hole case) or elsewhere.
      before: fc.array(fc.tuple(page, fc.integer({ min: 1, max: 8 }), fc.boolean()), {
        maxLength: 4,
      }),
      regions: fc.array(fc.tuple(page, fc.integer({ min: 0, max: 40 })), {
        minLength: 1,
        maxLength: 3,
      }),
    });
    fc.assert(
      fc.property(arb, ({ virtio, before, regions }) => {
        const inst = virtio ? virtioIommuInstance({ id: 'v' }) : smmuV3Instance({ id: SMMU });
        const [ours, theirs] = [domainOf(inst), domainOf(inst)];
        for (const [iova, pages, atZero] of before) {
          const paddr = atZero ? 0n : 0x10_0000_0000n + iova;
          for (const d of [ours, theirs]) iommuMap(d, iova, paddr, BigInt(pages) * K4, 3);
        }
        const rs = regions.map(([start, pages]) => direct(start + 0x800n, BigInt(pages) * K4));
        expect(iommuCreateDeviceDirectMappings(ours, rs)).toBe(pageByPage(theirs, rs));
        for (let a = 0n; a < 100n * K4; a += K4) {
          expect(iommuIovaToPhys(ours, a)).toBe(iommuIovaToPhys(theirs, a));
        }
      }),
      { numRuns: 300 },
    );
  });

  // Found by pnpm fuzz (seeds 13007409, 13017061, 13018249, 13019333 of the seed-13 run): a
  // byte-mutated IORT whose RMR length became 2^48-ish ran the page walk for hours.
  it('a region of 2^43 bytes costs its mapped extents, not 2^31 page lookups', () => {
    const domain = domainOf(smmuV3Instance({ id: SMMU }));
    iommuMap(domain, 0x1_0000_0000n, 0x1_0000_0000n, 0x20_0000n, 3);
    expect(iommuCreateDeviceDirectMappings(domain, [direct(0x8000_0000n, 1n << 43n)])).toBe(0);
    expect(iommuIovaToPhys(domain, 0x800_7fff_f000n)).toBe(0x800_7fff_f000n);
    expect(iommuIovaToPhys(domain, 0x800_8000_0000n)).toBe(null);
    expect(iommuIovaToPhys(domain, 0x1_0000_1000n)).toBe(0x1_0000_1000n);
    // Past the 44-bit output range the map fails as the kernel's would: -ERANGE.
    const past = domainOf(smmuV3Instance({ id: SMMU }));
    expect(iommuCreateDeviceDirectMappings(past, [direct(0x8000_0000n, 1n << 60n)])).toBe(-34);
  });
});
