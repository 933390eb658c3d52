import { formatBdf, pciDevid } from '@dmasim/dma-mapping';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createOfContext } from './of-context.js';
import {
  type OfPciFunction,
  ofPciEnumerateHost,
  ofPciGetDevfn,
  type PciFunctionHint,
} from './pci-enumerate.js';
import { ofPciEndpoints } from './platform.js';
import { dt, type NodeSpec } from './test-tree.js';

const bdf = (f: OfPciFunction) => formatBdf(f);

// phys.hi of a PCI reg entry: bus in bits 23..16, devfn in 15..8.
const reg = (bus: number, dev: number, fn = 0) => [
  (bus << 16) | (dev << 11) | (fn << 8),
  0,
  0,
  0,
  0,
];
const bridge = (r: number[], children: NodeSpec = {}): NodeSpec => ({
  device_type: 'pci',
  '#address-cells': [3],
  '#size-cells': [2],
  reg: r,
  ...children,
});
function hostContext(children: NodeSpec, extra: NodeSpec = {}) {
  const tree = dt({
    '#address-cells': [2],
    '#size-cells': [2],
    'pcie@0': {
      device_type: 'pci',
      '#address-cells': [3],
      '#size-cells': [2],
      ...extra,
      ...children,
    },
  });
  return createOfContext(tree);
}
const host = (children: NodeSpec, extra: NodeSpec = {}) =>
  hostContext(children, extra).byPath.get('/pcie@0')!;
const summary = (fns: OfPciFunction[]) =>
  fns.map((f) => [
    bdf(f),
    f.node?.path ?? null,
    f.bridge ? [f.bridge.secondary, f.bridge.subordinate] : null,
  ]);

describe('of_pci_get_devfn', () => {
  it('reads devfn from phys.hi and needs a whole 5-cell entry', () => {
    const h = host({ 'a@3,1': { reg: reg(7, 3, 1) }, 'b@1': { reg: [0x800, 0, 0, 0] } });
    expect(ofPciGetDevfn(h.children[0]!)).toBe(0x19);
    expect(ofPciGetDevfn(h.children[1]!)).toBeNull();
  });
});

