import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { kernelRelease } from '@dmasim/dma-mapping';
import { bootMachine } from '@dmasim/machine';
import { describe, expect, it } from 'vitest';
import { loadAcpi } from './acpi-file.js';
import { UsageError } from './args.js';
import { parsePciOption } from './commands/common.js';
import { corpusDir, exampleDir, hasCorpus } from './corpus.js';
import { type DeviceReport, inspectReport } from './report.js';
import { inspectAcpi } from './test-boot.js';

const iortFile = (name: string) => resolve(corpusDir, 'iort', name);
const byPath = (devices: DeviceReport[], path: string) => {
  const d = devices.find((x) => x.path === path);
  if (!d) throw new Error(`no device ${path} in ${devices.map((x) => x.path).join(', ')}`);
  return d;
};

describe('--pci for ACPI', () => {
  it('takes SEGMENT:BB:DD.F with the segment as a number', () => {
    expect(parsePciOption('0:00:01.0', true)).toEqual({ segment: 0, bdf: '00:01.0' });
    expect(parsePciOption('2:01:1f.7', true)).toEqual({ segment: 2, bdf: '01:1f.7' });
    expect(parsePciOption('0x10:ff:00.0', true)).toEqual({ segment: 16, bdf: 'ff:00.0' });
    for (const bad of ['00:01.0', '0:00:20.0', '65536:00:00.0', '/pcie@0:00:01.0', '0:00:01.8']) {
      expect(() => parsePciOption(bad, true)).toThrow(UsageError);
    }
  });
});

describe.skipIf(!hasCorpus)('inspect on the corpus IORT tables', () => {
  const files = hasCorpus
    ? readdirSync(resolve(corpusDir, 'iort')).filter((f) => f.endsWith('.bin'))
    : [];

  it('finds the tables', () => expect(files.length).toBeGreaterThanOrEqual(3));

  it.each(files)('%s: the default platform completes for 6.10 and 6.7', (file) => {
    const { table, tableLog, firmware } = loadAcpi(iortFile(file));
    expect(tableLog).toEqual([]); // every corpus table has a valid checksum and fits
    expect(firmware.devices).toBeUndefined();
    for (const kernel of ['6.10', '6.7'] as const) {
      const report = inspectAcpi(table!, { kernel: kernelRelease(kernel) });
      expect(report.arch).toBe('arm64');
      expect(report.devices.length).toBeGreaterThan(0);
      for (const d of report.devices) expect([0, -517]).toContain(d.ret);
    }
  });

  // QEMU virt,iommu=smmuv3: RC memory_address_limit 64, RIDs 0x0-0x1ff (id_count 0x200) to the
  // SMMU at 0x48, 0x200-0xffff to the ITS.
  const smmuv3 = () => loadAcpi(iortFile('qemu-virt-smmuv3.iort.bin')).table!;

  it('qemu virt SMMUv3: a 64-bit limit is ~0 in 6.10 and ~0 - 1 in 6.7, masks stay 32-bit', () => {
    const now = inspectAcpi(smmuv3(), { kernel: kernelRelease('6.10') });
    expect(now.devices.map((d) => d.path)).toEqual(['iort@0x48', 'pci:0000:00:00.0']);
    expect(byPath(now.devices, 'pci:0000:00:00.0')).toMatchObject({
      bus: 'pci',
      rid: '0x0',
      ret: 0,
      busDmaLimit: '0xffffffffffffffff',
      dmaMask: '0xffffffff',
      coherentDmaMask: '0xffffffff',
      coherent: true,
      rangeMap: null,
      iommu: { node: 'iort@0x48', ids: ['0x0'] },
    });
    const before = inspectAcpi(smmuv3(), { kernel: kernelRelease('6.7') });
    expect(byPath(before.devices, 'pci:0000:00:00.0').busDmaLimit).toBe('0xfffffffffffffffe');
    // The SMMU itself: coherent from COHACC, no companion so no limit, not behind an IOMMU.
    expect(byPath(now.devices, 'iort@0x48')).toMatchObject({
      bus: 'platform',
      coherent: true,
      busDmaLimit: '0x0',
      iommu: null,
    });
  });

  it('qemu virt SMMUv3: RIDs to stream IDs, and the off-by-one workaround at RID 0x200', () => {
    const report = inspectAcpi(smmuv3(), {
      pci: ['0:01:1f.7', '0:02:00.0', '0:02:00.1', '0:00:00.0'].map((t) => parsePciOption(t, true)),
    });
    // 00:00.0 is already in the default platform: listed once.
    expect(report.devices.filter((d) => d.path === 'pci:0000:00:00.0')).toHaveLength(1);
    // Probed by the IOMMU core: no topology given, so each function is its own group.
    expect(byPath(report.devices, 'pci:0000:01:1f.7').iommu).toEqual({
      node: 'iort@0x48',
      ids: ['0x1ff'],
      group: 1,
      domain: 'DMA',
      iovaBase: '0x1000',
      iovaLimit: '0xffffffff',
    });
    const edge = byPath(report.devices, 'pci:0000:02:00.0');
    expect(edge.iommu).toBeNull(); // the second mapping (to the ITS) wins
    expect(edge.log.filter((e) => e.level === 'err')).toEqual([
      {
        level: 'err',
        msg: '[Firmware Bug]: [map 00000000000000d8] conflicting mapping for input ID 0x200',
      },
      { level: 'err', msg: '[Firmware Bug]: applying workaround.' },
    ]);
    expect(byPath(report.devices, 'pci:0000:02:00.1').iommu).toBeNull();
  });

  it('qemu virt SMMUv3: an SMMU whose driver is not registered defers its masters', () => {
    const report = inspectAcpi(smmuv3(), { iommuNotReady: ['iort@0x48'] });
    expect(byPath(report.devices, 'pci:0000:00:00.0')).toMatchObject({
      ret: -517,
      iommu: null,
      // acpi_arch_dma_setup() ran before the IOMMU step: the limit stays.
      busDmaLimit: '0xffffffffffffffff',
    });
  });

  it('qemu virt SMMUv3 on LoongArch: no IORT code, no SMMU, coherent without _CCA', () => {
    const report = inspectAcpi(smmuv3(), { arch: 'loongarch' });
    expect(report.arch).toBe('loongarch');
    expect(report.devices).toHaveLength(1);
    expect(byPath(report.devices, 'pci:0000:00:00.0')).toMatchObject({
      busDmaLimit: '0x0',
      coherent: true,
      iommu: null,
    });
  });

  it('qemu virt without an IOMMU: the root complex maps only to the ITS', () => {
    const { table } = loadAcpi(iortFile('qemu-virt.iort.bin'));
    const report = inspectAcpi(table!, {});
    expect(report.devices.map((d) => d.path)).toEqual(['pci:0000:00:00.0']);
    expect(report.devices[0]).toMatchObject({ iommu: null, busDmaLimit: '0xffffffffffffffff' });
  });

  it('the ACPICA template: every firmware bug the kernel reports', () => {
    const { table } = loadAcpi(iortFile('acpica-template.iort.bin'));
    const report = inspectAcpi(table!, {});
    expect(report.devices.map((d) => d.path)).toEqual([
      'iort@0x104',
      'iort@0x164',
      'iort@0x1bc',
      '\\_SB.PCI0.DEV0',
      'pci:0000:00:00.0',
    ]);
    const nc = byPath(report.devices, '\\_SB.PCI0.DEV0');
    expect(nc.log.filter((e) => e.level !== 'debug')).toEqual([
      { level: 'warn', msg: '[Firmware Bug]: Named component missing memory address limit' },
      {
        level: 'err',
        msg: '[Firmware Bug]: [node 000000000000004c type 1] ID map has NULL parent reference',
      },
    ]);
    expect(nc).toMatchObject({ busDmaLimit: '0x0', coherent: false, iommu: null });
    // Root complex revision 0: its limit field is ignored (-ENODEV), nothing is clipped.
    expect(byPath(report.devices, 'pci:0000:00:00.0')).toMatchObject({
      busDmaLimit: '0x0',
      coherent: false,
    });
  });
});

