import { dumpIort, iortIommuGetResvRegions, readIort, writeIort } from '@dmasim/acpi-iort';
import { type KernelReleaseName, kernelRelease } from '@dmasim/dma-mapping';
import { bootMachine } from '@dmasim/machine';
import { describe, expect, it } from 'vitest';
import { exampleAcpi, exampleIortSpec } from './example-iort.js';

const boot = (kernel: KernelReleaseName) =>
  bootMachine(exampleAcpi.firmware, {
    kernel: kernelRelease(kernel),
    platform: exampleAcpi.platform,
  }).devices;

describe('bundled ACPI example', () => {
  const table = readIort(writeIort(exampleIortSpec)).table;

  it('builds a valid table that round-trips', () => {
    const bin = writeIort(exampleIortSpec);
    const r = readIort(bin);
    expect(r.checksumValid).toBe(true);
    expect(writeIort(r.table)).toEqual(bin);
    expect(dumpIort(r.table)).toContain('memory address limit 0 (missing)');
  });

  it('configures: RC 48-bit limit behind the SMMU, NC 32-bit single SID, the FW_BUG on ETH0', () => {
    const out = boot('6.10');
    const by = (p: string) => out.find((d) => d.path === p)!;
    const ep = by('pci:0000:01:00.0');
    expect(ep.device.busDmaLimit).toBe(0xffff_ffff_ffffn);
    expect(ep.device.fwspec?.ids).toEqual([0x10100, 0x10100]);
    // Behind a PCIe-to-PCI bridge: one IOMMU group with the bridge (pci_device_group()).
    expect(ep.group?.id).toBeDefined();
    expect(by('pci:0000:00:01.0').group?.id).toBe(ep.group?.id);
    expect(ep.device.dmaCoherent).toBe(true);
    const dma0 = by('\\_SB_.DMA0');
    expect(dma0.device.busDmaLimit).toBe(0xffff_ffffn);
    expect(dma0.device.fwspec?.ids).toEqual([0x20]);
    const eth0 = by('\\_SB_.ETH0');
    expect(eth0.device.log).toContainEqual({
      level: 'warn',
      msg: '[Firmware Bug]: Named component missing memory address limit',
    });
    expect(eth0.device.dmaCoherent).toBe(false);
    expect(eth0.device.busDmaLimit).toBe(0n);
    const n = boot('6.7');
    expect(n.find((d) => d.path === 'pci:0000:01:00.0')!.device.busDmaLimit).toBe(
      0xffff_ffff_ffffn,
    );
  });

  it('the RMR gives DMA0 a relaxable direct region for SID 0x20', () => {
    const out = boot('6.10');
    const dma0 = out.find((d) => d.path === '\\_SB_.DMA0')!.device;
    expect(iortIommuGetResvRegions(table, dma0)).toEqual([
      { start: 0xb000_0000n, length: 0x80_0000n, prot: 7, type: 'direct-relaxable', sids: [0x20] },
    ]);
  });
});
