import { describe, expect, it } from 'vitest';
import { DtsError } from './dts-lexer.js';
import { parseDts } from './dts-parser.js';
import { parseFdt } from './fdt.js';
import { writeFdt } from './fdt-writer.js';
import { type DeviceTree, findNodeByPath, walkNodes } from './tree.js';

const hex = (tree: DeviceTree, path: string, name: string) => {
  const node = findNodeByPath(tree, path);
  const prop = node?.properties.find((p) => p.name === name);
  return prop ? Buffer.from(prop.value).toString('hex') : undefined;
};
const propNames = (tree: DeviceTree, path: string) =>
  findNodeByPath(tree, path)!.properties.map((p) => p.name);
const paths = (tree: DeviceTree) => [...walkNodes(tree.root)].map((n) => n.path);
const v1 = (body: string) => `/dts-v1/;\n${body}`;

function dtsError(source: string, options = {}): DtsError {
  try {
    parseDts(source, options);
  } catch (e) {
    expect(e).toBeInstanceOf(DtsError);
    return e as DtsError;
  }
  throw new Error('expected a DtsError');
}

describe('values', () => {
  it('strings with escapes, lists and byte strings', () => {
    const t = parseDts(v1('/ { s = "a\\tb\\x41\\101\\"\\\\", "c"; b = [ab cd0e]; e; };'));
    expect(hex(t, '/', 's')).toBe(Buffer.from('a\tbAA"\\\0c\0', 'latin1').toString('hex'));
    expect(hex(t, '/', 'b')).toBe('abcd0e');
    expect(hex(t, '/', 'e')).toBe('');
  });

  it('cells, /bits/ and mixed values', () => {
    const t = parseDts(
      v1(`/ {
        c = <1 0x20 010 'a' '\\n'>;
        b8 = /bits/ 8 <1 0xff (-1)>;
        b16 = /bits/ 16 <0x1234 0x10000>;
        b64 = /bits/ 64 <0x123456789abcdef0 (~0)>;
        m = "x", <2>, [01];
        n = <0xffffffffffffffffULL 5U 6L 7UL>;
      };`),
    );
    expect(hex(t, '/', 'c')).toBe('00000001000000200000000800000061' + '0000000a');
    expect(hex(t, '/', 'b8')).toBe('01ffff');
    expect(hex(t, '/', 'b16')).toBe('12340000');
    expect(hex(t, '/', 'b64')).toBe('123456789abcdef0ffffffffffffffff');
    expect(hex(t, '/', 'm')).toBe('7800' + '00000002' + '01');
    expect(hex(t, '/', 'n')).toBe('ffffffff000000050000000600000007');
  });

  it('integer expressions with dtc precedence', () => {
    const cases: [string, bigint][] = [
      ['(1 + 2 * 3)', 7n],
      ['((1 + 2) * 3)', 9n],
      ['(1 << 4 + 1)', 32n],
      ['(0x10 >> 2)', 4n],
      ['(7 / 2)', 3n],
      ['(7 % 4)', 3n],
      ['(1 | 2 ^ 3 & 6)', 1n],
      ['(4 | 2 ^ 3 & 7)', 5n],
      ['(1 == 1 && 2 != 2)', 0n],
      ['(0 || 3)', 1n],
      ['(1 < 2)', 1n],
      ['(2 <= 1)', 0n],
      ['(3 > 2 == 1)', 1n],
      ['(2 >= 2)', 1n],
      ['(1 ? 2 : 3)', 2n],
      ['(0 ? 2 : 0 ? 3 : 4)', 4n],
      ['(-1)', 0xffffffffn],
      ['(~0x0f)', 0xfffffff0n],
      ['(!5)', 0n],
      ['(!0)', 1n],
      ['(1 << 64)', 0n],
      ['(10 - 2 - 3)', 5n],
      ['(2 - 3 + 4)', 3n],
      ["('A' + 1)", 66n],
    ];
    for (const [expr, value] of cases) {
      const t = parseDts(v1(`/ { x = <${expr}>; };`));
      expect([expr, hex(t, '/', 'x')]).toEqual([expr, value.toString(16).padStart(8, '0')]);
    }
    const big = parseDts(v1('/ { x = /bits/ 64 <(0xffffffffffffffff + 2) (1 << 63)>; };'));
    expect(hex(big, '/', 'x')).toBe('00000000000000018000000000000000');
  });

  it('rejects division by zero, bad literals and bad /bits/', () => {
    expect(dtsError(v1('/ { x = <(1 / 0)>; };')).reason).toContain('Division by zero');
    expect(dtsError(v1('/ { x = <(1 % 0)>; };')).reason).toContain('Division by zero');
    expect(dtsError(v1('/ { x = <09>; };')).reason).toContain('Bad integer literal');
    expect(dtsError(v1('/ { x = <0x10000000000000000>; };')).reason).toContain('64-bit range');
    expect(dtsError(v1('/ { x = /bits/ 7 <1>; };')).reason).toContain('8, 16, 32 or 64');
    expect(dtsError(v1("/ { x = <'ab'>; };")).reason).toContain('2 characters instead of 1');
  });
});

