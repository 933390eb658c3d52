import { describe, expect, it } from 'vitest';
import { PlatformFileError, parsePlatformFile } from './platform-file.js';

describe('platform file', () => {
  it('reads the documented shape', () => {
    const p = parsePlatformFile(`
cmdline: "iommu.strict=0"
pci:
  - host: /pcie@10000000
    devices:
      - { bdf: "00:01.0", driverMask: 64, msi: true }
      - { bdf: "00:03.0", bridge: { secondary: 1, subordinate: 1 }, acs: false, pcie: root-port }
      - { bdf: "01:00.0", driverMask: 64, msi: true, aliases: [0x100, 0x18] }
`);
    expect(p.cmdline).toBe('iommu.strict=0');
    expect(p.pci![0]!.devices).toEqual([
      { bdf: '00:01.0', driverMask: 64, msi: true },
      { bdf: '00:03.0', bridge: { secondary: 1, subordinate: 1 }, acs: false, pcie: 'root-port' },
      { bdf: '01:00.0', driverMask: 64, msi: true, aliases: [0x100, 0x18] },
    ]);
  });

  it('names where a bad entry is', () => {
    expect(() =>
      parsePlatformFile('pci: [{ host: /p, devices: [{ bdf: "0:40.0" }] }]', 'f.yaml'),
    ).toThrow(new PlatformFileError('device number 64 is above 31', 'f.yaml: pci[0].devices[0]'));
    expect(() =>
      parsePlatformFile('pci: [{ host: /p, devices: [{ bdf: "00:01.0", driverMask: 65 }] }]'),
    ).toThrow(PlatformFileError);
    // ACPI host keys belong to the ACPI platform file.
    expect(() => parsePlatformFile('pci: [{ host: /p, segment: 1 }]', 'f.yaml')).toThrow(
      new PlatformFileError('unknown field "segment" (known: host, devices)', 'f.yaml: pci[0]'),
    );
    expect(() => parsePlatformFile('cmdline: 1', 'f.yaml')).toThrow(
      new PlatformFileError('cmdline must be a string', 'f.yaml: cmdline'),
    );
    expect(() => parsePlatformFile('[1, 2]')).toThrow(PlatformFileError);
    expect(() => parsePlatformFile('a: [')).toThrow(PlatformFileError);
  });
});
