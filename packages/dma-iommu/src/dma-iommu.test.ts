import {
  createDevice,
  DMA_BIDIRECTIONAL,
  DMA_FROM_DEVICE,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  dmaSetMaxSegSize,
  dmaSetSegBoundary,
  EFAULT,
  EINVAL,
  ENOMEM,
  kernelRelease,
  setDmaMask,
  sgInitTable,
} from '@dmasim/dma-mapping';
import {
  createDomain,
  type DomainType,
  IOMMU_CACHE,
  IOMMU_READ,
  IOMMU_WRITE,
  iommuIovaToPhys,
  iommuMappedBytes,
  MSI_IOVA_BASE,
  MSI_IOVA_LENGTH,
  MSI_REGION_PROT,
  type ReservedRegion,
} from '@dmasim/iommu-core';
import { describe, expect, it } from 'vitest';
import {
  createIommuDmaDevice,
  getCookie,
  type IommuDmaDevice,
  iommuGetDmaCookie,
  type PciHostBridgeWindows,
  type SwiotlbHook,
} from './cookie.js';
import { iommuDmaInitDomain, iommuSetupDmaOps, iovaFloor } from './init-domain.js';
import { iovaRanges } from './iova-allocator.js';
import { dmaInfoToProt, iommuDmaMapPage, iommuDmaUnmapPage } from './map.js';
import { iommuDmaMapSg, iommuDmaUnmapSg } from './map-sg.js';
import { iommuDmaGetMsiPage, iommuDmaMsiAddress } from './msi.js';
import { dmaIommuDomainStats } from './stats.js';
import { iommuDmaAdvanceClock } from './timers.js';

const GIB = 1n << 30n;
const SMMU_PGSIZES = (1n << 12n) | (1n << 21n) | (1n << 30n);
const GICV2M_DOORBELL = 0x0802_0000n;

/** QEMU virt's PCIe host bridge (qemu__virt-smmuv3.dts `ranges`): no dma-ranges. */
const QEMU_VIRT_BRIDGE: PciHostBridgeWindows = {
  outbound: [
    { cpuStart: 0x3eff_0000n, busStart: 0n, size: 0x1_0000n, kind: 'io' },
    { cpuStart: 0x1000_0000n, busStart: 0x1000_0000n, size: 0x2eff_0000n },
    { cpuStart: 0x80_0000_0000n, busStart: 0x80_0000_0000n, size: 0x80_0000_0000n },
  ],
  inbound: [],
};

const SW_MSI: ReservedRegion = {
  start: MSI_IOVA_BASE,
  length: MSI_IOVA_LENGTH,
  prot: MSI_REGION_PROT,
  type: 'sw-msi',
};
const VIOMMU_MSI: ReservedRegion = {
  start: GICV2M_DOORBELL,
  length: 0x1000n,
  prot: MSI_REGION_PROT,
  type: 'msi',
};

function smmuDomain(type: DomainType = 'DMA', cpus = 2) {
  const domain = createDomain({
    type,
    iommu: '/smmuv3@9050000',
    pgsizeBitmap: SMMU_PGSIZES,
    geometry: { apertureStart: 0n, apertureEnd: (1n << 48n) - 1n, forceAperture: true },
    pageTable: {
      kind: 'radix',
      format: { granuleShift: 12, ias: 48, oas: 48, partialBlockUnmap: 'split' },
    },
  });
  expect(iommuGetDmaCookie(domain, { cpus })).toBe(0);
  return domain;
}

function pciDevice(
  name: string,
  domain = smmuDomain(),
  extra: {
    bridge?: PciHostBridgeWindows;
    resv?: ReservedRegion[];
    untrusted?: boolean;
    swiotlb?: SwiotlbHook;
  } = {},
): IommuDmaDevice {
  const dev = createDevice({
    name,
    bus: 'pci',
    pci: { segment: 0, bus: 0, devfn: 8, aliases: [8] },
  });
  dev.dmaCoherent = true;
  return createIommuDmaDevice({
    dev,
    domain,
    resvRegions: extra.resv ?? [SW_MSI],
    hostBridge: extra.bridge ?? QEMU_VIRT_BRIDGE,
    untrusted: extra.untrusted ?? false,
    swiotlb: extra.swiotlb ?? null,
  });
}

