import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusDir, exampleDir, hasCorpus } from '../corpus.js';
import { commandArgs } from '../test-cli.js';
import { iommuCommand } from './iommu.js';

const blob = resolve(corpusDir, 'dtb', 'qemu__virt-smmuv3.dtb');
const platform = resolve(exampleDir, 'qemu-virt.platform.yaml');
const run = (argv: string[]) => iommuCommand(commandArgs('iommu', argv));

describe.skipIf(!hasCorpus)('dmasim iommu on QEMU virt with SMMUv3', () => {
  it('groups prints sysfs type and reserved_regions per group', () => {
    const out = run(['groups', blob, '--platform', platform]);
    const json = out.json as {
      groups: { devices: string[]; type: string; reservedRegions: string }[];
    };
    expect(json.groups.map((g) => [g.devices, g.type, g.reservedRegions])).toEqual([
      [['0000:00:01.0'], 'DMA', '0x0000000008000000 0x00000000080fffff msi\n'],
      [['0000:00:02.0'], 'DMA', '0x0000000008000000 0x00000000080fffff msi\n'],
      [['0000:00:03.0', '0000:01:00.0'], 'DMA', '0x0000000008000000 0x00000000080fffff msi\n'],
    ]);
    expect(out.text).toContain('    0x0000000008000000 0x00000000080fffff msi');
  });

  it('map with --mask 64 --msi: the doorbell first at 0xfffff000, then downwards', () => {
    const argv = [
      'map',
      blob,
      'pci:0000:00:01.0',
      '--size',
      '4096',
      '--count',
      '2',
      '--mask',
      '64',
      '--msi',
    ];
    expect((run([...argv, '--platform', platform]).json as { iovas: string[] }).iovas).toEqual([
      '0xfffff000',
      '0xffffe000',
      '0xffffd000',
    ]);
    // Without a platform file the device is added on the command line's terms.
    expect((run(argv).json as { iovas: string[] }).iovas[0]).toBe('0xfffff000');
  });

  it('iova-ranges shows the VFIO and DMA API views side by side', () => {
    const json = run(['iova-ranges', blob, '--platform', platform]).json as {
      groups: { vfio: { start: string; end: string }[]; restrictions: { kind: string }[] }[];
    };
    expect(json.groups[0]!.vfio).toEqual([
      { start: '0x0', end: '0x7ffffff' },
      { start: '0x8100000', end: '0xffffffffffff' },
    ]);
    expect(json.groups[0]!.restrictions.map((r) => r.kind)).toContain('pci-outbound-window');
  });
});
