import { createDevice, type Device, parseBdf, pciDeviceName } from '@dmasim/dma-mapping';
import { describe, expect, it } from 'vitest';
import { iommuSubsysInit } from './default-domain.js';
import { pciDmaAliasRids, pciForEachDmaAlias } from './pci-dma-alias.js';
import { type PciTopology, PciTopologyError } from './pci-topology.js';
import { createIommuCore, iommuProbeDevice } from './probe.js';
import { smmuV3Instance } from './smmu-v3.js';
import { sysfsGroups } from './sysfs.js';

// A root port with a PCIe switch below it, a PCIe-to-PCI bridge on the root bus with two
// conventional functions, a conventional PCI-X bridge behind that, and a reverse bridge.
const TOPO: PciTopology = {
  acsRequestedAtScan: false,
  devices: [
    { bdf: '00:00.0' },
    { bdf: '00:01.0', pcie: 'root-port', bridge: { secondary: 1, subordinate: 3 } },
    { bdf: '01:00.0', pcie: 'upstream', bridge: { secondary: 2, subordinate: 3 } },
    { bdf: '02:00.0', pcie: 'downstream', bridge: { secondary: 3, subordinate: 3 } },
    { bdf: '03:00.0', pcie: 'endpoint' },
    { bdf: '00:05.0', pcie: 'bridge', bridge: { secondary: 4, subordinate: 5 } },
    { bdf: '04:00.0' },
    { bdf: '04:02.0' },
    { bdf: '04:03.0', bridge: { secondary: 5, subordinate: 5 } },
    { bdf: '05:01.0' },
    { bdf: '00:06.0', pcie: 'pci-pcie-bridge', bridge: { secondary: 6, subordinate: 6 } },
    { bdf: '06:00.0', pcie: 'endpoint' },
    { bdf: '00:1f.0', multifunction: true },
    { bdf: '00:1f.2', multifunction: true, dmaAliases: [0xfb, 0xf8] },
  ],
};

describe('pci_for_each_dma_alias from the topology', () => {
  it('PCIe root and switch ports add no alias', () => {
    expect(pciForEachDmaAlias(TOPO, '03:00.0')).toEqual([{ rid: 0x300, via: '0000:03:00.0' }]);
  });

  it('a PCIe-to-PCI bridge aliases to (secondary bus, 00.0); 04:00.0 is visited twice', () => {
    expect(pciForEachDmaAlias(TOPO, '04:02.0')).toEqual([
      { rid: 0x410, via: '0000:04:02.0' },
      { rid: 0x400, via: '0000:00:05.0' },
    ]);
    expect(pciDmaAliasRids(TOPO, '04:00.0')).toEqual([0x400, 0x400]);
  });

  it('a conventional (PCI-X) bridge adds its own RID, then the PCIe-to-PCI alias above it', () => {
    expect(pciDmaAliasRids(TOPO, '05:01.0')).toEqual([0x508, 0x418, 0x400]);
  });

  it('the PCIE_BRIDGE_ALIAS quirk makes a conventional bridge use the secondary-bus alias', () => {
    const quirked: PciTopology = {
      ...TOPO,
      devices: TOPO.devices.map((d) => (d.bdf === '04:03.0' ? { ...d, pcieBridgeAlias: true } : d)),
    };
    expect(pciDmaAliasRids(quirked, '05:01.0')).toEqual([0x508, 0x500, 0x400]);
  });

  it('a PCI/PCI-X-to-PCIe bridge adds its own RID', () => {
    expect(pciDmaAliasRids(TOPO, '06:00.0')).toEqual([0x600, 0x30]);
  });

  it('BRIDGE_XLATE_ROOT ends the walk at that bridge', () => {
    const xlate: PciTopology = {
      ...TOPO,
      devices: TOPO.devices.map((d) => (d.bdf === '04:03.0' ? { ...d, xlateRoot: true } : d)),
    };
    expect(pciDmaAliasRids(xlate, '05:01.0')).toEqual([0x508]);
  });

  it('quirk aliases follow the own RID in devfn order, on the same bus', () => {
    expect(pciDmaAliasRids(TOPO, '00:1f.2')).toEqual([0xfa, 0xf8, 0xfb]);
  });

  it('an unknown function and a bridge loop are typed errors', () => {
    expect(() => pciForEachDmaAlias(TOPO, '07:00.0')).toThrow(PciTopologyError);
    const loop: PciTopology = {
      acsRequestedAtScan: false,
      devices: [
        { bdf: '01:00.0', bridge: { secondary: 2, subordinate: 2 } },
        { bdf: '02:00.0', bridge: { secondary: 1, subordinate: 1 } },
      ],
    };
    expect(() => pciForEachDmaAlias(loop, '01:00.0')).toThrow(/bridge loop/);
  });
});

function probeAll(topo: PciTopology, bound: string[]) {
  const smmu = smmuV3Instance({ id: '/smmu' });
  const core = createIommuCore(iommuSubsysInit({}, []), [smmu]);
  const devs: Device[] = topo.devices.map((d) => {
    const b = parseBdf(d.bdf);
    const aliases = pciDmaAliasRids(topo, d.bdf);
    const dev = createDevice({ name: pciDeviceName(b), bus: 'pci', pci: { ...b, aliases } });
    dev.fwspec = { iommuNode: '/smmu', ids: aliases, flags: 0, hasOps: true };
    return dev;
  });
  for (const dev of devs) {
    iommuProbeDevice(core, {
      dev,
      driverBound: bound.includes(dev.name.slice(5)),
      pciTopology: topo,
    });
  }
  return sysfsGroups(core).map((g) => g.devices.map((n) => n.slice(5)));
}

describe('pci_device_group from aliases and ACS', () => {
  it('functions behind a PCIe-to-PCI bridge join the bridge group through its alias', () => {
    const groups = probeAll(TOPO, ['00:05.0', '04:00.0', '04:02.0', '04:03.0', '05:01.0']);
    expect(groups).toEqual([['00:05.0', '04:00.0', '04:02.0', '04:03.0', '05:01.0']]);
  });

  it('without ACS requested at scan (DT), the switch collapses into the root port group', () => {
    expect(probeAll(TOPO, ['00:01.0', '01:00.0', '02:00.0', '03:00.0'])).toEqual([
      ['00:01.0', '01:00.0', '02:00.0', '03:00.0'],
    ]);
  });

  it('with ACS at scan (ACPI), the endpoint below isolating ports gets its own group', () => {
    const acpi: PciTopology = {
      ...TOPO,
      acsRequestedAtScan: true,
      devices: TOPO.devices.map((d) =>
        ['00:01.0', '02:00.0'].includes(d.bdf) ? { ...d, acs: true } : d,
      ),
    };
    expect(probeAll(acpi, ['00:01.0', '01:00.0', '02:00.0', '03:00.0'])).toEqual([
      ['00:01.0'],
      ['01:00.0'],
      ['02:00.0'],
      ['03:00.0'],
    ]);
  });

  it('a quirk alias joins the group of the function it aliases, in either direction', () => {
    expect(probeAll(TOPO, ['00:1f.0', '00:1f.2'])).toEqual([['00:1f.0', '00:1f.2']]);
  });
});