const hex = (v: bigint) => `0x${v.toString(16)}`;

describe('kernel-observations B: SMMUv3, 64-bit PCI device', () => {
  it('maps the GICv2m doorbell first at 0xfffff000, then goes down below 4 GiB', () => {
    const ddev = pciDevice('0000:00:01.0');
    expect(iommuSetupDmaOps(ddev)).toBe(0);
    expect(ddev.dev.dmaIommu).toBe(true);
    expect(ddev.pci32BitWorkaround).toBe(true);
    setDmaMask(ddev.dev, (1n << 64n) - 1n);
    ddev.dev.coherentDmaMask = (1n << 64n) - 1n;

    const doorbell = iommuDmaGetMsiPage(ddev, GICV2M_DOORBELL)!;
    expect(hex(doorbell.iova)).toBe('0xfffff000');
    expect(iommuIovaToPhys(ddev.domain, 0xffff_f000n)).toBe(GICV2M_DOORBELL);
    // A second vector on the same doorbell reuses the page.
    expect(iommuDmaMsiAddress(ddev, GICV2M_DOORBELL + 0x40n)).toBe(0xffff_f040n);

    // Driver mappings (virtio rings, buffers): one page, then larger, all below 4 GiB, descending.
    const sizes = [0x1000n, 0x1000n, 0x4000n, 0x1000n, 0x2000n, 0x10000n, 0x1000n, 0x600n];
    const iovas = sizes.map((s, i) =>
      iommuDmaMapPage(ddev, 0x4000_0000n + BigInt(i) * 0x10_0000n, s, DMA_BIDIRECTIONAL),
    );
    expect(iovas.map(hex)).toEqual([
      '0xffffe000',
      '0xffffd000',
      '0xffff8000', // four pages aligned to four, below the cached node
      '0xffff7000', // first fit walks on down: the hole at 0xffffc000 is above the cached node
      '0xffff4000', // two pages aligned to two
      '0xfffe0000', // sixteen pages aligned to sixteen
      '0xfffdf000',
      '0xfffde000', // 0x600 bytes: one page
    ]);
    for (const iova of iovas) {
      expect(iova).toBeGreaterThanOrEqual(0xfffb_e000n);
      expect(iova).toBeLessThanOrEqual(0xffff_f000n);
    }
    expect(ddev.dev.log).toEqual([]);
  });
});

describe('kernel-observations D: virtio-iommu reports the doorbell as an MSI region', () => {
  it('does not allocate for the doorbell; the first map gets 0xfffff000', () => {
    const domain = createDomain({
      type: 'DMA',
      iommu: '/pcie/virtio-iommu',
      pgsizeBitmap: (1n << 64n) - (1n << 12n),
      geometry: { apertureStart: 0n, apertureEnd: (1n << 64n) - 1n, forceAperture: true },
      pageTable: { kind: 'intervals' },
    });
    iommuGetDmaCookie(domain);
    const ddev = pciDevice('0000:00:01.0', domain, { resv: [VIOMMU_MSI] });
    expect(iommuSetupDmaOps(ddev)).toBe(0);
    setDmaMask(ddev.dev, (1n << 64n) - 1n);
    expect(iommuDmaMsiAddress(ddev, GICV2M_DOORBELL + 0x40n)).toBe(GICV2M_DOORBELL + 0x40n);
    expect(hex(iommuDmaMapPage(ddev, 0x4000_0000n, 0x1000n, DMA_TO_DEVICE))).toBe('0xfffff000');
  });
});

