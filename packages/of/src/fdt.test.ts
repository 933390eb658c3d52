import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FdtError, parseFdt } from './fdt.js';
import { writeFdt } from './fdt-writer.js';
import { createNode, type DeviceTree, type DtNode, walkNodes } from './tree.js';

const repoRoot = path.resolve(fileURLToPath(import.meta.url), '../../../..');
const shared = process.env.DMASIM_SHARED ?? path.resolve(repoRoot, '../shared');
const dtbDir = path.join(shared, 'corpus/dtb');
const hasCorpus = fs.existsSync(dtbDir);
if (!hasCorpus) console.log(`corpus tests skipped: ${dtbDir} does not exist`);
const corpusBlobs = hasCorpus
  ? fs
      .readdirSync(dtbDir)
      .filter((f) => f.endsWith('.dtb'))
      .sort()
  : [];
const readBlob = (name: string) => new Uint8Array(fs.readFileSync(path.join(dtbDir, name)));

/** The blobs the kernel build made by applying overlays with fdtoverlay (libfdt string order). */
const OVERLAY_MADE = new Set([
  'amlogic__meson-g12b-a311d-khadas-vim3-ts050.dtb',
  'ti__k3-j7200-evm.dtb',
  'xilinx__zynqmp-sm-k26-revA-sck-kv-g-revA.dtb',
  'xilinx__zynqmp-sm-k26-revA-sck-kv-g-revB.dtb',
]);

const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Everything a tree says, in order: node paths, property names and bytes. */
export function describeTree(tree: DeviceTree): string[] {
  const lines: string[] = [];
  for (const node of walkNodes(tree.root)) {
    lines.push(`N ${node.path}`);
    for (const prop of node.properties) lines.push(`P ${prop.name}=${hexOf(prop.value)}`);
  }
  for (const entry of tree.memReserve) lines.push(`R ${entry.address}/${entry.size}`);
  return lines;
}

function tinyTree(): DeviceTree {
  const root = createNode('', null);
  root.properties.push({ name: '#address-cells', value: new Uint8Array([0, 0, 0, 2]) });
  root.properties.push({ name: 'compatible', value: new TextEncoder().encode('a,b\0') });
  const child = createNode('dev@1000', root);
  root.children.push(child);
  child.properties.push({ name: 'reg', value: new Uint8Array([0, 0, 0x10, 0]) });
  child.properties.push({ name: 'dma-coherent', value: new Uint8Array(0) });
  return {
    root,
    memReserve: [{ address: 0x8000_0000n, size: 0x1000n }],
    header: { version: 17, lastCompVersion: 16, bootCpuidPhys: 0 },
  };
}