describe('labels, references and phandles', () => {
  const source = v1(`
    / {
      #address-cells = <1>;
      intc: interrupt-controller@100 { reg = <0x100>; };
      a: node-a { ref = <&intc &b 7>; path = &b; sub: sub { }; };
      b: node-b { x = lbl: <1 l2: 2> , [l3: 01]; p = &{/node-a/sub}; };
      c: node-c { phandle = <5>; };
      d { q = <&c &{/node-a}>; };
    };`);

  it('assigns phandles in reference order and appends the phandle property', () => {
    const t = parseDts(source);
    expect(hex(t, '/node-a', 'ref')).toBe('00000001' + '00000002' + '00000007');
    expect(propNames(t, '/interrupt-controller@100')).toEqual(['reg', 'phandle']);
    expect(hex(t, '/interrupt-controller@100', 'phandle')).toBe('00000001');
    expect(hex(t, '/node-b', 'phandle')).toBe('00000002');
    expect(hex(t, '/node-c', 'phandle')).toBe('00000005');
    expect(hex(t, '/d', 'q')).toBe('00000005' + '00000003');
    expect(hex(t, '/node-a', 'phandle')).toBe('00000003');
    // node-a/sub is referenced only by path: no phandle
    expect(propNames(t, '/node-a/sub')).toEqual([]);
  });

  it('path references become strings, value labels add nothing', () => {
    const t = parseDts(source);
    expect(hex(t, '/node-a', 'path')).toBe(Buffer.from('/node-b\0').toString('hex'));
    expect(hex(t, '/node-b', 'p')).toBe(Buffer.from('/node-a/sub\0').toString('hex'));
    expect(hex(t, '/node-b', 'x')).toBe('000000010000000201');
  });

  it('skips explicit phandles when numbering', () => {
    const t = parseDts(v1('/ { u = <&c &b &a>; a: a { phandle = <1>; }; b: b { }; c: c { }; };'));
    expect(hex(t, '/', 'u')).toBe('00000002' + '00000003' + '00000001');
  });

  it('phandle = <&self> allocates one', () => {
    const t = parseDts(v1('/ { n: n { phandle = <&n>; }; };'));
    expect(hex(t, '/n', 'phandle')).toBe('00000001');
  });

  it('rejects unknown references and duplicate labels', () => {
    expect(dtsError(v1('/ { x = <&nope>; };')).reason).toContain('"nope"');
    expect(dtsError(v1('/ { x = &nope; };')).reason).toContain('"nope"');
    expect(dtsError(v1('/ { l: a { }; l: b { }; };')).reason).toContain("Duplicate label 'l'");
    expect(dtsError(v1('/ { x = /bits/ 8 <&a>; a: a {}; };')).reason).toContain('32-bit');
    expect(dtsError(v1('/ { }; &nope { };')).reason).toContain('Label or path nope not found');
  });
});

