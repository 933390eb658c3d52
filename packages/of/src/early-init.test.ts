import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ofEarlyInitClaims } from './early-init.js';
import { EARLY_INIT_TABLE } from './early-init-table.js';
import { parseFdt } from './fdt.js';
import { createOfContext } from './of-context.js';
import { ofPlatformPopulate } from './platform.js';
import { dt } from './test-tree.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = process.env.DMASIM_SHARED ?? path.resolve(here, '../../..', '../shared');
const blob = (name: string) => path.join(shared, 'corpus/dtb', name);
const hasCorpus = existsSync(blob('qemu__virt.dtb'));
if (!hasCorpus)
  console.log(`skipping corpus early-init tests: ${blob('qemu__virt.dtb')} not found`);

function corpus(name: string) {
  return createOfContext(parseFdt(new Uint8Array(readFileSync(blob(name)))));
}

const claimed = (ctx: ReturnType<typeof createOfContext>) =>
  [...ofEarlyInitClaims(ctx)].map(([node, c]) => `${node.path} ${c.by} ${c.entry.source}`);

describe('of_irq_init / of_clk_init marking OF_POPULATED', () => {
  const tree = dt({
    '#address-cells': [1],
    '#size-cells': [1],
    'interrupt-parent': [1],
    'gic@1000': {
      compatible: ['arm,gic-400', 'arm,cortex-a15-gic'],
      'interrupt-controller': true,
      '#interrupt-cells': [3],
      reg: [0x1000, 0x1000],
      phandle: [1],
    },
    // No interrupt-controller property: of_irq_init does not look at it.
    'local@2000': { compatible: 'brcm,bcm2836-l1-intc', reg: [0x2000, 0x100] },
    // A GPC whose init clears OF_POPULATED again for its power-domain driver.
    'gpc@3000': {
      compatible: 'fsl,imx8mq-gpc',
      'interrupt-controller': true,
      '#interrupt-cells': [3],
      reg: [0x3000, 0x100],
    },
    // Its parent phandle does not resolve: treated as a root controller.
    'orphan@4000': {
      compatible: 'arm,gic-v3',
      'interrupt-controller': true,
      '#interrupt-cells': [3],
      'interrupt-parent': [0x99],
      reg: [0x4000, 0x100],
    },
    // Parent is a controller nothing initialises: never initialised, never claimed.
    'nested@5000': {
      compatible: 'nvidia,tegra210-ictlr',
      'interrupt-controller': true,
      '#interrupt-cells': [3],
      'interrupt-parent': [2],
      reg: [0x5000, 0x100],
    },
    'unknown@6000': {
      compatible: 'acme,intc',
      'interrupt-controller': true,
      '#interrupt-cells': [2],
      phandle: [2],
      reg: [0x6000, 0x100],
    },
    osc: { compatible: 'fixed-clock', '#clock-cells': [0], 'clock-frequency': [19200000] },
    'osc-off': { compatible: 'fixed-clock', '#clock-cells': [0], status: 'disabled' },
    half: { compatible: 'fixed-factor-clock', '#clock-cells': [0], clocks: [3] },
    timer: { compatible: 'arm,armv8-timer', interrupts: [1, 13, 0xf08] },
  });
  const ctx = createOfContext(tree);

  it('claims exactly the available, matching nodes, citing the declaring source', () => {
    expect(claimed(ctx)).toEqual([
      '/gic@1000 of_irq_init drivers/irqchip/irq-gic.c',
      '/orphan@4000 of_irq_init drivers/irqchip/irq-gic-v3.c',
      '/osc of_clk_init drivers/clk/clk-fixed-rate.c',
      '/half of_clk_init drivers/clk/clk-fixed-factor.c',
    ]);
  });

  it('of_platform_populate skips the claimed nodes and keeps the rest, timers included', () => {
    const names = ofPlatformPopulate(ctx).map((d) => d.node.path);
    expect(names).toEqual(['/local@2000', '/gpc@3000', '/nested@5000', '/unknown@6000', '/timer']);
  });

  it('CLK_OF_DECLARE_DRIVER clears the flag again', () => {
    const table = [
      ...EARLY_INIT_TABLE,
      { compatible: 'acme,ccu', kind: 'clk-driver' as const, source: 'drivers/clk/acme.c' },
    ];
    const c = createOfContext(dt({ ccu: { compatible: 'acme,ccu', '#clock-cells': [1] } }));
    expect(ofEarlyInitClaims(c, table).size).toBe(0);
    expect(ofPlatformPopulate(c, [], { earlyPopulated: ofEarlyInitClaims(c, table) })).toHaveLength(
      1,
    );
  });

  it('logs the kernel error when children remain without parents', () => {
    const log: { level: string; msg: string }[] = [];
    ofEarlyInitClaims(ctx, EARLY_INIT_TABLE, log as never);
    expect(log).toContainEqual({
      level: 'err',
      msg: 'of_irq_init: children remain, but no parents',
    });
  });

  it('every table entry names a kernel source file', () => {
    for (const e of EARLY_INIT_TABLE) expect(e.source).toMatch(/^drivers\/(irqchip|clk)\/.+\.c$/);
  });
});

describe.skipIf(!hasCorpus)('corpus blobs: no device for early-claimed nodes', () => {
  it('QEMU virt: the GIC (cortex-a15-gic) and the apb-pclk fixed clock have none; the timer still has one', () => {
    const ctx = corpus('qemu__virt.dtb');
    expect(claimed(ctx)).toEqual([
      '/intc@8000000 of_irq_init drivers/irqchip/irq-gic.c',
      '/apb-pclk of_clk_init drivers/clk/clk-fixed-rate.c',
    ]);
    const paths = ofPlatformPopulate(ctx).map((d) => d.node.path);
    expect(paths).not.toContain('/intc@8000000');
    expect(paths).not.toContain('/apb-pclk');
    expect(paths).toContain('/timer');
    expect(paths).toContain('/pl011@9000000');
    expect(paths).toHaveLength(43);
  });

  it('Raspberry Pi 4: the GIC-400 and the root fixed clocks have none; L1 and L2 intc do', () => {
    const ctx = corpus('broadcom__bcm2711-rpi-4-b.dtb');
    expect(claimed(ctx)).toEqual([
      '/soc/interrupt-controller@40041000 of_irq_init drivers/irqchip/irq-gic.c',
      '/clocks/clk-osc of_clk_init drivers/clk/clk-fixed-rate.c',
      '/clocks/clk-usb of_clk_init drivers/clk/clk-fixed-rate.c',
      '/clk-27M of_clk_init drivers/clk/clk-fixed-rate.c',
      '/clk-108M of_clk_init drivers/clk/clk-fixed-rate.c',
    ]);
    const paths = ofPlatformPopulate(ctx).map((d) => d.node.path);
    for (const gone of ['/soc/interrupt-controller@40041000', '/clk-27M', '/clk-108M']) {
      expect(paths).not.toContain(gone);
    }
    // No interrupt-controller property on the BCM2711's local intc; brcm,l2-intc is an
    // IRQCHIP_PLATFORM_DRIVER: both are platform devices.
    expect(paths).toContain('/soc/interrupt-controller@40000000');
    expect(paths).toContain('/soc/interrupt-controller@7ef00100');
    expect(paths).toContain('/timer');
  });
});
