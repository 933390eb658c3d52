import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getDmaMask, kernelRelease } from '@dmasim/dma-mapping';
import { describe, expect, it } from 'vitest';
import { parseFdt } from './fdt.js';
import { createOfContext } from './of-context.js';
import {
  createPciEndpoint,
  ofDeviceMakeBusId,
  ofPciDmaConfigure,
  ofPciEndpoints,
  ofPlatformDmaConfigure,
  ofPlatformPopulate,
} from './platform.js';
import { dt, recordingArch } from './test-tree.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = process.env.DMASIM_SHARED ?? path.resolve(here, '../../..', '../shared');
const smmuDtb = path.join(shared, 'corpus/dtb/qemu__virt-smmuv3.dtb');
const hasCorpus = existsSync(smmuDtb);
if (!hasCorpus) console.log(`skipping QEMU corpus tests: ${smmuDtb} not found (set DMASIM_SHARED)`);

describe('of_platform_populate rules', () => {
  const ctx = createOfContext(
    dt({
      '#address-cells': [1],
      '#size-cells': [1],
      'uart@1000': { compatible: 'ns16550a', reg: [0x1000, 0x100] },
      'nocompat@2000': { reg: [0x2000, 0x100] },
      'off@3000': { compatible: 'x', reg: [0x3000, 0x100], status: 'disabled' },
      soc: {
        compatible: 'simple-bus',
        '#address-cells': [1],
        '#size-cells': [1],
        ranges: [0x0, 0x40000000, 0x100000],
        'timer@100': { compatible: 'x', reg: [0x100, 0x10], 'sub@0': { compatible: 'y' } },
        'serial@200': { compatible: ['arm,pl011', 'arm,primecell'], reg: [0x200, 0x100] },
      },
      plain: {
        compatible: 'vendor,thing',
        '#address-cells': [1],
        '#size-cells': [1],
        'child@0': { compatible: 'z', reg: [0x0, 0x4] },
      },
      'unranged-bus': {
        compatible: 'simple-bus',
        '#address-cells': [1],
        '#size-cells': [1],
        'dev@10': { compatible: 'z', reg: [0x10, 0x4] },
      },
      firmware: { scmi: { compatible: 'arm,scmi' } },
      opp: { compatible: 'operating-points-v2' },
    }),
  );
  const devices = ofPlatformPopulate(ctx);
  const names = devices.map((d) => `${d.device.bus}:${d.device.name}`);

  it("creates devices in the kernel's order with kernel names", () => {
    expect(names).toEqual([
      'platform:firmware:scmi',
      'platform:1000.uart',
      'platform:soc',
      'platform:40000100.timer',
      'amba:40000200.serial',
      'platform:plain',
      'platform:unranged-bus',
      'platform:unranged-bus:dev@10',
    ]);
  });

  it('names fall back to parent names when reg cannot be translated', () => {
    expect(ofDeviceMakeBusId(ctx, ctx.byPath.get('/unranged-bus/dev@10')!)).toBe(
      'unranged-bus:dev@10',
    );
  });

  it('platform devices own their 32-bit dma_mask; AMBA devices point it at the coherent mask', () => {
    const uart = devices.find((d) => d.device.name === '1000.uart')!.device;
    expect(uart.dmaMask).toEqual({ kind: 'own', value: 0xffffffffn });
    expect(uart.coherentDmaMask).toBe(0xffffffffn);
    const serial = devices.find((d) => d.device.bus === 'amba')!.device;
    expect(serial.dmaMask).toEqual({ kind: 'coherent' });
  });
});