describe('merging and deleting', () => {
  it('merges repeated nodes and overrides in place', () => {
    const t = parseDts(
      v1(`
      / { a = <1>; b = <2>; n: node { x = <1>; }; };
      / { a = <3>; c = <4>; node { y = <2>; }; extra { }; };
      &n { x = <9>; z = <3>; };
      &{/node} { w; };
      lbl2: &{/extra} { k; };
      / { r = <&lbl2>; };`),
    );
    expect(propNames(t, '/')).toEqual(['a', 'b', 'c', 'r']);
    expect(hex(t, '/', 'a')).toBe('00000003');
    expect(propNames(t, '/node')).toEqual(['x', 'y', 'z', 'w']);
    expect(hex(t, '/node', 'x')).toBe('00000009');
    expect(paths(t)).toEqual(['/', '/node', '/extra']);
    expect(propNames(t, '/extra')).toEqual(['k', 'phandle']);
  });

  it('deletes nodes and properties, and revives them in place', () => {
    const t = parseDts(
      v1(`
      / { a = <1>; b = <2>; c = <3>; x: one { }; two { }; three { }; };
      / { /delete-property/ b; /delete-node/ two; };
      /delete-node/ &x;
      / { b = <5>; two { again; }; };`),
    );
    expect(propNames(t, '/')).toEqual(['a', 'b', 'c']);
    expect(hex(t, '/', 'b')).toBe('00000005');
    expect(paths(t)).toEqual(['/', '/two', '/three']);
    expect(propNames(t, '/two')).toEqual(['again']);
  });

  it('a deleted label no longer resolves', () => {
    expect(dtsError(v1('/ { x: a { }; }; /delete-node/ &x; / { r = <&x>; };')).reason).toContain(
      '"x"',
    );
  });

  it('omits unreferenced /omit-if-no-ref/ nodes', () => {
    const t = parseDts(
      v1(`/ { u = <&b>; /omit-if-no-ref/ a: a { }; /omit-if-no-ref/ b: b { }; }; `),
    );
    expect(paths(t)).toEqual(['/', '/b']);
  });

  it('drops a correct name property and rejects a wrong one', () => {
    const t = parseDts(v1('/ { foo@1 { name = "foo"; reg = <1>; }; };'));
    expect(propNames(t, '/foo@1')).toEqual(['reg']);
    expect(dtsError(v1('/ { foo { name = "bar"; }; };')).reason).toContain('"name" property');
  });

  it('rejects properties after subnodes, duplicate names and bad characters', () => {
    expect(dtsError(v1('/ { a { }; p; };')).reason).toContain('Properties must precede subnodes');
    expect(dtsError(v1('/ { a { }; a { }; };')).reason).toContain('Duplicate node name');
    expect(dtsError(v1('/ { p; p; };')).reason).toContain('Duplicate property name');
    expect(dtsError(v1('/ { a#b { }; };')).reason).toContain("Bad character '#'");
    expect(dtsError(v1('/ { a@1@2 { }; };')).reason).toContain("multiple '@'");
    expect(dtsError(v1('/ { p@q; };')).reason).toContain("Bad character '@'");
  });
});

