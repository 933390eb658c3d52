import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

// Must-show: an ACPI platform gives what a real kernel gives (examples/qemu-virt-acpi.*: SMMUv3,
// root complex memory size limit 31 bits, a root port with ACS, IORT revision 5 RMRs).
describe('dmasim iommu on a QEMU-virt-like ACPI platform', () => {
  const acpi = resolve(exampleDir, 'qemu-virt-acpi.platform.yaml');
  const SW_MSI = '0x0000000008000000 0x00000000080fffff msi';

  it('groups: every function in its own group; with preserveConfig the RMRs are listed', () => {
    const out = run(['groups', acpi]);
    const json = out.json as { groups: { devices: string[]; reservedRegions: string }[] };
    expect(json.groups.map((g) => g.devices)).toEqual([
      ['0000:00:01.0'],
      ['0000:00:02.0'],
      ['0000:00:03.0'],
      ['0000:01:00.0'],
    ]);
    expect(out.text).toContain(
      [
        'group 0 (iort@0x48): 0000:00:01.0',
        '  type: DMA',
        '  reserved_regions:',
        `    ${SW_MSI}`,
        '    0x00000000be000000 0x00000000be0fffff direct',
        'group 1 (iort@0x48): 0000:00:02.0',
      ].join('\n'),
    );
    expect(out.text).toContain(
      `    ${SW_MSI}\n    0x00000000bf000000 0x00000000bf7fffff direct-relaxable`,
    );
  });

  it('groups: with preserveConfig false the RMRs do not reach the PCI devices', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmasim-acpi-'));
    const text = readFileSync(acpi, 'utf8')
      .replace('preserveConfig: true', 'preserveConfig: false')
      .replace(
        'iort: qemu-virt-acpi.iort.yaml',
        `iort: ${resolve(exampleDir, 'qemu-virt-acpi.iort.yaml')}`,
      );
    const file = join(dir, 'no-preserve.platform.yaml');
    writeFileSync(file, text);
    const json = run(['groups', file]).json as { groups: { reservedRegions: string }[] };
    expect(json.groups.map((g) => g.reservedRegions)).toEqual(Array(4).fill(`${SW_MSI}\n`));
    expect(run(['groups', file]).text).not.toMatch(/direct/);
  });

  it('map --mask 64 --msi: the doorbell gets 0x7ffff000 first (the 31-bit limit), then down', () => {
    const argv = ['map', acpi, 'pci:0000:00:01.0', '--size', '4096', '--count', '2'];
    expect((run([...argv, '--mask', '64', '--msi']).json as { iovas: string[] }).iovas).toEqual([
      '0x7ffff000',
      '0x7fffe000',
      '0x7fffd000',
    ]);
  });
});

describe('dmasim iommu on the bundled ACPI example', () => {
  const acpi = resolve(exampleDir, 'example-acpi.platform.yaml');

  it('groups: the PCIe-to-PCI bridge and the function behind it share one group', () => {
    const json = run(['groups', acpi]).json as { groups: { devices: string[]; type: string }[] };
    expect(json.groups.map((g) => [g.devices, g.type])).toEqual([
      [['\\_SB_.DMA0'], 'DMA'],
      [['0000:00:01.0', '0000:01:00.0'], 'DMA'],
    ]);
  });

  it('map takes the function with or without its pci: prefix', () => {
    const iovas = (device: string) =>
      (run(['map', acpi, device, '--size', '4096', '--mask', '64']).json as { iovas: string[] })
        .iovas;
    expect(iovas('pci:0000:01:00.0')).toEqual(['0xfffff000']);
    expect(iovas('0000:01:00.0')).toEqual(['0xfffff000']);
  });
});
