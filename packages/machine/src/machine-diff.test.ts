import { kernelRelease } from '@dmasim/dma-mapping';
import { parseDts } from '@dmasim/of';
import { describe, expect, it } from 'vitest';
import { bootMachine } from './machine.js';
import { diffMachines, summarizeDiffs } from './machine-diff.js';

/** RAM from 0x40000000 (or `ramStart`), one bus with `dmaRanges`, one device on it. */
function board(dmaRanges: string, ram = '0x0 0x40000000 0x0 0x80000000') {
  const tree = parseDts(
    `/dts-v1/;
/ {
  #address-cells = <2>; #size-cells = <2>;
  cpus { #address-cells = <1>; #size-cells = <0>;
    cpu@0 { device_type = "cpu"; compatible = "arm,cortex-a53"; reg = <0>; }; };
  memory@0 { device_type = "memory"; reg = <${ram}>; };
  soc { compatible = "simple-bus"; #address-cells = <2>; #size-cells = <2>; ranges;
    dma-ranges = <${dmaRanges}>;
    dma@ff000000 { compatible = "dmasim,dma"; reg = <0x0 0xff000000 0x0 0x1000>; };
  };
};
`,
    { fileName: 'board.dts' },
  );
  return { kind: 'device-tree' as const, tree };
}

const boot = (fw: ReturnType<typeof board>, k: '6.7' | '6.10' | '6.12') =>
  bootMachine(fw, { kernel: kernelRelease(k) });

describe('diffMachines', () => {
  it('a dma-ranges size written as a mask: 6.7 rounds it up and warns, 6.10 does not', () => {
    const fw = board('0x0 0x0 0x0 0x0 0x0 0xffffffff');
    const diff = diffMachines(boot(fw, '6.7'), boot(fw, '6.10'));
    expect(diff.devices).toBe(2);
    expect(diff.changed.map((d) => d.path)).toEqual(['/soc/dma@ff000000']);
    const [dev] = diff.changed;
    expect(dev!.fields).toEqual([
      {
        field: 'busDmaLimit',
        before: '0xffffffff',
        after: '0xfffffffe',
        changes: ['of-dma-ranges-mask-workaround-retired', 'of-dma-range-map-limits'],
      },
    ]);
    expect(dev!.messages).toEqual({
      before: ['warn: Invalid size 0xffffffff for dma-range(s)'],
      after: [],
    });
    const summary = summarizeDiffs([diff], 1);
    expect(summary).toMatchObject({ inputs: 2, failed: 1, devices: 2, devicesChanged: 1 });
    expect(summary.byField).toEqual({ busDmaLimit: 1 });
    expect(summary.byChange).toEqual({
      'of-dma-ranges-mask-workaround-retired': 1,
      'of-dma-range-map-limits': 1,
    });
  });

  it('the same release twice: nothing differs', () => {
    const fw = board('0x0 0x0 0x0 0x0 0x0 0xffffffff');
    const diff = diffMachines(boot(fw, '6.10'), boot(fw, '6.10'));
    expect(diff.changed).toEqual([]);
    expect(diff.messagesOnly).toEqual([]);
    expect(diff.machine).toEqual([]);
  });

  it('ZONE_DMA by bits (6.10) against zone_dma_limit (6.12), with the registry entries', () => {
    // CPU end 0x0ffffffe: 6.10 rounds up to DMA_BIT_MASK(28), 6.12 takes the limit itself.
    const fw = board('0x0 0x0 0x0 0x0 0x0 0x0fffffff', '0x0 0x0 0x0 0x80000000');
    const diff = diffMachines(boot(fw, '6.10'), boot(fw, '6.12'));
    const zones = diff.machine.find((f) => f.field === 'zones');
    expect(zones?.before).toContain('DMA 0x0-0xfffffff');
    expect(zones?.after).toContain('DMA 0x0-0xfffefff');
    expect(zones?.changes).toContain('zone-dma-limit');
  });
});