function expectFdtError(blob: Uint8Array, byteOffset?: number): FdtError {
  let caught: unknown;
  try {
    parseFdt(blob);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(FdtError);
  const err = caught as FdtError;
  expect(err.message).toContain(`byte offset ${err.byteOffset}`);
  if (byteOffset !== undefined) expect(err.byteOffset).toBe(byteOffset);
  return err;
}

function patched(blob: Uint8Array, offset: number, value: number): Uint8Array {
  const copy = blob.slice();
  new DataView(copy.buffer).setUint32(offset, value);
  return copy;
}

describe.skipIf(!hasCorpus)('corpus blobs', () => {
  it('has the blobs', () => {
    expect(corpusBlobs.length).toBeGreaterThanOrEqual(85);
  });

  it.each(corpusBlobs)('%s parses and writes back byte for byte', (name) => {
    const blob = readBlob(name);
    const tree = parseFdt(blob);
    expect(tree.root.path).toBe('/');
    expect(tree.root.children.length).toBeGreaterThan(0);
    const written = writeFdt(tree);
    expect(written.length).toBe(blob.length);
    expect(Buffer.from(written).equals(Buffer.from(blob))).toBe(true);
  });

  it.each(corpusBlobs)('%s without its captured layout gets dtc layout and strings', (name) => {
    const blob = readBlob(name);
    const tree = parseFdt(blob);
    tree.layout = undefined;
    const written = writeFdt(tree);
    if (OVERLAY_MADE.has(name)) {
      // fdtoverlay (libfdt) appended the overlay's names in its own order.
      expect(Buffer.from(written).equals(Buffer.from(blob))).toBe(false);
      expect(describeTree(parseFdt(written))).toEqual(describeTree(tree));
    } else {
      expect(Buffer.from(written).equals(Buffer.from(blob))).toBe(true);
    }
  });

  it('reads the qemu virt header, reserve map and a known property', () => {
    const tree = parseFdt(readBlob('qemu__virt.dtb'));
    expect(tree.header).toEqual({ version: 17, lastCompVersion: 16, bootCpuidPhys: 0 });
    expect(tree.memReserve).toEqual([]);
    const memory = tree.root.children.find((n) => n.name === 'memory@40000000');
    expect(hexOf(memory!.properties.find((p) => p.name === 'reg')!.value)).toBe(
      '00000000400000000000000080000000',
    );
  });

  it('reads a reserve map entry', () => {
    const tree = parseFdt(readBlob('arm__fvp-base-revc.dtb'));
    expect(tree.memReserve).toEqual([{ address: 0x8000_0000n, size: 0x10000n }]);
  });

  it('a truncated copy of a big blob fails cleanly at sampled lengths', () => {
    const blob = readBlob('qcom__sc7280-herobrine-crd.dtb');
    for (let n = 0; n < blob.length; n += 997) {
      expectFdtError(blob.subarray(0, n), n < 28 ? n : n < 40 ? n : 4);
      // Same, with totalsize claiming only what is left: the blocks no longer fit.
      if (n >= 40) expectFdtError(patched(blob.subarray(0, n), 4, n));
    }
  });

  it('a changed tree falls back to dtc layout, keeping the padding', () => {
    const blob = readBlob('qemu__virt.dtb');
    const tree = parseFdt(blob);
    tree.root.properties.push({ name: 'x-new-property', value: new Uint8Array([1, 2, 3, 4]) });
    const written = writeFdt(tree);
    const again = parseFdt(written);
    expect(describeTree(again)).toEqual(describeTree(tree));
    expect(again.layout!.offDtStrings).toBe(56 + again.layout!.sizeDtStruct);
  });
});

describe('hand-made blobs', () => {
  it('writes dtc layout exactly', () => {
    const blob = writeFdt(tinyTree());
    const view = new DataView(blob.buffer);
    // header: magic, totalsize, off_struct, off_strings, off_rsvmap, version, last_comp, cpu, sizes
    const struct =
      // root: BEGIN "" pad; 2 props; child BEGIN "dev@1000" pad; 2 props; END END; END
      4 + 4 + (12 + 4) + (12 + 4) + 4 + 12 + (12 + 4) + 12 + 4 + 4 + 4;
    expect([0, 4, 8, 12, 16, 20, 24, 28, 32, 36].map((o) => view.getUint32(o))).toEqual([
      0xd00dfeed,
      72 + struct + 43,
      72,
      72 + struct,
      40,
      17,
      16,
      0,
      43,
      struct,
    ]);
    const strings = Buffer.from(blob.subarray(72 + struct)).toString('latin1');
    expect(strings).toBe('#address-cells\0compatible\0reg\0dma-coherent\0');
    expect(view.getBigUint64(40)).toBe(0x8000_0000n);
    expect(view.getBigUint64(48)).toBe(0x1000n);
    expect(view.getBigUint64(56)).toBe(0n);
  });

  it('reuses a name that is the tail of an earlier one', () => {
    const tree = tinyTree();
    tree.root.properties.push({ name: 'linux,phandle', value: new Uint8Array(4) });
    tree.root.properties.push({ name: 'phandle', value: new Uint8Array(4) });
    const blob = writeFdt(tree);
    const view = new DataView(blob.buffer);
    const strings = Buffer.from(blob.subarray(view.getUint32(12))).toString('latin1');
    expect(strings).toBe('#address-cells\0compatible\0linux,phandle\0reg\0dma-coherent\0');
    const parsed = parseFdt(blob);
    expect(parsed.root.properties.map((p) => p.name)).toEqual([
      '#address-cells',
      'compatible',
      'linux,phandle',
      'phandle',
    ]);
  });

  it('writes and reads a version 16 blob', () => {
    const tree = tinyTree();
    tree.header.version = 16;
    const blob = writeFdt(tree);
    const view = new DataView(blob.buffer);
    expect(view.getUint32(16)).toBe(40);
    expect(view.getUint32(36)).toBe(0); // alignment padding, not size_dt_struct
    const parsed = parseFdt(blob);
    expect(parsed.header.version).toBe(16);
    expect(describeTree(parsed)).toEqual(describeTree(tree));
    expect(Buffer.from(writeFdt(parsed)).equals(Buffer.from(blob))).toBe(true);
  });

  it('a small blob truncated at every length fails with FdtError', () => {
    const blob = writeFdt(tinyTree());
    for (let n = 0; n < blob.length; n++) {
      expectFdtError(blob.subarray(0, n));
      if (n >= 40) expectFdtError(patched(blob.subarray(0, n), 4, n));
    }
  });

  it('rejects bad magic, versions and sizes at the header field', () => {
    const blob = writeFdt(tinyTree());
    expectFdtError(patched(blob, 0, 0xfeeddead), 0);
    expectFdtError(patched(blob, 20, 15), 20);
    expectFdtError(patched(blob, 20, 3), 20);
    expectFdtError(patched(blob, 24, 18), 24);
    expect(expectFdtError(patched(blob, 4, 0xffffffff), 4).message).toContain('exceeds');
    expectFdtError(patched(blob, 4, 20), 4);
    expectFdtError(patched(blob, 36, 0x7fffffff), 36);
    expectFdtError(patched(blob, 32, 0x7fffffff), 32);
    expectFdtError(patched(blob, 12, 0xfffffff0), 12);
    expectFdtError(patched(blob, 8, 0xfffffff0), 8);
    expectFdtError(patched(blob, 16, 0xfffffff0), 16);
  });

  it('rejects misaligned blocks', () => {
    const blob = writeFdt(tinyTree());
    expect(expectFdtError(patched(blob, 16, 44), 16).message).toContain('8-byte aligned');
    expect(expectFdtError(patched(blob, 8, 74), 8).message).toContain('4-byte aligned');
  });

  it('rejects overlapping blocks', () => {
    const blob = writeFdt(tinyTree());
    const view = new DataView(blob.buffer);
    const offStruct = view.getUint32(8);
    // strings block pointed into the structure block
    const err = expectFdtError(patched(blob, 12, offStruct + 8));
    expect(err.message).toContain('overlaps');
    // reserve map on top of the header
    expectFdtError(patched(blob, 16, 32), 16);
  });

  it('rejects string offsets out of range and unterminated names', () => {
    const blob = writeFdt(tinyTree());
    const view = new DataView(blob.buffer);
    const offStruct = view.getUint32(8);
    // first property of the root: token at offStruct+8, nameoff at +16
    const nameoffAt = offStruct + 16;
    expect(expectFdtError(patched(blob, nameoffAt, 43), nameoffAt).message).toContain(
      'outside the 43-byte strings block',
    );
    // strings block cut so that the last name loses its NUL
    expect(expectFdtError(patched(blob, 32, 42)).message).toContain('not NUL-terminated');
    // node name without NUL: fill the root name and following bytes with 'a' up to the end
    const noNul = blob.slice();
    noNul.fill(0x61, offStruct + 4);
    expectFdtError(noNul, offStruct + 4);
  });

  it('rejects badly nested tokens', () => {
    const blob = writeFdt(tinyTree());
    const view = new DataView(blob.buffer);
    const offStruct = view.getUint32(8);
    const sizeStruct = view.getUint32(36);
    // the last END_NODE turned into END: END inside a node
    expectFdtError(patched(blob, offStruct + sizeStruct - 8, 9), offStruct + sizeStruct - 8);
    // END turned into END_NODE: unmatched
    expectFdtError(patched(blob, offStruct + sizeStruct - 4, 2), offStruct + sizeStruct - 4);
    // unknown token
    expect(expectFdtError(patched(blob, offStruct, 7), offStruct).message).toContain('unknown');
    // END first: no root
    expectFdtError(patched(blob, offStruct, 9), offStruct);
    // a property token at the very start, outside any node
    expectFdtError(patched(blob, offStruct, 3), offStruct);
  });

  it('rejects a property data length past the structure block', () => {
    const blob = writeFdt(tinyTree());
    const offStruct = new DataView(blob.buffer).getUint32(8);
    expectFdtError(patched(blob, offStruct + 12, 0x10000), offStruct + 12);
  });

  it('treats __proto__ and constructor as ordinary names', () => {
    const root = createNode('', null);
    root.properties.push({ name: '__proto__', value: new Uint8Array([1]) });
    root.properties.push({ name: 'constructor', value: new Uint8Array([2]) });
    const child = createNode('__proto__', root);
    child.properties.push({ name: 'hasOwnProperty', value: new Uint8Array(0) });
    root.children.push(child, createNode('constructor', root));
    const tree: DeviceTree = {
      root,
      memReserve: [],
      header: { version: 17, lastCompVersion: 16, bootCpuidPhys: 0 },
    };
    const parsed = parseFdt(writeFdt(tree));
    expect(describeTree(parsed)).toEqual(describeTree(tree));
    expect(parsed.root.children.map((c) => c.path)).toEqual(['/__proto__', '/constructor']);
  });

  it('deep nesting errors cleanly instead of overflowing the stack', () => {
    const root = createNode('', null);
    let node: DtNode = root;
    for (let i = 0; i < 100_000; i++) {
      const child = createNode('n', node);
      node.children.push(child);
      node = child;
    }
    const tree: DeviceTree = {
      root,
      memReserve: [],
      header: { version: 17, lastCompVersion: 16, bootCpuidPhys: 0 },
    };
    const blob = writeFdt(tree);
    expect(expectFdtError(blob).message).toContain('FDT_MAX_DEPTH');
  });

  it('keeps a blob longer than totalsize to totalsize', () => {
    const blob = writeFdt(tinyTree());
    const longer = new Uint8Array(blob.length + 64);
    longer.set(blob);
    longer.fill(0xaa, blob.length);
    const tree = parseFdt(longer);
    expect(Buffer.from(writeFdt(tree)).equals(Buffer.from(blob))).toBe(true);
  });
});

const nameChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789,._+-#@'.split(''));
const arbName = fc.string({ unit: nameChars, minLength: 1, maxLength: 12 });
const arbProps = fc.uniqueArray(
  fc.record({ name: arbName, value: fc.uint8Array({ maxLength: 24 }) }),
  { selector: (p) => p.name, maxLength: 5 },
);
type Shape = { name: string; props: { name: string; value: Uint8Array }[]; children: Shape[] };
const { shape: arbShape } = fc.letrec<{ shape: Shape }>((tie) => ({
  shape: fc.record({
    name: arbName,
    props: arbProps,
    children: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      fc.constant([]),
      fc.array(tie('shape'), { maxLength: 3 }),
    ) as fc.Arbitrary<Shape[]>,
  }),
}));