describe('limits', () => {
  it('a 1 GiB inbound dma-ranges window at bus 0 gives 0x3ffff000 first', () => {
    const bridge = {
      ...QEMU_VIRT_BRIDGE,
      inbound: [{ busStart: 0n, size: GIB, cpuStart: 0x4000_0000n }],
    };
    const ddev = pciDevice('0000:00:02.0', smmuDomain(), { bridge });
    expect(iommuSetupDmaOps(ddev)).toBe(0);
    setDmaMask(ddev.dev, (1n << 64n) - 1n);
    expect(hex(iommuDmaGetMsiPage(ddev, GICV2M_DOORBELL)!.iova)).toBe('0x3ffff000');
    expect(hex(iommuDmaMapPage(ddev, 0x4000_0000n, 0x1000n, DMA_FROM_DEVICE))).toBe('0x3fffe000');
  });

  it('a 32-bit device never leaves the 32-bit space; a 64-bit one moves up after exhausting it', () => {
    const domain = smmuDomain();
    const ddev = pciDevice('0000:00:03.0', domain, { bridge: { outbound: [], inbound: [] } });
    iommuSetupDmaOps(ddev);
    // 32-bit mask: 1 GiB chunks fit three times below 4 GiB (page 0 is never handed out).
    const got = [0, 1, 2].map(() => iommuDmaMapPage(ddev, 0x4000_0000n, GIB, DMA_BIDIRECTIONAL));
    expect(got.map(hex)).toEqual(['0xc0000000', '0x80000000', '0x40000000']);
    expect(iommuDmaMapPage(ddev, 0x4000_0000n, GIB, DMA_BIDIRECTIONAL)).toBe(DMA_MAPPING_ERROR);
    // Now with 64 bits the below-4-GiB try fails once, is announced, and is not tried again.
    setDmaMask(ddev.dev, (1n << 64n) - 1n);
    expect(hex(iommuDmaMapPage(ddev, 0x4000_0000n, GIB, DMA_BIDIRECTIONAL))).toBe('0xffffc0000000');
    expect(ddev.pci32BitWorkaround).toBe(false);
    expect(ddev.dev.log).toEqual([{ level: 'info', msg: 'Using 48-bit DMA addresses' }]);
    expect(hex(iommuDmaMapPage(ddev, 0x4000_0000n, 0x1000n, DMA_BIDIRECTIONAL))).toBe(
      '0xffffbffff000',
    );
  });

  it('iommu.forcedac=1 skips the 32-bit first try', () => {
    const ddev = pciDevice('0000:00:01.0');
    iommuSetupDmaOps(ddev, { forcedac: true });
    setDmaMask(ddev.dev, (1n << 64n) - 1n);
    expect(hex(iommuDmaMapPage(ddev, 0x4000_0000n, 0x1000n, DMA_BIDIRECTIONAL))).toBe(
      '0xfffffffff000',
    );
  });

  it('bus_dma_limit caps the IOVA below the mask', () => {
    const ddev = pciDevice('0000:00:01.0', smmuDomain(), { bridge: { outbound: [], inbound: [] } });
    iommuSetupDmaOps(ddev, { forcedac: true });
    setDmaMask(ddev.dev, (1n << 64n) - 1n);
    ddev.dev.busDmaLimit = 0xff_ffff_ffffn;
    expect(hex(iommuDmaMapPage(ddev, 0x4000_0000n, 0x1000n, DMA_BIDIRECTIONAL))).toBe(
      '0xfffffff000',
    );
  });
});

