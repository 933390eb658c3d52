// The compatibles an arm64 kernel's early init claims before of_platform_populate() runs:
// IRQCHIP_DECLARE() entries (__irqchip_of_table, walked by of_irq_init() from irqchip_init())
// and CLK_OF_DECLARE() / CLK_OF_DECLARE_DRIVER() entries (__clk_of_table, walked by
// of_clk_init(NULL) from time_init()). Each entry names the kernel source file that declares it.
//
// Scope: the declarations of the drivers that the corpus' SoC families build on arm64 (GIC,
// BCM283x/2711, Allwinner, Tegra, i.MX8M, Layerscape) and the generic fixed clocks, read from
// the kernel sources. Drivers that moved to IRQCHIP_PLATFORM_DRIVER (for example
// drivers/irqchip/irq-brcmstb-l2.c, "brcm,l2-intc") are platform drivers and are not listed.
// TIMER_OF_DECLARE() entries are not listed either: timer_probe() never marks a node
// OF_POPULATED, so a timer node still gets its platform device.

export type EarlyInitKind =
  /** IRQCHIP_DECLARE(): of_irq_init() marks the node OF_POPULATED before calling init. */
  | 'irqchip'
  /** CLK_OF_DECLARE(): of_clk_init() marks the node OF_POPULATED before calling init. */
  | 'clk'
  /** CLK_OF_DECLARE_DRIVER(): the init wrapper clears OF_POPULATED again (a driver probes later). */
  | 'clk-driver';

export interface EarlyInitEntry {
  compatible: string;
  kind: EarlyInitKind;
  /** The kernel source file with the declaration. */
  source: string;
  /** The init function clears OF_POPULATED itself so that a platform driver binds later. */
  clearsPopulated?: true;
}

const irqchip = (source: string, compatibles: string[], clearsPopulated?: true): EarlyInitEntry[] =>
  compatibles.map((compatible) => ({
    compatible,
    kind: 'irqchip' as const,
    source,
    ...(clearsPopulated ? { clearsPopulated } : {}),
  }));

export const EARLY_INIT_TABLE: readonly EarlyInitEntry[] = [
  ...irqchip('drivers/irqchip/irq-gic.c', [
    'arm,gic-400',
    'arm,arm11mp-gic',
    'arm,arm1176jzf-devchip-gic',
    'arm,cortex-a15-gic',
    'arm,cortex-a9-gic',
    'arm,cortex-a7-gic',
    'qcom,msm-8660-qgic',
    'qcom,msm-qgic2',
    'arm,pl390',
  ]),
  ...irqchip('drivers/irqchip/irq-gic-v3.c', ['arm,gic-v3']),
  ...irqchip('drivers/irqchip/irq-bcm2836.c', ['brcm,bcm2836-l1-intc']),
  ...irqchip('drivers/irqchip/irq-bcm2835.c', [
    'brcm,bcm2835-armctrl-ic',
    'brcm,bcm2836-armctrl-ic',
  ]),
  ...irqchip('drivers/irqchip/irq-sun6i-r.c', [
    'allwinner,sun6i-a31-r-intc',
    'allwinner,sun50i-h6-r-intc',
  ]),
  ...irqchip('drivers/irqchip/irq-tegra.c', [
    'nvidia,tegra20-ictlr',
    'nvidia,tegra30-ictlr',
    'nvidia,tegra210-ictlr',
  ]),
  // imx_gpcv2_irqchip_init() clears the flag so that the GPC power-domain driver still binds.
  ...irqchip('drivers/irqchip/irq-imx-gpcv2.c', ['fsl,imx7d-gpc', 'fsl,imx8mq-gpc'], true),
  ...irqchip('drivers/irqchip/irq-ls-extirq.c', [
    'fsl,ls1021a-extirq',
    'fsl,ls1043a-extirq',
    'fsl,ls1088a-extirq',
  ]),
  { compatible: 'fixed-clock', kind: 'clk', source: 'drivers/clk/clk-fixed-rate.c' },
  { compatible: 'fixed-factor-clock', kind: 'clk', source: 'drivers/clk/clk-fixed-factor.c' },
];
