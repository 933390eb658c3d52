import { bdfOfRid, createDevice, type Device, kernelRelease } from '@dmasim/dma-mapping';
import { describe, expect, it } from 'vitest';
import { createOfContext } from './of-context.js';
import { ofIommuConfigure, ofIommuConfigureLegacy } from './of-iommu.js';
import { createPciEndpoint, ofPciDmaConfigure } from './platform.js';
import { dt, type NodeSpec, recordingArch } from './test-tree.js';

const cells22 = { '#address-cells': [2], '#size-cells': [2] };

function pciTree(host: NodeSpec) {
  return createOfContext(
    dt({
      ...cells22,
      'smmu@0': { phandle: [1], '#iommu-cells': [1] },
      'pcie@10000000': {
        device_type: 'pci',
        '#address-cells': [3],
        '#size-cells': [2],
        ranges: [0x02000000, 0, 0x10000000, 0, 0x10000000, 0, 0x10000000],
        ...host,
      },
    }),
  );
}

function pciDev(rid: number): Device {
  return createDevice({
    name: 'pci',
    bus: 'pci',
    pci: { ...bdfOfRid(0, rid), aliases: [rid] },
  });
}

describe('of_iommu_configure, "iommus" (§3.1, §3.3)', () => {
  const ctx = createOfContext(
    dt({
      'smmu@0': { phandle: [1], '#iommu-cells': [1] },
      'smmu@1': { phandle: [2], '#iommu-cells': [1], status: 'disabled' },
      'mmu@2': { phandle: [3], '#iommu-cells': [0] },
      'a@0': { iommus: [1, 0x10, 1, 0x11] },
      'b@0': {},
      'c@0': { iommus: [2, 0x10] },
      'd@0': { iommus: [1, 0x10, 9, 0x11] },
      'e@0': { iommus: [3] },
      'f@0': { iommus: [1] },
    }),
  );
  const dev = (path: string) => createDevice({ name: path, bus: 'platform', fwNode: path });
  const node = (path: string) => ctx.byPath.get(path)!;

  it('no "iommus": 6.12 logs "Adding to IOMMU failed: -19", 6.8 and 6.10 return -ENODEV silently', () => {
    for (const name of ['6.8', '6.10', '6.12'] as const) {
      const d = dev('/b@0');
      const kernel = kernelRelease(name);
      expect(ofIommuConfigure(ctx, d, node('/b@0'), null, {}, d.log, kernel)).toBe(-19);
      const logged = d.log.some((e) => e.msg === 'Adding to IOMMU failed: -19');
      expect(logged).toBe(name === '6.12');
    }
  });

  it("collects every specifier's IDs (6.10: 0; 6.7: the ops)", () => {
    const d = dev('/a@0');
    expect(ofIommuConfigure(ctx, d, node('/a@0'), null)).toBe(0);
    expect(d.fwspec!.ids).toEqual([0x10, 0x11]);
    const l = dev('/a@0');
    expect(ofIommuConfigureLegacy(ctx, l, node('/a@0'), null)).toEqual({
      kind: 'ops',
      iommuNode: '/smmu@0',
    });
    // Already configured: returns at once without adding IDs again.
    expect(ofIommuConfigure(ctx, d, node('/a@0'), null)).toBe(0);
    expect(d.fwspec!.ids).toEqual([0x10, 0x11]);
  });

  it('no iommus (E-26), a disabled IOMMU (E-27), no master node: -ENODEV / NULL', () => {
    for (const path of ['/b@0', '/c@0']) {
      expect(ofIommuConfigure(ctx, dev(path), node(path), null)).toBe(-19);
      expect(ofIommuConfigureLegacy(ctx, dev(path), node(path), null)).toEqual({ kind: 'none' });
    }
    expect(ofIommuConfigure(ctx, dev('/b@0'), null, null)).toBe(-19);
    expect(ofIommuConfigureLegacy(ctx, dev('/b@0'), null, null)).toEqual({ kind: 'none' });
  });

  it('a malformed later entry ends the list; the IDs so far stand', () => {
    const d = dev('/d@0');
    expect(ofIommuConfigure(ctx, d, node('/d@0'), null)).toBe(0);
    expect(d.fwspec!.ids).toEqual([0x10]);
    expect(d.log).toContainEqual({ level: 'err', msg: '/d@0: could not find phandle 9' });
  });

  it('#iommu-cells = <0> gives an ID-less fwspec; missing args are an -EINVAL parse error', () => {
    const e = dev('/e@0');
    expect(ofIommuConfigure(ctx, e, node('/e@0'), null)).toBe(0);
    expect(e.fwspec!.ids).toEqual([]);
    const f = dev('/f@0');
    expect(ofIommuConfigure(ctx, f, node('/f@0'), null)).toBe(-19);
    expect(f.log).toContainEqual({ level: 'err', msg: '/f@0: #iommu-cells = 1 found 0' });
  });

  it('driver registered without of_xlate is no IOMMU; not registered defers, then a retry starts over (E-28)', () => {
    const noXlate = { state: () => 'no-xlate' as const };
    expect(ofIommuConfigure(ctx, dev('/a@0'), node('/a@0'), null, noXlate)).toBe(-19);
    expect(ofIommuConfigureLegacy(ctx, dev('/a@0'), node('/a@0'), null, noXlate)).toEqual({
      kind: 'none',
    });
    const d = dev('/a@0');
    const later = { state: () => 'not-registered' as const };
    expect(ofIommuConfigure(ctx, d, node('/a@0'), null, later)).toBe(-517);
    expect(d.fwspec).toMatchObject({ iommuNode: '/smmu@0', ids: [], flags: 0, hasOps: false });
    expect(ofIommuConfigureLegacy(ctx, dev('/a@0'), node('/a@0'), null, later)).toEqual({
      kind: 'defer',
    });
    // After the driver registered: the ops-less fwspec is freed and rebuilt.
    expect(ofIommuConfigure(ctx, d, node('/a@0'), null)).toBe(0);
    expect(d.fwspec).toMatchObject({ iommuNode: '/smmu@0', ids: [0x10, 0x11], hasOps: true });
    // Late in boot the deferred-probe check says -ENODEV instead.
    const late = { state: () => 'not-registered' as const, deferredProbeCheckState: () => -19 };
    expect(ofIommuConfigure(ctx, dev('/a@0'), node('/a@0'), null, late)).toBe(-19);
  });

  it('iommu_probe_device failure: 6.10 returns it with "%pe", 6.12 with "%d", 6.7 logs "%d" and returns NULL', () => {
    const probeFails = { probeDevice: () => -12 };
    const d = dev('/a@0');
    const at610 = kernelRelease('6.10');
    expect(ofIommuConfigure(ctx, d, node('/a@0'), null, probeFails, d.log, at610)).toBe(-12);
    expect(d.log).toContainEqual({ level: 'debug', msg: 'Adding to IOMMU failed: -ENOMEM' });
    const n = dev('/a@0');
    expect(ofIommuConfigure(ctx, n, node('/a@0'), null, probeFails)).toBe(-12);
    expect(n.log).toContainEqual({ level: 'debug', msg: 'Adding to IOMMU failed: -12' });
    const l = dev('/a@0');
    expect(ofIommuConfigureLegacy(ctx, l, node('/a@0'), null, probeFails)).toEqual({
      kind: 'none',
    });
    expect(l.log).toContainEqual({ level: 'debug', msg: 'Adding to IOMMU failed: -12' });
  });
});

