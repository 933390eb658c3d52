import { describe, expect, it } from 'vitest';
import { IORESOURCE_MEM, IORESOURCE_MEM_64 } from './bus.js';
import { createOfContext } from './of-context.js';
import { ofPropertyReadReg } from './reg.js';
import { ofAddressToResource } from './resource.js';
import { dt } from './test-tree.js';

const ctx = createOfContext(
  dt({
    '#address-cells': [2],
    '#size-cells': [2],
    soc: {
      '#address-cells': [1],
      '#size-cells': [1],
      ranges: [0x0, 0x0, 0x40000000, 0x100000],
      'dev@100': { reg: [0x100, 0x10, 0x200, 0x20], 'reg-names': ['ctrl', 'data'] },
      'io@0': {},
    },
    cpus: { '#address-cells': [1], '#size-cells': [0], 'cpu@1': { reg: [1] } },
    'pcie@0': {
      device_type: 'pci',
      '#address-cells': [3],
      '#size-cells': [2],
      ranges: [0x03000000, 0x80, 0x0, 0x80, 0x0, 0x1, 0x0],
      'ep@0': {
        reg: [0x0, 0, 0, 0, 0],
        'assigned-addresses': [0x83000010, 0x80, 0x1000, 0x0, 0x4000],
      },
    },
    orphan: { reg: [0x0, 0x10, 0x0, 0x10] },
  }),
);
const at = (p: string) => ctx.byPath.get(p)!;

describe('of_property_read_reg: untranslated', () => {
  it('reads entry by index with the parent bus cells; out of range is -EINVAL', () => {
    expect(ofPropertyReadReg(at('/soc/dev@100'), 1)).toEqual({ ret: 0, addr: 0x200n, size: 0x20n });
    expect(ofPropertyReadReg(at('/soc/dev@100'), 2)).toEqual({ ret: -22 });
    expect(ofPropertyReadReg(at('/cpus/cpu@1'), 0)).toEqual({ ret: 0, addr: 1n, size: 0n });
    expect(ofPropertyReadReg(at('/soc/io@0'), 0)).toEqual({ ret: -22 });
  });
});

describe('of_address_to_resource: translated, with flags', () => {
  it('translates through ranges and names entries by reg-names', () => {
    expect(ofAddressToResource(ctx, at('/soc/dev@100'), 1)).toEqual({
      ret: 0,
      resource: { start: 0x40000200n, end: 0x4000021fn, flags: IORESOURCE_MEM, name: 'data' },
    });
  });

  it('PCI children use assigned-addresses and the PCI flags', () => {
    const r = ofAddressToResource(ctx, at('/pcie@0/ep@0'), 0);
    expect(r).toEqual({
      ret: 0,
      resource: {
        start: 0x8000001000n,
        end: 0x8000004fffn,
        flags: IORESOURCE_MEM | IORESOURCE_MEM_64,
        name: 'ep@0',
      },
    });
  });

  it('fails with -EINVAL when the parent has no ranges', () => {
    expect(ofAddressToResource(ctx, at('/cpus/cpu@1'), 0).ret).toBe(-22);
  });
});
