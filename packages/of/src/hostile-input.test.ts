// Hostile inputs (issue 13): each class ends in a typed error or a correct result, without a
// stack overflow, a quadratic walk or an allocation the input size drives past a limit.
import { describe, expect, it } from 'vitest';
import { DtsError, DtsSizeError, MAX_DTS_INPUT_BYTES } from './dts-lexer.js';
import { addChild, deleteNode, newNode } from './dts-livetree.js';
import { parseDts } from './dts-parser.js';
import { parseFdt } from './fdt.js';
import { writeFdt } from './fdt-writer.js';
import {
  DtReferenceCycleError,
  findNodeByPath,
  MAX_DT_NODES,
  readString,
  walkNodes,
} from './tree.js';

const header = '/dts-v1/;\n';

describe('alias cycles', () => {
  // Minimised from a mutated corpus blob: an alias whose value names itself through another.
  const tree = parseDts(
    `${header}/ { aliases { a = "b/x"; b = "a"; s = "/soc"; }; soc { x {}; }; };`,
  );
  it('end in a DtReferenceCycleError naming the chain', () => {
    expect(() => findNodeByPath(tree, 'a')).toThrow(DtReferenceCycleError);
    try {
      findNodeByPath(tree, 'b/y');
    } catch (e) {
      expect((e as DtReferenceCycleError).chain).toEqual(['b', 'a', 'b']);
    }
  });
  it('still resolve chains without a cycle', () => {
    expect(findNodeByPath(tree, 's/x')?.path).toBe('/soc/x');
  });
  it('survive the blob round trip and stay typed', () => {
    const blob = writeFdt(tree);
    expect(() => findNodeByPath(parseFdt(blob), 'b')).toThrow(DtReferenceCycleError);
  });
});

describe('long DTS inputs', () => {
  it('a 300,000-character string is read without recursion', () => {
    const long = 'x'.repeat(300_000);
    const tree = parseDts(`${header}/ { s = "${long}"; };`);
    expect(readString(tree.root, 's')?.length).toBe(300_000);
  });
  it('a long escaped string, and a long char literal that is a typed error', () => {
    const tree = parseDts(`${header}/ { s = "${'\\"'.repeat(100_000)}"; };`);
    expect(readString(tree.root, 's')).toBe('"'.repeat(100_000));
    expect(() => parseDts(`${header}/ { c = <'${'a'.repeat(200_000)}'>; };`)).toThrow(
      /Character literal has 200000 characters instead of 1/,
    );
  });
  it('a linemarker with a 300,000-character file name', () => {
    const name = 'f'.repeat(300_000);
    expect(() => parseDts(`${header}# 7 "${name}"\n/ { x = <1 2; };`)).toThrow(
      expect.objectContaining({ name: 'DtsError', file: name, line: 7 }),
    );
  });
  it('an input over the size limit is refused before it is lexed', () => {
    const big = `${header}/ { s = "${'y'.repeat(MAX_DTS_INPUT_BYTES)}"; };`;
    expect(() => parseDts(big)).toThrow(DtsSizeError);
  });
  it('/include/ and /incbin/ data count against the same limit, refused before it is held', () => {
    const chunk = new Uint8Array(MAX_DTS_INPUT_BYTES);
    expect(() => parseDts(`${header}/ { a = /incbin/("z"); };`, { readFile: () => chunk })).toThrow(
      DtsSizeError,
    );
    expect(() => parseDts(`${header}/include/ "z"\n`, { readFile: () => chunk })).toThrow(
      new RegExp(`^<stdin>:2:1: z: input exceeds the ${MAX_DTS_INPUT_BYTES}-byte limit`),
    );
  });
});

describe('wide trees', () => {
  it('deleting a node with 200,000 children (the parser at 5,000; deleteNode() itself at full size)', () => {
    const kids = Array.from({ length: 5_000 }, (_, i) => `n${i} {};`).join('');
    const tree = parseDts(`${header}/ { p: p { ${kids} }; q {}; };\n/delete-node/ &p;`);
    expect(tree.root.children.map((c) => c.name)).toEqual(['q']);
    // The stack overflow was a spread of the child list into push(): 130,000 children were enough.
    const pos = { source: { text: '', file: 'x', markers: [] }, offset: 0 };
    const parent = newNode('p', pos);
    for (let i = 0; i < 200_000; i++) addChild(parent, newNode(`n${i}`, pos));
    deleteNode(parent);
    expect(parent.children.every((c) => c.deleted)).toBe(true);
  });
  it('5,000 siblings pass checkNames, and a duplicate among them is found', () => {
    const kids = Array.from({ length: 5_000 }, (_, i) => `n${i} {};`).join('');
    expect([...walkNodes(parseDts(`${header}/ { ${kids} };`).root)].length).toBe(5_001);
    expect(() => parseDts(`${header}/ { ${kids} n7 {}; };`)).toThrow(/duplicate_node_names.*\/n7/);
  });
  it('5,000 labels, each referenced by phandle and by path', () => {
    const n = 5_000;
    const nodes = Array.from({ length: n }, (_, i) => `l${i}: n${i} {};`).join('');
    const refs = Array.from({ length: n }, (_, i) => `<&l${i}>`).join(', ');
    const paths = Array.from({ length: n }, (_, i) => `&l${i}`).join(', ');
    const tree = parseDts(`${header}/ { r = ${refs}; p = ${paths}; ${nodes} };`);
    const r = tree.root.properties.find((p) => p.name === 'r')!.value;
    expect(r.length).toBe(4 * n);
    expect(new DataView(r.buffer, r.byteOffset).getUint32(4 * (n - 1))).toBe(n);
    expect(readString(tree.root, 'p')).toBe('/n0');
  });
});

describe('node counts', () => {
  // A blob of one root and 100,000 empty children: FDT_BEGIN_NODE "" ... FDT_END_NODE, each 12 bytes.
  function flatTree(children: number): Uint8Array {
    const words = [1, 0, ...Array.from({ length: children }, () => [1, 0, 2]).flat(), 2, 9];
    const struct = new Uint8Array(words.length * 4);
    const view = new DataView(struct.buffer);
    for (const [i, w] of words.entries()) view.setUint32(i * 4, w);
    const size = 40 + 16 + struct.length;
    const blob = new Uint8Array(size);
    const h = new DataView(blob.buffer);
    [0xd00dfeed, size, 56, size, 40, 17, 16, 0, 0, struct.length].forEach((v, i) => {
      h.setUint32(i * 4, v);
    });
    blob.set(struct, 56);
    return blob;
  }
  it('a blob with more than MAX_DT_NODES nodes is an FdtError, one with fewer is read', () => {
    expect(parseFdt(flatTree(1000)).root.children.length).toBe(1000);
    expect(() => parseFdt(flatTree(MAX_DT_NODES))).toThrow(
      `more than MAX_DT_NODES (${MAX_DT_NODES}) nodes`,
    );
  });
});

it('errors from the parser stay DtsErrors', () => {
  expect(() => parseDts(`${header}/ { a = "unterminated; };`)).toThrow(DtsError);
});