describe('bus numbers from the bridge hierarchy', () => {
  it('numbers unconfigured bridges depth-first, max + 1, in devfn order', () => {
    const h = host({
      'pci@2,0': bridge(reg(0, 2), { 'nic@0,0': { reg: reg(0, 0) } }),
      'pci@1,0': bridge(reg(0, 1), {
        'pci@0,0': bridge(reg(0, 0), { 'nvme@0,0': { reg: reg(0, 0) } }),
      }),
    });
    expect(summary(ofPciEnumerateHost(h).functions)).toEqual([
      ['00:01.0', '/pcie@0/pci@1,0', [1, 2]],
      ['00:02.0', '/pcie@0/pci@2,0', [3, 3]],
      ['01:00.0', '/pcie@0/pci@1,0/pci@0,0', [2, 2]],
      ['02:00.0', '/pcie@0/pci@1,0/pci@0,0/nvme@0,0', null],
      ['03:00.0', '/pcie@0/pci@2,0/nic@0,0', null],
    ]);
  });

  it('ignores the bus field of reg: a node sits on its parent bridge secondary bus', () => {
    // Upstream trees leave the bus field 0 (Raspberry Pi 4) or write a guess (MediaTek: 1).
    const h = host({ 'pci@0,0': bridge(reg(0, 0), { 'usb@0,0': { reg: reg(5, 0) } }) });
    expect(summary(ofPciEnumerateHost(h).functions)).toEqual([
      ['00:00.0', '/pcie@0/pci@0,0', [1, 1]],
      ['01:00.0', '/pcie@0/pci@0,0/usb@0,0', null],
    ]);
  });

  it('starts at the first cell of bus-range', () => {
    const h = host(
      { 'pci@0,0': bridge(reg(0, 0), { 'usb@0,0': { reg: reg(0, 0) } }) },
      { 'bus-range': [0x20, 0x2f] },
    );
    const e = ofPciEnumerateHost(h);
    expect(e.rootBus).toBe(0x20);
    expect(e.functions.map(bdf)).toEqual(['20:00.0', '21:00.0']);
  });

  it('keeps the buses firmware programmed (pass 0), then numbers the rest above them', () => {
    const h = host({
      'pci@1,0': bridge(reg(0, 1), { 'nic@0,0': { reg: reg(0, 0) } }),
      'pci@2,0': bridge(reg(0, 2), { 'nic@0,0': { reg: reg(0, 0) } }),
    });
    const hints: PciFunctionHint[] = [
      { bus: 0, devfn: 0x10, bridge: { secondary: 4, subordinate: 6 } },
    ];
    expect(summary(ofPciEnumerateHost(h, hints).functions)).toEqual([
      ['00:01.0', '/pcie@0/pci@1,0', [7, 7]],
      ['00:02.0', '/pcie@0/pci@2,0', [4, 6]],
      ['04:00.0', '/pcie@0/pci@2,0/nic@0,0', null],
      ['07:00.0', '/pcie@0/pci@1,0/nic@0,0', null],
    ]);
  });

  it('reconfigures a programmed range that does not sit below its bus', () => {
    const h = host(
      { 'pci@1,0': bridge(reg(0, 1), { 'nic@0,0': { reg: reg(0, 0) } }) },
      { 'bus-range': [2, 0xff] },
    );
    const hints: PciFunctionHint[] = [
      { bus: 2, devfn: 8, bridge: { secondary: 1, subordinate: 1 } },
    ];
    const [port, nic] = ofPciEnumerateHost(h, hints).functions;
    expect(port!.bridge).toEqual({ secondary: 3, subordinate: 3 });
    expect(port!.log[0]!.msg).toBe('bridge configuration invalid ([bus 01-01]), reconfiguring');
    expect(bdf(nic!)).toBe('03:00.0');
  });

  it('runs out of bus numbers at the end of bus-range', () => {
    const h = host(
      { 'pci@1,0': bridge(reg(0, 1), { 'nic@0,0': { reg: reg(0, 0) } }) },
      { 'bus-range': [0, 0] },
    );
    const [port, ...rest] = ofPciEnumerateHost(h).functions;
    expect(rest).toEqual([]);
    expect(port!.bridge).toBeNull();
    expect(port!.log.map((l) => l.msg)).toEqual([
      'devices behind bridge are unusable because [bus 01] cannot be assigned for them',
    ]);
  });

  it('bridges the platform names (pcie port kinds) take bus numbers too', () => {
    const h = host({ 'pci@2,0': bridge(reg(0, 2), { 'nic@0,0': { reg: reg(0, 0) } }) });
    const fns = ofPciEnumerateHost(h, [{ bus: 0, devfn: 8, isBridge: true }]).functions;
    expect(summary(fns)).toEqual([
      ['00:01.0', null, [1, 1]],
      ['00:02.0', '/pcie@0/pci@2,0', [2, 2]],
      ['02:00.0', '/pcie@0/pci@2,0/nic@0,0', null],
    ]);
  });
});

describe('PCIe port types DT bridge nodes imply', () => {
  it('root port on the root bus, then switch upstream and downstream ports; none on PCI hosts', () => {
    const children = {
      'pci@0,0': bridge(reg(0, 0), {
        'pci@0,0': bridge(reg(0, 0), {
          'pci@1,0': bridge(reg(0, 1), { 'nvme@0,0': { reg: reg(0, 0) } }),
        }),
      }),
    };
    const ports = (compatible: string) =>
      ofPciEnumerateHost(host(children, { compatible })).functions.map((f) => [bdf(f), f.port]);
    expect(ports('brcm,bcm2711-pcie')).toEqual([
      ['00:00.0', 'root-port'],
      ['01:00.0', 'upstream'],
      ['02:01.0', 'downstream'],
      ['03:00.0', null],
    ]);
    // A conventional PCI host ("pci@…", no "pcie" compatible): bridges are PCI-to-PCI bridges.
    const pci = dt({
      'pci@0': { device_type: 'pci', compatible: 'pci-host-ecam-generic', ...children },
    });
    const fns = ofPciEnumerateHost(createOfContext(pci).byPath.get('/pci@0')!).functions;
    expect(fns.map((f) => f.port)).toEqual([null, null, null, null]);
  });
});