describe('iommu_dma_init_domain', () => {
  it('a dma_range_map outside the aperture is -EFAULT with the kernel message', () => {
    const ddev = pciDevice('0000:00:01.0');
    ddev.dev.dmaRangeMap = [{ cpuStart: 0n, dmaStart: 1n << 50n, size: GIB }];
    expect(iommuDmaInitDomain(ddev)).toBe(-EFAULT);
    expect(ddev.dev.log).toEqual([
      { level: 'warn', msg: 'specified DMA range outside IOMMU capability' },
    ]);
    // iommu_setup_dma_ops() then keeps the platform ops.
    ddev.dev.log.length = 0;
    expect(iommuSetupDmaOps(ddev)).toBe(-EFAULT);
    expect(ddev.dev.dmaIommu).toBe(false);
    expect(ddev.dev.log[1]).toEqual({
      level: 'warn',
      msg: 'Failed to set up IOMMU for device 0000:00:01.0; retaining platform DMA ops',
    });
  });

  it('the floor is max(1, aperture_start >> order); a second device must agree', () => {
    const domain = createDomain({
      type: 'DMA',
      iommu: 'x',
      pgsizeBitmap: SMMU_PGSIZES,
      geometry: { apertureStart: 0x10_0000n, apertureEnd: 0xffff_ffffn, forceAperture: true },
      pageTable: { kind: 'intervals' },
    });
    iommuGetDmaCookie(domain);
    const a = pciDevice('0000:00:01.0', domain);
    expect(iommuDmaInitDomain(a)).toBe(0);
    expect(iovaFloor(a)).toBe(0x10_0000n);
    const b = pciDevice('0000:00:02.0', domain);
    expect(iommuDmaInitDomain(b)).toBe(0);
    // Same domain, but the driver now claims 64 KiB pages: incompatible granule.
    domain.pgsizeBitmap = 1n << 16n;
    const c = pciDevice('0000:00:03.0', domain);
    expect(iommuDmaInitDomain(c, { pageSize: 65536 })).toBe(-EFAULT);
    expect(c.dev.log).toEqual([{ level: 'warn', msg: 'Incompatible range for DMA domain' }]);
  });

  it('6.7 checks the arch window against the aperture instead', () => {
    const ddev = pciDevice('0000:00:01.0');
    const legacy = { dmaBase: 1n << 49n, dmaLimit: (1n << 50n) - 1n };
    expect(iommuDmaInitDomain(ddev, { kernel: kernelRelease('6.7'), legacy })).toBe(-EFAULT);
    const ok = pciDevice('0000:00:01.0');
    expect(
      iommuDmaInitDomain(ok, {
        kernel: kernelRelease('6.7'),
        legacy: { dmaBase: 0x20_0000n, dmaLimit: (1n << 32n) - 1n },
      }),
    ).toBe(0);
    expect(iovaFloor(ok)).toBe(0x20_0000n);
  });

  it('reserves PCI windows and non-SW-MSI regions; overlapping inbound windows fail', () => {
    const resv: ReservedRegion[] = [
      SW_MSI,
      { start: 0x5000_0000n, length: 0x2000n, prot: 0, type: 'reserved' },
      { start: 0x6000_0000n, length: 0x1000n, prot: 0, type: 'direct' },
    ];
    const ddev = pciDevice('0000:00:01.0', smmuDomain(), { resv });
    expect(iommuDmaInitDomain(ddev)).toBe(0);
    const iovad = (ddev.domain.iovaCookie as { iovad: { shift: number } }).iovad;
    expect(iovad.shift).toBe(12);
    expect(iovaRanges((ddev.domain.iovaCookie as never as { iovad: never }).iovad)).toEqual([
      [0x10000, 0x3efef],
      [0x50000, 0x50001],
      [0x60000, 0x60000],
      [0x8000000, 0xfffffff],
    ]);
    const bad = pciDevice('0000:00:02.0', smmuDomain(), {
      bridge: {
        outbound: [],
        inbound: [
          { busStart: 0n, size: 2n * GIB },
          { busStart: GIB, size: GIB },
        ],
      },
    });
    expect(iommuDmaInitDomain(bad)).toBe(-EINVAL);
    expect(bad.dev.log).toEqual([
      { level: 'err', msg: 'Failed to reserve IOVA [0x0000000080000000-0x0000000040000000]' },
    ]);
  });
});

