import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  type ArchDmaHooks,
  EPROBE_DEFER,
  getDmaMask,
  kernelRelease,
  U64_MAX,
} from '@dmasim/dma-mapping';
import { IOMMU_FWSPEC_PCI_RC_ATS } from '@dmasim/iommu-core';
import { describe, expect, it } from 'vitest';
import { readIort } from './iort-reader.js';
import { writeIort } from './iort-writer.js';
import { configureAcpiPlatform } from './platform.js';

const shared = process.env.DMASIM_SHARED ?? path.resolve(__dirname, '../../..', '../shared');
const dir = path.join(shared, 'corpus/iort');
const hasCorpus = existsSync(dir);
if (!hasCorpus) console.log(`IORT corpus not found at ${dir}: platform corpus tests skipped`);
const load = (f: string) => readIort(new Uint8Array(readFileSync(path.join(dir, f)))).table;

const arm64: ArchDmaHooks = {
  arch: 'arm64',
  defaultCoherent: false,
  setupDmaOps(dev, coherent) {
    dev.dmaCoherent = coherent;
  },
};

describe.skipIf(!hasCorpus)('configureAcpiPlatform on the corpus', () => {
  it('qemu-virt-smmuv3: SMMU coherent; RC limit 0x40; RID 0 → SMMU SID 0', () => {
    const out = configureAcpiPlatform(load('qemu-virt-smmuv3.iort.bin'), undefined, {
      arch: arm64,
      kernel: kernelRelease('6.10'),
    });
    expect(out.map((d) => d.path)).toEqual(['iort@0x48', 'pci:0000:00:00.0']);
    const [smmu, ep] = out;
    expect(smmu!.device.dmaCoherent).toBe(true);
    expect(smmu!.device.busDmaLimit).toBe(0n);
    expect(smmu!.device.coherentDmaMask).toBe(0xffff_ffffn);
    expect(smmu!.device.fwspec).toBeNull();
    expect(smmu!.device.log).toContainEqual({ level: 'debug', msg: 'Adding to IOMMU failed: -19' });
    expect(ep!.ret).toBe(0);
    expect(ep!.device.dmaCoherent).toBe(true);
    expect(ep!.device.busDmaLimit).toBe(U64_MAX);
    expect(ep!.device.coherentDmaMask).toBe(0xffff_ffffn);
    expect(ep!.device.fwspec).toEqual({
      iommuNode: 'iort@0x48',
      ids: [0],
      flags: 0,
      hasOps: true,
      driver: 'arm-smmu-v3',
      instances: ['iort@0x48'],
    });
  });

  it('qemu-virt-smmuv3: every RID 0x0–0x1ff reaches the SMMU with SID = RID; 0x200 goes to the ITS', () => {
    const table = load('qemu-virt-smmuv3.iort.bin');
    const rids = [0, 0x8, 0x100, 0x1ff, 0x200, 0x300];
    const out = configureAcpiPlatform(
      table,
      { pci: rids.map((bdf) => ({ bdf })) },
      { arch: arm64, kernel: kernelRelease('6.7') },
    );
    const eps = out.filter((d) => d.bus === 'pci');
    expect(eps.map((d) => d.device.fwspec?.ids ?? null)).toEqual([
      [0],
      [8],
      [0x100],
      [0x1ff],
      null,
      null,
    ]);
    expect(eps[4]!.device.log.map((e) => e.msg)).toContain('[Firmware Bug]: applying workaround.');
    expect(eps.every((d) => d.device.busDmaLimit === 0xffff_ffff_ffff_fffen)).toBe(true);
  });

  it('qemu-virt: no SMMU, limit ~0, masks 32-bit, not behind an IOMMU', () => {
    const out = configureAcpiPlatform(load('qemu-virt.iort.bin'), undefined, {
      arch: arm64,
      kernel: kernelRelease('6.10'),
    });
    expect(out).toHaveLength(1);
    expect(out[0]!.device.fwspec).toBeNull();
    expect(out[0]!.device.busDmaLimit).toBe(U64_MAX);
    expect(getDmaMask(out[0]!.device)).toBe(0xffff_ffffn);
  });

  it('acpica-template: completes; NC limit 0 FW_BUG, RC revision 0, NULL parent references', () => {
    const out = configureAcpiPlatform(load('acpica-template.iort.bin'), undefined, {
      arch: arm64,
      kernel: kernelRelease('6.10'),
    });
    expect(out.map((d) => d.path)).toEqual([
      'iort@0x104',
      'iort@0x164',
      'iort@0x1bc',
      '\\_SB.PCI0.DEV0',
      'pci:0000:00:00.0',
    ]);
    const nc = out[3]!;
    // Default _CCA stands in from the IORT cache_coherency (0 here).
    expect(nc.attr).toBe('non-coherent');
    expect(nc.device.log).toContainEqual({
      level: 'warn',
      msg: '[Firmware Bug]: Named component missing memory address limit',
    });
    expect(nc.device.busDmaLimit).toBe(0n);
    expect(nc.device.coherentDmaMask).toBe(0xffff_ffffn);
    const pci = out[4]!;
    expect(pci.device.busDmaLimit).toBe(0n);
    expect(pci.device.log.map((e) => e.msg)).toContain(
      '[Firmware Bug]: [node 00000000000000cc type 2] ID map has NULL parent reference',
    );
  });
});