describe('pci_set_of_node / of_pci_find_child_device', () => {
  it('a function the platform names and the tree describes is one function with its node', () => {
    const h = host({ 'pci@0,0': bridge(reg(0, 0), { 'usb@0,0': { reg: reg(0, 0) } }) });
    const fns = ofPciEnumerateHost(h, [
      { bus: 1, devfn: 0 },
      { bus: 9, devfn: 0x18 },
    ]).functions;
    expect(summary(fns)).toEqual([
      ['00:00.0', '/pcie@0/pci@0,0', [1, 1]],
      ['01:00.0', '/pcie@0/pci@0,0/usb@0,0', null],
      ['09:03.0', null, null],
    ]);
  });

  it('two nodes with one devfn on a bus: the first is used, the second reported', () => {
    const h = host({ 'eth@1,0': { reg: reg(0, 1) }, 'wifi@1,0': { reg: reg(3, 1) } });
    const fns = ofPciEnumerateHost(h).functions;
    expect(summary(fns)).toEqual([['00:01.0', '/pcie@0/eth@1,0', null]]);
    expect(fns[0]!.log).toEqual([
      {
        level: 'err',
        msg: 'PCI: OF: [Firmware Bug]: /pcie@0/wifi@1,0 has the devfn 01.0 of /pcie@0/eth@1,0; only the first node is used',
      },
    ]);
  });

  it('searches multifunc-device children in place', () => {
    const h = host({
      'multifunc-device': { 'f@4,1': { reg: reg(0, 4, 1) }, 'f@4,0': { reg: reg(0, 4, 0) } },
    });
    expect(ofPciEnumerateHost(h).functions.map((f) => [bdf(f), f.node?.name])).toEqual([
      ['00:04.0', 'f@4,0'],
      ['00:04.1', 'f@4,1'],
    ]);
  });

  it('functions behind a bridge without a node have no node', () => {
    const h = host({ 'usb@0,0': { reg: reg(1, 0) } });
    const fns = ofPciEnumerateHost(h, [
      { bus: 0, devfn: 8, bridge: { secondary: 1, subordinate: 1 } },
      { bus: 1, devfn: 0 },
    ]).functions;
    expect(summary(fns)).toEqual([
      ['00:00.0', '/pcie@0/usb@0,0', null],
      ['00:01.0', null, [1, 1]],
      ['01:00.0', null, null],
    ]);
  });
});

describe('endpoints', () => {
  it('no two functions of a host share a bus and devfn, and each node is used once', () => {
    type Spec = { dev: number; children: readonly Spec[] };
    const spec: fc.Arbitrary<Spec> = fc.letrec<{ node: Spec }>((tie) => ({
      node: fc.record({
        dev: fc.integer({ min: 0, max: 3 }),
        children: fc.oneof(
          { maxDepth: 3, depthIdentifier: 'pci' },
          fc.constant([]),
          fc.array(tie('node'), { maxLength: 3 }),
        ),
      }),
    })).node;
    fc.assert(
      fc.property(
        fc.array(spec, { maxLength: 4 }),
        fc.integer({ min: 0, max: 250 }),
        (roots, start) => {
          const build = (s: Spec, i: number): [string, NodeSpec] => [
            `n${i}@${s.dev},0`,
            s.children.length
              ? bridge(reg(7, s.dev), Object.fromEntries(s.children.map(build)))
              : { reg: reg(7, s.dev) },
          ];
          const h = host(Object.fromEntries(roots.map(build)), { 'bus-range': [start, 0xff] });
          const fns = ofPciEnumerateHost(h).functions;
          const keys = fns.map((f) => pciDevid(f));
          expect(new Set(keys).size).toBe(keys.length);
          const nodes = fns.flatMap((f) => (f.node ? [f.node] : []));
          expect(new Set(nodes).size).toBe(nodes.length);
          for (const f of fns) expect(f.bus).toBeGreaterThanOrEqual(start);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('ofPciEndpoints gives RIDs from the hierarchy and rejects hints for non-hosts', () => {
    const ctx = hostContext({
      'pci@0,0': bridge(reg(0, 0), { 'usb@0,0': { reg: reg(0, 0) } }),
    });
    const eps = ofPciEndpoints(ctx);
    expect(eps.map((e) => [e.device.name, e.rid, e.bridge])).toEqual([
      ['0000:00:00.0', 0, { secondary: 1, subordinate: 1 }],
      ['0000:01:00.0', 0x100, null],
    ]);
    expect(() => ofPciEndpoints(ctx, new Map([['/pcie@0/pci@0,0', []]]))).toThrow(
      /pci@0,0: not a PCI host bridge node/,
    );
  });
});