describe('source handling', () => {
  it('memreserve, comments, boot cpu and header', () => {
    const t = parseDts(
      `/dts-v1/; // comment
      /* block
         comment */ r: /memreserve/ 0x80000000 0x10000;
      /memreserve/ (1 << 32) 4096;
      / { cpus { #address-cells = <1>; cpu@3 { reg = <3>; }; }; };`,
    );
    expect(t.memReserve).toEqual([
      { address: 0x8000_0000n, size: 0x10000n },
      { address: 0x1_0000_0000n, size: 4096n },
    ]);
    expect(t.header).toEqual({ version: 17, lastCompVersion: 16, bootCpuidPhys: 3 });
    const blob = writeFdt(t);
    expect(parseFdt(blob).memReserve).toEqual(t.memReserve);
    expect(new DataView(blob.buffer).getUint32(28)).toBe(3);
  });

  it('/include/ through readFile, relative to the including file, then include dirs', () => {
    const files: Record<string, string> = {
      'dir/main.dts': '/dts-v1/;\n/include/ "part.dtsi"\n/ { /include/ "props.dtsi" };',
      'dir/part.dtsi': '/ { from-part; };',
      'inc/props.dtsi': 'p = <1>;',
    };
    const seen: [string, string][] = [];
    const t = parseDts(files['dir/main.dts']!, {
      fileName: 'dir/main.dts',
      includeDirs: ['inc'],
      readFile: (p, from) => {
        seen.push([p, from]);
        return files[p];
      },
    });
    expect(propNames(t, '/')).toEqual(['from-part', 'p']);
    expect(seen).toEqual([
      ['dir/part.dtsi', 'dir/main.dts'],
      ['dir/props.dtsi', 'dir/main.dts'],
      ['inc/props.dtsi', 'dir/main.dts'],
    ]);
    const err = dtsError('/dts-v1/;\n/include/ "missing.dtsi"', { readFile: () => undefined });
    expect(err.reason).toContain('missing.dtsi');
  });

  it('/incbin/ reads bytes', () => {
    const t = parseDts(v1('/ { a = /incbin/("f.bin"); b = /incbin/("f.bin", 1, 2); };'), {
      readFile: () => new Uint8Array([1, 2, 3, 4]),
    });
    expect(hex(t, '/', 'a')).toBe('01020304');
    expect(hex(t, '/', 'b')).toBe('0203');
  });

  it('errors carry file, line and column', () => {
    const err = dtsError('/dts-v1/;\n/ {\n  x = <1 2;\n};', { fileName: 'board.dts' });
    expect([err.file, err.line, err.column]).toEqual(['board.dts', 3, 11]);
    expect(err.message).toMatch(/^board\.dts:3:11: /);
  });

  it('follows cpp linemarkers for positions', () => {
    const text =
      '# 1 "board.dts"\n# 1 "<built-in>"\n# 1 "board.dts"\n/dts-v1/;\n# 1 "soc.dtsi" 1\n/ {\n\n  bad bad;\n};\n';
    const err = dtsError(text);
    expect([err.file, err.line, err.column]).toEqual(['soc.dtsi', 3, 7]);
  });

  it('asks for the C preprocessor on #include, #define and macros', () => {
    expect(dtsError('/dts-v1/;\n#include <dt-bindings/gpio/gpio.h>\n/ { };').reason).toContain(
      '--cpp',
    );
    expect(dtsError('#define FOO 1\n/dts-v1/;\n/ { };').reason).toContain('--cpp');
    const macro = dtsError(v1('/ { interrupts = <GIC_SPI 5 IRQ_TYPE_LEVEL_HIGH>; };'));
    expect(macro.reason).toContain("'GIC_SPI'");
    expect(macro.reason).toContain('--cpp');
    // a property whose name starts with '#' at the start of a line is not a directive
    const t = parseDts('/dts-v1/;\n/ {\n#address-cells = <2>;\n};');
    expect(hex(t, '/', '#address-cells')).toBe('00000002');
  });

  it('names that look like keywords need a backslash', () => {
    const t = parseDts(v1('/ { \\dts-v1 = <1>; 1node { }; };'));
    expect(propNames(t, '/')).toEqual(['dts-v1']);
    expect(paths(t)).toEqual(['/', '/1node']);
  });

  it('deep nesting errors cleanly', () => {
    const deep = `/dts-v1/; / { ${'a { '.repeat(5000)}${'}; '.repeat(5000)} };`;
    expect(dtsError(deep).reason).toContain('nested deeper');
    const parens = `/dts-v1/; / { x = <${'('.repeat(5000)}1${')'.repeat(5000)}>; };`;
    expect(dtsError(parens).reason).toContain('nested too deeply');
  });

  it('__proto__ and constructor are ordinary names', () => {
    const t = parseDts(v1('/ { __proto__ = <1>; constructor { toString; }; };'));
    expect(propNames(t, '/')).toEqual(['__proto__']);
    expect(propNames(t, '/constructor')).toEqual(['toString']);
  });
});

describe('plugins', () => {
  it('writes fragments and fixups as dtc does', () => {
    const t = parseDts(`/dts-v1/;
      /plugin/;
      &ext { status = "okay"; local: child { r = <&ext &local>; }; };
      &{/soc} { x = <&other>; };`);
    expect(paths(t)).toEqual([
      '/',
      '/fragment@0',
      '/fragment@0/__overlay__',
      '/fragment@0/__overlay__/child',
      '/fragment@1',
      '/fragment@1/__overlay__',
      '/__fixups__',
      '/__local_fixups__',
      '/__local_fixups__/fragment@0',
      '/__local_fixups__/fragment@0/__overlay__',
      '/__local_fixups__/fragment@0/__overlay__/child',
    ]);
    expect(hex(t, '/fragment@0', 'target')).toBe('ffffffff');
    expect(hex(t, '/fragment@1', 'target-path')).toBe(Buffer.from('/soc\0').toString('hex'));
    expect(hex(t, '/fragment@0/__overlay__/child', 'r')).toBe('ffffffff00000001');
    const fixups = findNodeByPath(t, '/__fixups__')!;
    expect(fixups.properties.map((p) => [p.name, Buffer.from(p.value).toString('latin1')])).toEqual(
      [
        ['ext', '/fragment@0:target:0\0/fragment@0/__overlay__/child:r:0\0'],
        ['other', '/fragment@1/__overlay__:x:0\0'],
      ],
    );
    expect(hex(t, '/__local_fixups__/fragment@0/__overlay__/child', 'r')).toBe('00000004');
  });
});