function build(shape: Shape, parent: DtNode | null): DtNode {
  const node = createNode(parent ? shape.name : '', parent);
  node.properties.push(...shape.props.map((p) => ({ name: p.name, value: p.value })));
  node.children.push(...shape.children.map((c) => build(c, node)));
  return node;
}

describe('properties', () => {
  it('random trees survive write then parse', () => {
    fc.assert(
      fc.property(
        arbShape,
        fc.array(
          fc.record({
            address: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
            size: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          }),
          {
            maxLength: 3,
          },
        ),
        fc.constantFrom(16, 17),
        fc.nat(),
        (shape, memReserve, version, bootCpuidPhys) => {
          const tree: DeviceTree = {
            root: build(shape, null),
            memReserve: memReserve.filter((e) => e.address !== 0n || e.size !== 0n),
            header: { version, lastCompVersion: 16, bootCpuidPhys },
          };
          const blob = writeFdt(tree);
          const parsed = parseFdt(blob);
          expect(describeTree(parsed)).toEqual(describeTree(tree));
          expect(parsed.header).toEqual(tree.header);
          expect(Buffer.from(writeFdt(parsed)).equals(Buffer.from(blob))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random byte mutations either parse or throw FdtError', () => {
    const blob = writeFdt(tinyTree());
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ at: fc.nat(blob.length - 1), value: fc.integer({ min: 0, max: 255 }) }),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        (mutations) => {
          const copy = blob.slice();
          for (const m of mutations) copy[m.at] = m.value;
          try {
            const tree = parseFdt(copy);
            writeFdt(tree);
          } catch (e) {
            expect(e).toBeInstanceOf(FdtError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