describe('of_iommu_configure, PCI iommu-map (§3.1, §3.2)', () => {
  it('E-29: RID 0x42 maps to stream ID 0x10042; RID 0x142 misses and is no IOMMU', () => {
    const ctx = pciTree({ 'iommu-map': [0x0, 1, 0x10000, 0x100] });
    const host = ctx.byPath.get('/pcie@10000000')!;
    const hit = pciDev(0x42);
    expect(ofIommuConfigure(ctx, hit, host, null)).toBe(0);
    expect(hit.fwspec!.ids).toEqual([0x10042]);
    const miss = pciDev(0x142);
    expect(ofIommuConfigure(ctx, miss, host, null)).toBe(-19);
    expect(miss.log).toContainEqual({
      level: 'info',
      msg: '/pcie@10000000: no iommu-map translation for id 0x142 on (null)',
    });
    expect(ofIommuConfigureLegacy(ctx, pciDev(0x142), host, null)).toEqual({ kind: 'none' });
    expect(ofIommuConfigureLegacy(ctx, pciDev(0x42), host, null)).toEqual({
      kind: 'ops',
      iommuNode: '/smmu@0',
    });
  });

  it("E-30 / E-31: -EFAULT and -EINVAL are swallowed in 6.7 and dev_err'd in 6.10", () => {
    const cases: { host: NodeSpec; err: number; name: string }[] = [
      {
        host: { 'iommu-map': [0x8, 1, 0x0, 0x8], 'iommu-map-mask': [0x7] },
        err: -14,
        name: '-EFAULT',
      },
      { host: { 'iommu-map': [0x0, 1, 0x0] }, err: -22, name: '-EINVAL' },
    ];
    for (const c of cases) {
      const ctx = pciTree(c.host);
      const host = ctx.byPath.get('/pcie@10000000')!;
      expect(ofIommuConfigure(ctx, pciDev(0x8), host, null)).toBe(c.err);
      expect(ofIommuConfigureLegacy(ctx, pciDev(0x8), host, null)).toEqual({ kind: 'none' });
      for (const version of ['6.7', '6.10'] as const) {
        const ep = createPciEndpoint(ctx, '/pcie@10000000', 0, 1, 0);
        expect(
          ofPciDmaConfigure(ctx, ep, {
            kernel: kernelRelease(version),
            arch: recordingArch().hooks,
          }),
        ).toBe(0);
        const errs = ep.device.log.filter((e) => e.level === 'err').map((e) => e.msg);
        const configErr = `iommu configuration for device failed with ${c.name}`;
        if (version === '6.10') expect(errs).toContain(configErr);
        else expect(errs).not.toContain(configErr);
      }
    }
  });

  it('no iommu-map on the host: -ENODEV (6.7: NULL); requests ACS once per PCI device', () => {
    const ctx = pciTree({});
    let acs = 0;
    const drivers = { requestAcs: () => void acs++ };
    const host = ctx.byPath.get('/pcie@10000000')!;
    expect(ofIommuConfigure(ctx, pciDev(8), host, null, drivers)).toBe(-19);
    expect(ofIommuConfigureLegacy(ctx, pciDev(8), host, null, drivers)).toEqual({ kind: 'none' });
    expect(acs).toBe(2);
  });

  it('every DMA alias is mapped in order', () => {
    const ctx = pciTree({ 'iommu-map': [0x0, 1, 0x0, 0x10000] });
    const d = createDevice({
      name: 'p',
      bus: 'pci',
      pci: { segment: 0, bus: 1, devfn: 0, aliases: [0x100, 0x18] },
    });
    expect(ofIommuConfigure(ctx, d, ctx.byPath.get('/pcie@10000000')!, null)).toBe(0);
    expect(d.fwspec!.ids).toEqual([0x100, 0x18]);
  });

  it('a non-PCI device with an input ID goes through the map once (fsl-mc style)', () => {
    const ctx = pciTree({ 'iommu-map': [0x0, 1, 0x40, 0x10] });
    const d = createDevice({ name: 'mc', bus: 'platform' });
    expect(ofIommuConfigure(ctx, d, ctx.byPath.get('/pcie@10000000')!, 0x3)).toBe(0);
    expect(d.fwspec!.ids).toEqual([0x43]);
  });
});

describe("E-16: a PCI device is configured from the host bridge's dma-ranges", () => {
  it.each(['6.7', '6.10'] as const)('%s', (version) => {
    const ctx = pciTree({ 'dma-ranges': [0x02000000, 0, 0, 0, 0, 0x1, 0] });
    const ep = createPciEndpoint(ctx, '/pcie@10000000', 0, 2, 0);
    ep.device.coherentDmaMask = 0xffffffffffffffffn;
    ep.device.dmaMask = { kind: 'own', value: 0xffffffffffffffffn };
    const arch = recordingArch();
    expect(ofPciDmaConfigure(ctx, ep, { kernel: kernelRelease(version), arch: arch.hooks })).toBe(
      0,
    );
    expect(ep.device.dmaRangeMap).toEqual([{ cpuStart: 0n, dmaStart: 0n, size: 0x100000000n }]);
    expect(ep.device.busDmaLimit).toBe(0xffffffffn);
    expect(ep.device.log.filter((e) => e.level === 'warn')).toEqual([]);
    if (version === '6.7')
      expect(arch.calls[0]!.legacy).toEqual({ dmaBase: 0n, size: 0x100000000n, iommu: false });
  });
});