describe('the bundled ACPI example', () => {
  const loaded = loadAcpi(resolve(exampleDir, 'example-acpi.platform.yaml'));

  it.each(['6.10', '6.7'] as const)('%s: limits, stream IDs and the FW_BUG on ETH0', (kernel) => {
    const report = inspectAcpi(loaded, { kernel: kernelRelease(kernel) });
    expect(report.devices.map((d) => d.path)).toEqual([
      'iort@0x48',
      '\\_SB_',
      '\\_SB_.DMA0',
      '\\_SB_.ETH0',
      '\\_SB_.PCI0',
      'pci:0000:00:01.0',
      'pci:0000:01:00.0',
    ]);
    expect(byPath(report.devices, '\\_SB_.DMA0')).toMatchObject({
      busDmaLimit: '0xffffffff',
      coherent: true, // _CCA 1 inherited from \_SB_
      iommu: { node: 'iort@0x48', ids: ['0x20'] },
    });
    expect(byPath(report.devices, 'pci:0000:01:00.0')).toMatchObject({
      rid: '0x100',
      busDmaLimit: '0xffffffffffff',
      // pci_for_each_dma_alias(): its own RID, then the PCIe-to-PCI bridge's (bus 1, 00.0) again.
      iommu: { node: 'iort@0x48', ids: ['0x10100', '0x10100'] },
    });
    expect(byPath(report.devices, 'pci:0000:00:01.0')).toMatchObject({
      rid: '0x8',
      iommu: { node: 'iort@0x48', ids: ['0x10008'] },
    });
    const eth0 = byPath(report.devices, '\\_SB_.ETH0');
    expect(eth0).toMatchObject({ busDmaLimit: '0x0', coherent: false, iommu: null });
    expect(eth0.log).toContainEqual({
      level: 'warn',
      msg: '[Firmware Bug]: Named component missing memory address limit',
    });
  });

  it('an ACPI platform without an IORT: only _DMA and _CCA apply', () => {
    const machine = bootMachine(
      {
        kind: 'acpi',
        iort: null,
        devices: [
          { path: '\\_SB_.DEV0', cca: 1, dma: [{ start: 0n, end: 0x3fff_ffffn, offset: 0n }] },
        ],
      },
      { kernel: kernelRelease('6.10') },
    );
    const report = inspectReport(machine);
    expect(report.devices).toEqual([
      expect.objectContaining({
        path: '\\_SB_.DEV0',
        rangeMap: [{ cpuStart: '0x0', dmaStart: '0x0', size: '0x40000000' }],
        busDmaLimit: '0x3fffffff',
        dmaMask: '0x3fffffff',
        coherent: true,
      }),
    ]);
  });
});
