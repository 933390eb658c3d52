import { describe, expect, it } from 'vitest';
import { CmdlineError, parseCmdline } from './cmdline.js';
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
      - { bdf: "01:00.0", driverMask: 64, msi: true }
`);
    expect(p.cmdline).toEqual({ iommuStrict: false });
    expect(p.pci[0]!.devices.map((d) => [d.bus, d.dev, d.fn, d.driverMask])).toEqual([
      [0, 1, 0, 64],
      [0, 3, 0, undefined],
      [1, 0, 0, 64],
    ]);
    expect(p.pci[0]!.devices[1]).toMatchObject({
      bridge: { secondary: 1, subordinate: 1 },
      acs: false,
      pcie: 'root-port',
    });
  });

  it('names where a bad entry is', () => {
    expect(() =>
      parsePlatformFile('pci: [{ host: /p, devices: [{ bdf: "0:40.0" }] }]', 'f.yaml'),
    ).toThrow(new PlatformFileError('device number 64 is above 31', 'f.yaml: pci[0].devices[0]'));
    expect(() =>
      parsePlatformFile('pci: [{ host: /p, devices: [{ bdf: "00:01.0", driverMask: 65 }] }]'),
    ).toThrow(PlatformFileError);
    expect(() => parsePlatformFile('[1, 2]')).toThrow(PlatformFileError);
    expect(() => parsePlatformFile('a: [')).toThrow(PlatformFileError);
  });

  it('parses the command line options that matter', () => {
    expect(parseCmdline('quiet iommu.passthrough=1 iommu.forcedac=1 swiotlb=65536,force')).toEqual({
      iommuPassthrough: true,
      iommuForceDac: true,
      swiotlbSlabs: 65536,
      swiotlb: { nslabs: 65536, force: 'force' },
    });
    expect(parseCmdline('swiotlb=noforce').swiotlb).toEqual({ force: 'noforce' });
    expect(() => parseCmdline('swiotlb=,,bogus')).toThrow(CmdlineError);
    expect(() => parseCmdline('iommu.strict=maybe')).toThrow(CmdlineError);
  });
});
