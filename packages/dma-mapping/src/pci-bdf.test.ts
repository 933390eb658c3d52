import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bdfOfRid,
  formatBdf,
  formatDevfn,
  PciAddressError,
  parseBdf,
  parseDevfn,
  pciDeviceName,
  pciDevid,
} from './pci-bdf.js';

const bdf = fc.record({
  segment: fc.integer({ min: 0, max: 0xffff }),
  bus: fc.integer({ min: 0, max: 0xff }),
  devfn: fc.integer({ min: 0, max: 0xff }),
});

describe('PCI addresses', () => {
  it('reads lspci and dev_name() forms', () => {
    expect(parseBdf('00:01.0')).toEqual({ segment: 0, bus: 0, devfn: 0x08 });
    expect(parseBdf('3:1f.7')).toEqual({ segment: 0, bus: 3, devfn: 0xff });
    expect(parseBdf('01:00.0', 2)).toEqual({ segment: 2, bus: 1, devfn: 0 });
    expect(parseBdf('000a:Ff:1F.2')).toEqual({ segment: 10, bus: 0xff, devfn: 0xfa });
    expect(parseDevfn('1f.0')).toBe(0xf8);
  });

  it('writes them as dev_name() does, and PCI_DEVID', () => {
    const b = { segment: 0x1a, bus: 0x3, devfn: 0x42 };
    expect(pciDeviceName(b)).toBe('001a:03:08.2');
    expect(formatBdf(b)).toBe('03:08.2');
    expect(formatDevfn(0xf8)).toBe('1f.0');
    expect(pciDevid(b)).toBe(0x342);
    expect(bdfOfRid(0x1a, 0x342)).toEqual(b);
  });

  it('a bad address is a typed error naming the text', () => {
    for (const bad of [
      '',
      '0:0:0',
      '00:20.0',
      '00:01.8',
      '10000:00:00.0',
      ' 00:01.0',
      '100:00.0',
    ]) {
      expect(() => parseBdf(bad)).toThrow(PciAddressError);
    }
    expect(() => parseBdf('00:20.0')).toThrow('"00:20.0": device number 0x20 is above 0x1f');
    expect(() => parseDevfn('20.0')).toThrow(PciAddressError);
    let thrown: unknown;
    try {
      parseBdf('pci0');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ name: 'PciAddressError', code: 'PCI_ADDRESS', text: 'pci0' });
  });

  it('format then parse gives the address back', () => {
    fc.assert(
      fc.property(bdf, (b) => {
        expect(parseBdf(pciDeviceName(b))).toEqual(b);
        expect(parseBdf(formatBdf(b), b.segment)).toEqual(b);
        expect(parseDevfn(formatDevfn(b.devfn))).toBe(b.devfn);
        expect(bdfOfRid(b.segment, pciDevid(b))).toEqual(b);
      }),
    );
  });

  it('parse then format gives the text back, in dev_name() form', () => {
    const text = fc
      .tuple(
        fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
        fc.integer({ min: 0, max: 0xff }),
        fc.integer({ min: 0, max: 31 }),
        fc.integer({ min: 0, max: 7 }),
        fc.boolean(),
      )
      .map(([seg, bus, slot, fn, upper]) => {
        const t = `${seg === undefined ? '' : `${seg.toString(16)}:`}${bus.toString(16)}:${slot.toString(16)}.${fn}`;
        return upper ? t.toUpperCase() : t;
      });
    fc.assert(
      fc.property(text, (t) => {
        const b = parseBdf(t);
        expect(pciDeviceName(b)).toBe(pciDeviceName(parseBdf(pciDeviceName(b))));
        const canonical = pciDeviceName(b);
        expect(canonical).toMatch(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/);
        const parts = t
          .toLowerCase()
          .split(/[:.]/)
          .map((p) => Number.parseInt(p, 16));
        const want = parts.length === 4 ? parts : [0, ...parts];
        expect(canonical.split(/[:.]/).map((p) => Number.parseInt(p, 16))).toEqual(want);
      }),
    );
  });
});