describe('IOMMU configuration (iort_iommu_configure_id)', () => {
  const table = readIort(
    writeIort({
      nodes: [
        { type: 'its-group', name: 'its', identifiers: [0] },
        {
          type: 'smmu-v3',
          name: 'smmu',
          flags: 1,
          mappings: [{ idCount: 0xffff, outputReference: 'its' }],
        },
        {
          type: 'root-complex',
          atsAttribute: 1,
          memoryAddressLimit: 48,
          memoryProperties: { cacheCoherency: 1 },
          mappings: [{ idCount: 0xffff, outputBase: 0x10000, outputReference: 'smmu' }],
        },
        {
          type: 'named-component',
          deviceName: '\\_SB_.DMA0',
          nodeFlags: 1 | (20 << 1),
          memoryAddressLimit: 32,
          mappings: [{ outputBase: 0x77, outputReference: 'smmu', flags: 1 }],
        },
        {
          type: 'named-component',
          deviceName: '\\_SB_.DMA1',
          memoryAddressLimit: 32,
          mappings: [{ idCount: 0xf, outputBase: 0x80, outputReference: 'smmu' }],
        },
      ],
    }),
  ).table;

  it('PCI: every DMA alias becomes a StreamID; ATS flag from the RC', () => {
    const [ep] = configureAcpiPlatform(
      table,
      { pci: [{ bdf: '01:00.0', aliases: [0x100, 0x18] }] },
      { arch: arm64, kernel: kernelRelease('6.10') },
    ).filter((d) => d.bus === 'pci');
    expect(ep!.device.fwspec).toEqual({
      iommuNode: 'iort@0x48',
      ids: [0x10100, 0x10018],
      flags: IOMMU_FWSPEC_PCI_RC_ATS,
      hasOps: true,
      driver: 'arm-smmu-v3',
      instances: ['iort@0x48'],
    });
    expect(ep!.device.busDmaLimit).toBe(0xffff_ffff_ffffn);
  });

  it('NC without id_in uses its SINGLE mapping and records pasid/stall properties', () => {
    const out = configureAcpiPlatform(
      table,
      {
        devices: [
          { path: '\\_SB_.DMA0', cca: 1 },
          { path: '\\_SB_.DMA1', cca: 1 },
        ],
      },
      { arch: arm64, kernel: kernelRelease('6.10') },
    );
    const dma0 = out.find((d) => d.path === '\\_SB_.DMA0')!;
    expect(dma0.device.fwspec?.ids).toEqual([0x77]);
    expect(dma0.properties).toEqual({ 'pasid-num-bits': 20, 'dma-can-stall': true });
    const dma1 = out.find((d) => d.path === '\\_SB_.DMA1')!;
    // A range mapping on an NC needs an input ID: without one there is no IOMMU.
    expect(dma1.device.fwspec).toBeNull();
    expect(dma1.properties).toBeUndefined();
  });

  it('SMMU driver not registered → -EPROBE_DEFER; not built → -ENODEV', () => {
    const deferred = configureAcpiPlatform(
      table,
      { pci: [{ bdf: 0 }] },
      { arch: arm64, kernel: kernelRelease('6.10'), smmuReady: false },
    );
    const ep = deferred.find((d) => d.bus === 'pci')!;
    expect(ep.ret).toBe(-EPROBE_DEFER);
    expect(ep.device.fwspec).toBeNull();
    expect(ep.device.busDmaLimit).toBe(0xffff_ffff_ffffn);
    const off = configureAcpiPlatform(
      table,
      { pci: [{ bdf: 0 }] },
      { arch: arm64, kernel: kernelRelease('6.10'), smmuReady: false, smmuDriverEnabled: false },
    );
    expect(off.find((d) => d.bus === 'pci')!.ret).toBe(0);
  });
});
