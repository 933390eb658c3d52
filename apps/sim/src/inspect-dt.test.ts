import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { kernelRelease } from '@dmasim/dma-mapping';
import { parseDts, parseFdt } from '@dmasim/of';
import { describe, expect, it } from 'vitest';
import { corpusDir, exampleDir, hasCorpus } from './corpus.js';
import type { DeviceReport } from './report.js';
import { inspectTree as inspectDeviceTree } from './test-boot.js';

const blob = (name: string) =>
  parseFdt(new Uint8Array(readFileSync(resolve(corpusDir, 'dtb', name))));
const byPath = (devices: DeviceReport[], path: string) => {
  const d = devices.find((x) => x.path === path);
  if (!d) throw new Error(`no device ${path}`);
  return d;
};

describe.skipIf(!hasCorpus)('inspect on the corpus', () => {
  const files = hasCorpus
    ? readdirSync(resolve(corpusDir, 'dtb')).filter((f) => f.endsWith('.dtb'))
    : [];

  it.each(files)('%s completes for 6.10 and 6.7', (file) => {
    const tree = blob(file);
    for (const kernel of ['6.10', '6.7'] as const) {
      const report = inspectDeviceTree(tree, { kernel: kernelRelease(kernel) });
      expect(report.devices.length).toBeGreaterThan(0);
      for (const d of report.devices) expect([0, -517, -22, -12]).toContain(d.ret);
    }
  });

  // kernel-observations.md, case B: coherency and "behind an iommu" per platform device.
  it('qemu virt with SMMUv3: platform devices as the real kernel saw them', () => {
    const report = inspectDeviceTree(blob('qemu__virt-smmuv3.dtb'));
    const coherent = [
      '/pcie@10000000',
      '/smmuv3@9050000',
      '/fw-cfg@9020000',
      '/virtio_mmio@a000000',
    ];
    const nonCoherent = ['/pl011@9000000', '/pl061@9030000', '/pl031@9010000', '/psci', '/pmu'];
    for (const p of coherent) expect(byPath(report.devices, p).coherent).toBe(true);
    for (const p of nonCoherent) expect(byPath(report.devices, p).coherent).toBe(false);
    for (const d of report.devices.filter((x) => x.bus !== 'pci')) {
      expect(d.iommu).toBeNull();
      expect(d.log).toContainEqual({ level: 'debug', msg: 'device is not behind an iommu' });
    }
    expect(byPath(report.devices, '/pl011@9000000').bus).toBe('amba');
  });

  it('qemu virt with SMMUv3: iommu-map gives RID 0x8 stream ID 0x8 and 32-bit masks', () => {
    const report = inspectDeviceTree(blob('qemu__virt-smmuv3.dtb'), {
      pci: [
        { host: '/pcie@10000000', bdf: '00:01.0' },
        { host: '/pcie@10000000', bdf: '01:00.0' },
      ],
    });
    const nic = byPath(report.devices, 'pci:0000:00:01.0');
    expect(nic).toMatchObject({
      bus: 'pci',
      rid: '0x8',
      ret: 0,
      dmaMask: '0xffffffff',
      coherentDmaMask: '0xffffffff',
      coherent: true,
      iommu: { node: '/smmuv3@9050000', ids: ['0x8'] },
      rangeMap: null,
      busDmaLimit: '0x0',
    });
    // Probed by the IOMMU core: without a platform file no bridge is known, so a group each.
    expect(byPath(report.devices, 'pci:0000:01:00.0').iommu).toEqual({
      node: '/smmuv3@9050000',
      ids: ['0x100'],
      group: 1,
      domain: 'DMA',
      iovaBase: '0x1000',
      iovaLimit: '0xffffffff',
    });
  });

  it('qemu virt without an IOMMU: nothing is behind one', () => {
    const report = inspectDeviceTree(blob('qemu__virt.dtb'), {
      pci: [{ host: '/pcie@10000000', bdf: '00:02.0' }],
    });
    expect(report.devices.every((d) => d.iommu === null)).toBe(true);
    expect(byPath(report.devices, 'pci:0000:00:02.0').coherent).toBe(true);
  });
});

describe('the bundled example platform', () => {
  const tree = parseDts(readFileSync(resolve(exampleDir, 'example-soc.dts'), 'utf8'));
  const now = inspectDeviceTree(tree);
  const before = inspectDeviceTree(tree, { kernel: kernelRelease('6.7') });

  it('the SoC bus window: 1 GiB of RAM at bus 0xc0000000', () => {
    expect(byPath(now.devices, '/soc/dma-controller@7e007000')).toMatchObject({
      rangeMap: [{ cpuStart: '0x0', dmaStart: '0xc0000000', size: '0x40000000' }],
      busDmaLimit: '0xffffffff',
      dmaMask: '0xffffffff',
      coherent: false,
    });
  });

  it('the PCIe function sits behind the SMMU with its RID as stream ID', () => {
    expect(byPath(now.devices, 'pci:0000:00:01.0')).toMatchObject({
      node: '/pcie@600000000/ethernet@1,0',
      iommu: { node: '/iommu@fd000000', ids: ['0x8'] },
      busDmaLimit: '0xffffffff',
      coherent: true,
    });
  });

  it('a bus without dma-ranges leaves the limit unset', () => {
    expect(byPath(now.devices, '/bus@f0000000/gpio@1000')).toMatchObject({
      rangeMap: null,
      busDmaLimit: '0x0',
      dmaMask: '0xffffffff',
    });
    expect(byPath(now.devices, '/bus@f0000000/usb@2000').coherent).toBe(true);
  });

  it('the untranslatable dma-ranges entry is reported and dropped (edge case 18)', () => {
    const crypto = byPath(now.devices, '/soc/bus@7e800000/crypto@0');
    expect(crypto.log).toContainEqual({
      level: 'err',
      msg: 'translation of DMA address(0) to CPU address failed node(/soc/bus@7e800000)',
    });
    expect(crypto.rangeMap).toBeNull();
  });

  it('size written as a mask: 6.7 warns and rounds, 6.10 keeps the exact end (example A)', () => {
    const codecNow = byPath(now.devices, '/bus@fe000000/video-codec@0');
    const codecBefore = byPath(before.devices, '/bus@fe000000/video-codec@0');
    expect(codecNow.busDmaLimit).toBe('0xfffffffe');
    expect(codecNow.log.filter((e) => e.level === 'warn')).toEqual([]);
    expect(codecBefore.busDmaLimit).toBe('0xffffffff');
    expect(codecBefore.log).toContainEqual({
      level: 'warn',
      msg: 'Invalid size 0xffffffff for dma-range(s)',
    });
  });
});