describe('map/unmap, strict and lazy', () => {
  it('maps with prot from direction and coherence and returns iova + offset', () => {
    const ddev = pciDevice('0000:00:01.0');
    iommuSetupDmaOps(ddev);
    expect(dmaInfoToProt(DMA_TO_DEVICE, true, 0)).toBe(IOMMU_CACHE | IOMMU_READ);
    expect(dmaInfoToProt(DMA_FROM_DEVICE, false, 0)).toBe(IOMMU_WRITE);
    const dma = iommuDmaMapPage(ddev, 0x4000_0123n, 0x1000n, DMA_TO_DEVICE);
    // 0x123 + 0x1000 spans two granules: two pages, aligned to two.
    expect(hex(dma)).toBe('0xffffe123');
    expect(iommuIovaToPhys(ddev.domain, dma)).toBe(0x4000_0123n);
    expect(iommuMappedBytes(ddev.domain)).toBe(0x2000n);
    iommuDmaUnmapPage(ddev, dma, 0x1000n, DMA_TO_DEVICE);
    expect(iommuMappedBytes(ddev.domain)).toBe(0n);
    const s = dmaIommuDomainStats(ddev.domain)!;
    expect(s.iotlbSyncs).toBe(1);
    expect(s.iotlbFlushAll).toBe(0);
    // Strict: the IOVA is reusable at once (from the cache).
    expect(hex(iommuDmaMapPage(ddev, 0x5000_0000n, 0x2000n, DMA_TO_DEVICE))).toBe('0xffffe000');
  });

  it('lazy (DMA-FQ): no per-unmap sync, one flush per batch of 255 or per 10 ms', () => {
    const domain = smmuDomain('DMA-FQ', 1);
    const ddev = pciDevice('0000:00:01.0', domain);
    iommuSetupDmaOps(ddev);
    expect(domain.type).toBe('DMA-FQ');
    const first = iommuDmaMapPage(ddev, 0x4000_0000n, 0x1000n, DMA_BIDIRECTIONAL);
    iommuDmaUnmapPage(ddev, first, 0x1000n, DMA_BIDIRECTIONAL);
    // Not reusable until a flush: the next map gets a fresh IOVA.
    expect(iommuDmaMapPage(ddev, 0x4000_0000n, 0x1000n, DMA_BIDIRECTIONAL)).not.toBe(first);
    expect(dmaIommuDomainStats(domain)!.fqPending).toBe(1);
    iommuDmaAdvanceClock(domain, 9);
    expect(dmaIommuDomainStats(domain)!.fqFlushes).toBe(0);
    iommuDmaAdvanceClock(domain, 10);
    let s = dmaIommuDomainStats(domain)!;
    expect([s.fqFlushes, s.fqFlushesByTimer, s.fqPending, s.iotlbSyncs, s.iotlbFlushAll]).toEqual([
      1, 1, 0, 0, 1,
    ]);
    expect(iommuDmaMapPage(ddev, 0x4000_0000n, 0x1000n, DMA_BIDIRECTIONAL)).toBe(first);
    // 300 unmaps without time passing: the 256-slot ring holds 255, so the 256th flushes.
    const iovas: bigint[] = [];
    for (let i = 0; i < 300; i++)
      iovas.push(iommuDmaMapPage(ddev, 0x4000_0000n, 0x1000n, DMA_BIDIRECTIONAL));
    for (const iova of iovas) iommuDmaUnmapPage(ddev, iova, 0x1000n, DMA_BIDIRECTIONAL);
    s = dmaIommuDomainStats(domain)!;
    expect(s.fqFlushesWhenFull).toBe(1);
    expect(s.fqPending).toBe(300 - 255);
  });

  it('unmaps through iommu_unmap_fast: strict syncs the gather, lazy leaves it to the queue', () => {
    for (const type of ['DMA', 'DMA-FQ'] as const) {
      const domain = smmuDomain(type, 1);
      const ddev = pciDevice('0000:00:01.0', domain);
      iommuSetupDmaOps(ddev);
      // 0x10 + 0x2000 bytes span three granules; the allocation rounds up to four, aligned.
      const dma = iommuDmaMapPage(ddev, 0x4000_0010n, 0x2000n, DMA_BIDIRECTIONAL);
      expect(hex(dma)).toBe('0xffffc010');
      iommuDmaUnmapPage(ddev, dma, 0x2000n, DMA_BIDIRECTIONAL);
      const gather = getCookie(domain)!.gather;
      const s = dmaIommuDomainStats(domain)!;
      if (type === 'DMA') {
        expect([s.iotlbSyncs, s.fqPending]).toEqual([1, 0]);
        expect(gather).toEqual({ start: (1n << 64n) - 1n, end: 0n, queued: false });
      } else {
        expect([s.iotlbSyncs, s.fqPending]).toEqual([0, 1]);
        expect(gather).toEqual({ start: 0xffff_c000n, end: 0xffff_efffn, queued: true });
      }
    }
  });

  it('DMA-FQ without deferred-flush support falls back to strict', () => {
    const domain = smmuDomain('DMA-FQ');
    const ddev = pciDevice('0000:00:01.0', domain);
    ddev.deferredFlush = false;
    iommuSetupDmaOps(ddev);
    expect(domain.type).toBe('DMA');
  });

  it('untrusted devices bounce sub-granule buffers through swiotlb', () => {
    const slots: bigint[] = [];
    const swiotlb: SwiotlbHook = {
      active: true,
      mapSingle: (_phys, _size, mask) => {
        expect(mask).toBe(0xfffn);
        const slot = 0xf800_0000n + BigInt(slots.length) * 0x800n;
        slots.push(slot);
        return slot;
      },
      unmapSingle: (phys) => {
        slots.splice(slots.indexOf(phys), 1);
      },
      isBuffer: (phys) => phys >= 0xf800_0000n && phys < 0xfc00_0000n,
    };
    const ddev = pciDevice('0000:00:01.0', smmuDomain(), { untrusted: true, swiotlb });
    iommuSetupDmaOps(ddev);
    const aligned = iommuDmaMapPage(ddev, 0x4000_0000n, 0x1000n, DMA_TO_DEVICE);
    expect(slots).toHaveLength(0);
    const small = iommuDmaMapPage(ddev, 0x4000_0010n, 0x40n, DMA_TO_DEVICE);
    expect(slots).toEqual([0xf800_0000n]);
    expect(iommuIovaToPhys(ddev.domain, small)).toBe(0xf800_0000n);
    iommuDmaUnmapPage(ddev, small, 0x40n, DMA_TO_DEVICE);
    iommuDmaUnmapPage(ddev, aligned, 0x1000n, DMA_TO_DEVICE);
    expect(slots).toEqual([]);
    // map_sg on an untrusted device maps entry by entry and marks the list (sg_dma_mark_swiotlb).
    const sgl = sgInitTable([
      { phys: 0x4100_0000n, length: 0x1000n },
      { phys: 0x4200_0020n, length: 0x40n },
    ]);
    expect(iommuDmaMapSg(ddev, sgl, 2, DMA_TO_DEVICE)).toBe(2);
    expect(sgl[0]!.dmaIsSwiotlb).toBe(true);
    expect(slots).toEqual([0xf800_0000n]);
    expect(sgl.map((e) => e.dmaLength)).toEqual([0x1000n, 0x40n]);
    expect(iommuIovaToPhys(ddev.domain, sgl[1]!.dmaAddress)).toBe(0xf800_0000n);
    iommuDmaUnmapSg(ddev, sgl, 2, DMA_TO_DEVICE);
    expect(slots).toEqual([]);
    expect(iommuMappedBytes(ddev.domain)).toBe(0n);
    // Without an active pool the unaligned map fails, warning once.
    const noPool = pciDevice('0000:00:02.0', smmuDomain(), { untrusted: true });
    iommuSetupDmaOps(noPool);
    expect(iommuDmaMapPage(noPool, 0x4000_0010n, 0x40n, DMA_TO_DEVICE)).toBe(DMA_MAPPING_ERROR);
    expect(iommuDmaMapPage(noPool, 0x4000_0010n, 0x40n, DMA_TO_DEVICE)).toBe(DMA_MAPPING_ERROR);
    expect(noPool.dev.log).toEqual([
      {
        level: 'warn',
        msg: 'DMA bounce buffers are inactive, unable to map unaligned transaction.',
      },
    ]);
  });
});

