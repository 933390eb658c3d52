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

  it('reads bridge kinds and the quirk DMA aliases a user may still list', () => {
    const p = parsePlatformFile(`
pci:
  - host: /pcie@10000000
    devices:
      - { bdf: "00:05.0", pcie: bridge, bridge: { secondary: 1, subordinate: 1 } }
      - { bdf: "00:06.0", pcie: pci-pcie-bridge, bridge: { secondary: 2, subordinate: 2 } }
      - { bdf: "01:03.0", bridge: { secondary: 3, subordinate: 3 }, pcieBridgeAlias: true }
      - { bdf: "00:1f.2", dmaAliases: ["1f.0", "1e.7"] }
`);
    expect(p.pci![0]!.devices.map((d) => [d.pcie, d.pcieBridgeAlias, d.dmaAliases])).toEqual([
      ['bridge', undefined, undefined],
      ['pci-pcie-bridge', undefined, undefined],
      [undefined, true, undefined],
      [undefined, undefined, [0xf8, 0xf7]],
    ]);
    expect(() =>
      parsePlatformFile('pci: [{ host: /p, devices: [{ bdf: "00:01.0", dmaAliases: ["20.0"] }] }]'),
    ).toThrow(
      'platform:1: pci[0].devices[0].dmaAliases[0]: "20.0": device number 0x20 is above 0x1f',
    );
    expect(() =>
      parsePlatformFile('pci: [{ host: /p, devices: [{ bdf: "00:01.0", dmaAliases: ["1f"] }] }]'),
    ).toThrow('platform:1: pci[0].devices[0].dmaAliases[0]: expected "DD.F", e.g. "1f.0"');
  });

  it('names where a bad entry is', () => {
    expect(() =>
      parsePlatformFile('pci: [{ host: /p, devices: [{ bdf: "0:40.0" }] }]', 'f.yaml'),
    ).toThrow(
      new PlatformFileError(
        '"0:40.0": device number 0x40 is above 0x1f',
        'f.yaml:1: pci[0].devices[0].bdf',
      ),
    );
    expect(() =>
      parsePlatformFile(
        'pci:\n  - host: /p\n    devices:\n      - { bdf: "00:01.0", driverMask: 65 }\n',
        'f.yaml',
      ),
    ).toThrow(
      new PlatformFileError(
        "expected the driver's DMA mask in bits",
        'f.yaml:4: pci[0].devices[0].driverMask',
      ),
    );
    expect(() =>
      parsePlatformFile(
        'pci: [{ host: /p, devices: [{ bdf: "00:01.0", bridge: { secondary: 2, subordinate: 1 } }] }]',
        'f.yaml',
      ),
    ).toThrow(
      new PlatformFileError('bus range 2..1 is empty', 'f.yaml:1: pci[0].devices[0].bridge'),
    );
    // ACPI host keys belong to the ACPI platform file.
    expect(() => parsePlatformFile('pci: [{ host: /p, segment: 1 }]', 'f.yaml')).toThrow(
      new PlatformFileError('unknown key "segment" (known: host, devices)', 'f.yaml:1: pci[0]'),
    );
    expect(() => parsePlatformFile('cmdline: 1', 'f.yaml')).toThrow(
      new PlatformFileError(
        'expected the kernel command line, e.g. "iommu.strict=0 swiotlb=1024"',
        'f.yaml:1: cmdline',
      ),
    );
    expect(() => parsePlatformFile('[1, 2]', 'f.yaml')).toThrow(
      new PlatformFileError('the top level must be a mapping', 'f.yaml'),
    );
    expect(parsePlatformFile('', 'f.yaml')).toEqual({});
    expect(() => parsePlatformFile('a: [')).toThrow(PlatformFileError);
  });
});