describe('PCI endpoints', () => {
  const ctx = createOfContext(
    dt({
      '#address-cells': [2],
      '#size-cells': [2],
      'pcie@0': {
        device_type: 'pci',
        '#address-cells': [3],
        '#size-cells': [2],
        'linux,pci-domain': [2],
        'pci@1,0': {
          device_type: 'pci',
          '#address-cells': [3],
          '#size-cells': [2],
          reg: [0x0800, 0, 0, 0, 0],
          'nic@0,0': { reg: [0x10000, 0, 0, 0, 0] },
        },
      },
    }),
  );

  it('takes RIDs from phys.hi of child nodes, behind bridges too', () => {
    const eps = ofPciEndpoints(ctx);
    expect(eps.map((e) => [e.device.name, e.rid, e.node?.path])).toEqual([
      ['0002:00:01.0', 0x8, '/pcie@0/pci@1,0'],
      ['0002:01:00.0', 0x100, '/pcie@0/pci@1,0/nic@0,0'],
    ]);
    expect(eps[1]!.device.pci!.aliases).toEqual([0x100]);
  });

  it('explicit requests find their node when the tree has one', () => {
    expect(createPciEndpoint(ctx, '/pcie@0', 1, 0, 0).node?.path).toBe('/pcie@0/pci@1,0/nic@0,0');
    expect(createPciEndpoint(ctx, '/pcie@0', 0, 3, 1).node).toBeNull();
    expect(() => createPciEndpoint(ctx, '/nope', 0, 0, 0)).toThrow(/\/nope/);
  });
});

describe.skipIf(!hasCorpus)('QEMU virt,iommu=smmuv3 (kernel-observations B)', () => {
  const load = () => createOfContext(parseFdt(new Uint8Array(readFileSync(smmuDtb))));
  const coherentNodes = ['pcie', 'smmuv3', 'fw-cfg', 'virtio_mmio'];
  const nonCoherent = ['pl011', 'pl061', 'pl031', 'psci', 'pmu'];

  it.each(['6.10', '6.7'] as const)('platform devices: coherency and no IOMMU, %s', (version) => {
    const ctx = load();
    const devices = ofPlatformPopulate(ctx);
    const byBase = new Map<string, boolean[]>();
    for (const pdev of devices) {
      const arch = recordingArch();
      expect(
        ofPlatformDmaConfigure(ctx, pdev, { kernel: kernelRelease(version), arch: arch.hooks }),
      ).toBe(0);
      const base = pdev.node.name.split('@')[0]!;
      byBase.set(base, [...(byBase.get(base) ?? []), pdev.device.dmaCoherent]);
      expect(pdev.device.fwspec).toBeNull();
      expect(pdev.device.log).toContainEqual({
        level: 'debug',
        msg: 'device is not behind an iommu',
      });
      const coherentMsg = `device is${pdev.device.dmaCoherent ? ' ' : ' not '}dma coherent`;
      expect(pdev.device.log).toContainEqual({ level: 'debug', msg: coherentMsg });
    }
    for (const name of coherentNodes)
      expect(byBase.get(name), name).toEqual(expect.arrayContaining([true]));
    for (const name of coherentNodes)
      expect(
        byBase.get(name)!.every((c) => c),
        name,
      ).toBe(true);
    for (const name of nonCoherent) expect(byBase.get(name), name).toEqual([false]);
    expect(byBase.get('virtio_mmio')).toHaveLength(32);
    const names = devices.map((d) => `${d.device.bus}:${d.device.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'amba:9000000.pl011',
        'amba:9030000.pl061',
        'platform:4010000000.pcie',
        'platform:psci',
      ]),
    );
  });

  it.each(['6.10', '6.7'] as const)(
    'PCI RID 0x8 sits behind the SMMU with stream ID 0x8 and 32-bit masks, %s',
    (version) => {
      const ctx = load();
      const ep = createPciEndpoint(ctx, '/pcie@10000000', 0, 1, 0);
      expect(ep.rid).toBe(0x8);
      const arch = recordingArch();
      expect(ofPciDmaConfigure(ctx, ep, { kernel: kernelRelease(version), arch: arch.hooks })).toBe(
        0,
      );
      expect(ep.device.fwspec).toEqual({
        iommuNode: '/smmuv3@9050000',
        ids: [0x8],
        flags: 0,
        hasOps: true,
        driver: 'arm-smmu-v3',
        instances: ['/smmuv3@9050000'],
      });
      expect([ep.device.coherentDmaMask, getDmaMask(ep.device)]).toEqual([
        0xffffffffn,
        0xffffffffn,
      ]);
      expect(ep.device.dmaRangeMap).toBeNull();
      expect(ep.device.dmaCoherent).toBe(true);
      expect(ep.device.log).toContainEqual({ level: 'debug', msg: 'device is behind an iommu' });
      if (version === '6.7') {
        expect(arch.calls[0]!.legacy).toEqual({ dmaBase: 0n, size: 0x100000000n, iommu: true });
      }
    },
  );
});