describe('map_sg', () => {
  it('one IOVA range; page-aligned neighbours merge up to the max segment size', () => {
    const ddev = pciDevice('0000:00:01.0');
    iommuSetupDmaOps(ddev);
    const sgl = sgInitTable([
      { phys: 0x4000_0000n, length: 0x1000n },
      { phys: 0x4100_0000n, length: 0x1000n },
      { phys: 0x4200_0000n, length: 0x800n }, // ends mid-page: the next one cannot merge
      { phys: 0x4300_0000n, length: 0x1000n },
    ]);
    const n = iommuDmaMapSg(ddev, sgl, sgl.length, DMA_BIDIRECTIONAL);
    expect(n).toBe(2);
    const [a, b, c] = sgl;
    expect([hex(a!.dmaAddress), a!.dmaLength]).toEqual(['0xffffc000', 0x2800n]);
    expect([hex(b!.dmaAddress), b!.dmaLength]).toEqual(['0xfffff000', 0x1000n]);
    expect([c!.dmaAddress, c!.dmaLength]).toEqual([DMA_MAPPING_ERROR, 0n]);
    expect(a!.dmaIsSwiotlb).toBe(false);
    expect(iommuIovaToPhys(ddev.domain, 0xffff_d000n)).toBe(0x4100_0000n);
    iommuDmaUnmapSg(ddev, sgl, sgl.length, DMA_BIDIRECTIONAL);
    expect(iommuMappedBytes(ddev.domain)).toBe(0n);
  });

  it('respects the segment boundary: a segment that would cross it starts on it', () => {
    const ddev = pciDevice('0000:00:01.0');
    dmaSetSegBoundary(ddev.dev, 0xffffn); // 64 KiB boundary
    dmaSetMaxSegSize(ddev.dev, 0x10_0000n);
    iommuSetupDmaOps(ddev);
    const sgl = sgInitTable([
      { phys: 0x4000_0000n, length: 0xf000n },
      { phys: 0x5000_0000n, length: 0x2000n },
    ]);
    expect(iommuDmaMapSg(ddev, sgl, 2, DMA_TO_DEVICE)).toBe(2);
    const [a, b] = sgl;
    // The first entry is padded to the boundary so the second starts on it.
    expect(b!.dmaAddress - a!.dmaAddress).toBe(0x10000n);
    expect(b!.dmaAddress & 0xffffn).toBe(0n);
  });

  it('fails with -ENOMEM when no IOVA fits', () => {
    const ddev = pciDevice('0000:00:01.0', smmuDomain(), { bridge: { outbound: [], inbound: [] } });
    iommuSetupDmaOps(ddev);
    const sgl = sgInitTable([{ phys: 0x4000_0000n, length: 0xffff_ffffn }]);
    expect(() => iommuDmaMapSg(ddev, sgl, 1, DMA_TO_DEVICE)).not.toThrow();
    const huge = sgInitTable([
      { phys: 0x4000_0000n, length: 0xffff_ffffn },
      { phys: 0x1_4000_0000n, length: 0xffff_ffffn },
    ]);
    expect(iommuDmaMapSg(ddev, huge, 2, DMA_TO_DEVICE)).toBe(-ENOMEM);
    expect(huge.map((e) => e.dmaAddress)).toEqual([DMA_MAPPING_ERROR, DMA_MAPPING_ERROR]);
  });
});
