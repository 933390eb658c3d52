// Issue 9, must-show 2-4: devices as the kernel creates them, one master on several instances of
// one IOMMU driver, and PCI DMA aliases from the platform file's topology.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { iommuDriverForCompatible } from '@dmasim/iommu-core';
import { bootMachine } from '@dmasim/machine';
import {
  createOfContext,
  type DtNode,
  parseFdt,
  parsePhandleWithArgs,
  readStrings,
  walkNodes,
} from '@dmasim/of';
import { describe, expect, it } from 'vitest';
import { corpusDir, hasCorpus } from './corpus.js';
import { cli } from './test-cli.js';

const dtb = (name: string) => resolve(corpusDir, 'dtb', name);
const inspectPaths = (file: string): string[] => {
  const out = cli(['inspect', file, '--json']);
  expect(out.code).toBe(0);
  return (JSON.parse(out.stdout) as { devices: { path: string }[] }).devices.map((d) => d.path);
};

describe.skipIf(!hasCorpus)('must-show 2: no device for nodes early init claimed', () => {
  it('QEMU virt: every device but the GIC (of_irq_init) and apb-pclk (of_clk_init)', () => {
    const virtio = Array.from(
      { length: 32 },
      (_, i) => `/virtio_mmio@a00${(i * 0x200).toString(16).padStart(4, '0')}`,
    );
    expect(inspectPaths(dtb('qemu__virt.dtb'))).toEqual([
      '/psci',
      '/platform-bus@c000000',
      '/fw-cfg@9020000',
      ...virtio,
      '/gpio-keys',
      '/pl061@9030000',
      '/pcie@10000000',
      '/pl031@9010000',
      '/pl011@9000000',
      '/pmu',
      '/flash@0',
      // timer_probe() leaves the arch timer node unmarked: it keeps its platform device.
      '/timer',
    ]);
  });

  it('Raspberry Pi 4: no GIC-400 and no root fixed clocks; the L1/L2 intc and timers stay', () => {
    const paths = inspectPaths(dtb('broadcom__bcm2711-rpi-4-b.dtb'));
    expect(paths).toHaveLength(55);
    for (const claimed of ['/soc/interrupt-controller@40041000', '/clk-27M', '/clk-108M']) {
      expect(paths).not.toContain(claimed);
    }
    expect(paths.filter((p) => /interrupt-controller|clk|clock|timer/.test(p))).toEqual([
      '/soc/timer@7e003000',
      // bcm2711's local intc has no interrupt-controller property, so of_irq_init skips it.
      '/soc/interrupt-controller@40000000',
      '/soc/clock@7ef00000',
      // brcm,l2-intc is an IRQCHIP_PLATFORM_DRIVER, not an IRQCHIP_DECLARE.
      '/soc/interrupt-controller@7ef00100',
      '/soc/firmware/clocks',
      '/timer',
    ]);
  });
});

/** The drivers of the IOMMUs a node's `iommus` names, when it names more than one instance. */
function multiInstanceDrivers(
  ctx: ReturnType<typeof createOfContext>,
  node: DtNode,
): string[] | null {
  const targets: DtNode[] = [];
  for (let i = 0; ; i++) {
    const r = parsePhandleWithArgs(ctx, node, 'iommus', '#iommu-cells', i);
    if (!r.spec) break;
    if (!targets.includes(r.spec.np)) targets.push(r.spec.np);
  }
  if (targets.length < 2) return null;
  return targets.map((t) => iommuDriverForCompatible(readStrings(t, 'compatible')) ?? t.path);
}

describe.skipIf(!hasCorpus)('must-show 3: several instances of one IOMMU driver', () => {
  const files = hasCorpus
    ? readdirSync(resolve(corpusDir, 'dtb')).filter((f) => f.endsWith('.dtb'))
    : [];

  it('no corpus device fails iommu configuration because its iommus lists one driver twice', () => {
    const sameDriver: string[] = [];
    for (const file of files) {
      const tree = parseFdt(new Uint8Array(readFileSync(dtb(file))));
      const ctx = createOfContext(tree);
      const multi = new Set(
        [...walkNodes(tree.root)]
          .filter((n) => new Set(multiInstanceDrivers(ctx, n) ?? []).size === 1)
          .map((n) => n.path),
      );
      if (multi.size === 0) continue;
      for (const d of bootMachine({ kind: 'device-tree', tree }).devices) {
        if (!multi.has(d.path)) continue;
        sameDriver.push(`${file} ${d.path}`);
        const msgs = d.device.log.map((l) => l.msg);
        expect(msgs.some((m) => m.startsWith('iommu configuration for device failed'))).toBe(false);
        expect(msgs).toContain('device is behind an iommu');
        expect(d.device.fwspec?.instances?.length).toBe(2);
      }
    }
    // The Exynos 5433 masters with two SYSMMUs each (tm2 and tm2e).
    expect(sameDriver).toEqual(
      ['exynos__exynos5433-tm2.dtb', 'exynos__exynos5433-tm2e.dtb'].flatMap((f) =>
        ['/soc@0/decon@13800000', '/soc@0/decon@13880000', '/soc@0/codec@152e0000'].map(
          (p) => `${f} ${p}`,
        ),
      ),
    );
  });

  it('the TM2 display controller is probed once and linked to both SYSMMUs', () => {
    const out = cli(['iommu', 'groups', dtb('exynos__exynos5433-tm2.dtb'), '--json']);
    const groups = (JSON.parse(out.stdout) as { groups: { iommu: string; devices: string[] }[] })
      .groups;
    expect(groups.filter((g) => g.devices.includes('13800000.decon'))).toEqual([
      expect.objectContaining({ iommu: '/soc@0/sysmmu@13a00000', devices: ['13800000.decon'] }),
    ]);
  });
});

describe.skipIf(!hasCorpus)('must-show 4: DMA aliases from the platform file topology', () => {
  const platform = join(mkdtempSync(join(tmpdir(), 'dmasim-')), 'pcie-to-pci.platform.yaml');
  writeFileSync(
    platform,
    [
      'pci:',
      '  - host: /pcie@10000000',
      '    devices:',
      '      - { bdf: "00:00.0", driver: false }',
      '      - { bdf: "00:05.0", pcie: bridge, bridge: { secondary: 1, subordinate: 1 } }',
      '      - { bdf: "01:00.0" }',
      '      - { bdf: "01:01.0" }',
      '',
    ].join('\n'),
  );
  const blob = dtb('qemu__virt-smmuv3.dtb');

  it('functions behind a PCIe-to-PCI bridge share the group of the bridge whose alias they use', () => {
    const out = cli(['iommu', 'groups', blob, '--platform', platform]);
    expect(out.stdout).toContain(
      'group 0 (/smmuv3@9050000): 0000:00:05.0 0000:01:00.0 0000:01:01.0\n',
    );
    expect(out.stdout).not.toContain('group 1 ');
  });

  it('their stream IDs are their own RID and the bridge alias (01:00.0), without hand-written aliases', () => {
    const out = cli(['inspect', blob, '--platform', platform, '--json']);
    const devices = (
      JSON.parse(out.stdout) as { devices: { path: string; iommu: { ids: string[] } | null }[] }
    ).devices;
    const ids = (p: string) => devices.find((d) => d.path === p)?.iommu?.ids;
    expect(ids('pci:0000:00:05.0')).toEqual(['0x28']);
    expect(ids('pci:0000:01:00.0')).toEqual(['0x100', '0x100']);
    expect(ids('pci:0000:01:01.0')).toEqual(['0x108', '0x100']);
  });
});
