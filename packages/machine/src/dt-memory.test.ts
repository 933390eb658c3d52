import { createPlatform } from '@dmasim/dma-direct';
import { parseDts } from '@dmasim/of';
import { describe, expect, it } from 'vitest';
import { dtMemoryInput } from './dt-memory.js';

describe('reserved memory from the tree', () => {
  const tree = parseDts(
    `/dts-v1/;
/memreserve/ 0x80000000 0x100000;
/ {
  #address-cells = <2>; #size-cells = <2>;
  cpus { #address-cells = <1>; #size-cells = <0>;
    cpu@0 { device_type = "cpu"; reg = <0>; };
    cpu@1 { device_type = "cpu"; reg = <1>; };
    cpu@2 { device_type = "cpu"; reg = <2>; status = "disabled"; };
  };
  memory@80000000 { device_type = "memory"; reg = <0x0 0x80000000 0x0 0x40000000>; };
  reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;
    pool: restricted@90000000 { compatible = "restricted-dma-pool"; reg = <0x0 0x90000000 0x0 0x400000>; };
    linux,cma { compatible = "shared-dma-pool"; reusable; linux,cma-default; size = <0x0 0x1000000>;
      alloc-ranges = <0x0 0x80000000 0x0 0x20000000>; };
  };
  soc { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges;
    dma-ranges = <0x0 0x0 0x80000000 0x20000000>;
    dev@1000 { reg = <0x1000 0x100>; memory-region = <&pool>; };
  };
};
`,
    { fileName: 'mem.dts' },
  );

  it('restricted pools, a dynamic CMA region, /memreserve/ and the firmware DMA limit', () => {
    const { input } = dtMemoryInput(tree, { arch: 'arm64' });
    expect(input.cpus).toBe(2);
    expect(input.firmwareDmaLimit).toBe(0x9fff_ffffn);
    expect(input.restrictedPools).toEqual([
      expect.objectContaining({
        path: '/reserved-memory/restricted@90000000',
        base: 0x9000_0000n,
        size: 0x40_0000n,
      }),
    ]);
    // Placed top-down inside alloc-ranges, pageblock aligned.
    expect(input.cmaRegion).toEqual({ start: 0x9f00_0000n, size: 0x100_0000n });
    expect(input.reserved).toEqual([{ start: 0x8000_0000n, size: 0x10_0000n }]);
    const plat = createPlatform(input);
    expect(plat.restrictedPools.get('/reserved-memory/restricted@90000000')?.pool?.nslabs).toBe(
      2048,
    );
    expect(plat.cma?.base).toBe(0x9f00_0000n);
    expect(plat.memory.zones.DMA).toMatchObject({ start: 0x8000_0000n, end: 0x9fff_ffffn });
    expect(plat.memory.zones.DMA32).toMatchObject({ start: 0xa000_0000n, end: 0xbfff_ffffn });
  });
});
