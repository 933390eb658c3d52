// fast-check arbitraries for the four input formats dmasim reads: FDT blobs, DTS sources, IORT
// tables (binary and spec), and platform/workload files. Each input is { files, argv }: the files
// to write and the dmasim command line that reads them ("@name" is a file's path).
//
// Mutations work on meaning first (reference cycles, duplicated and deleted nodes, extreme counts
// and sizes, wrong cell counts, overlapping windows, fields of the wrong kind), then on bytes.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import fc from 'fast-check';

const EXTREME_U32 = [0, 1, 2, 3, 4, 5, 0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xffff_ffff];
const EXTREME_U64 = [
  0n,
  1n,
  0xfffn,
  1n << 32n,
  (1n << 32n) - 1n,
  1n << 40n, // 1 TiB
  (1n << 48n) - 1n,
  1n << 63n,
  (1n << 64n) - 1n,
];
const DT_REFERENCE_PROPS = [
  'iommus',
  'msi-parent',
  'memory-region',
  'interconnects',
  'iommu-map',
  'msi-map',
  'dma-ranges',
  'ranges',
  'reg',
  'interrupt-parent',
];
const CELL_PROPS = [
  '#address-cells',
  '#size-cells',
  '#iommu-cells',
  '#interconnect-cells',
  '#msi-cells',
];

const be32 = (values) => {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (const [i, v] of values.entries()) view.setUint32(i * 4, Number(BigInt(v) & 0xffff_ffffn));
  return out;
};
const u64Cells = (v) => [Number((v >> 32n) & 0xffff_ffffn), Number(v & 0xffff_ffffn)];
const str = (s) => new TextEncoder().encode(`${s}\0`);

/** A byte mutator: flip, overwrite a u32 with an extreme value, truncate or extend. */
const byteMutation = fc.oneof(
  fc.record({ kind: fc.constant('flip'), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('u32'), at: fc.nat(), value: fc.constantFrom(...EXTREME_U32) }),
  fc.record({ kind: fc.constant('truncate'), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend'), length: fc.nat(64) }),
);

function applyBytes(bytes, mutations) {
  let out = Uint8Array.from(bytes);
  for (const m of mutations) {
    if (out.length === 0) break;
    if (m.kind === 'flip') out[m.at % out.length] ^= 1 << m.bit;
    else if (m.kind === 'u32' && out.length >= 4) {
      new DataView(out.buffer).setUint32((m.at % (out.length >> 2)) * 4, m.value);
    } else if (m.kind === 'truncate') out = out.slice(0, m.at % out.length);
    else if (m.kind === 'extend') {
      const longer = new Uint8Array(out.length + m.length);
      longer.set(out);
      out = longer;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Device trees: structural mutations on a parsed tree, written back as a blob.

const dtMutation = fc.oneof(
  fc.record({ kind: fc.constant('alias-cycle'), length: fc.integer({ min: 1, max: 70 }) }),
  fc.record({
    kind: fc.constant('alias-to'),
    node: fc.nat(),
    suffix: fc.constantFrom('', '/x', '/a/b'),
  }),
  fc.record({ kind: fc.constant('duplicate-node'), node: fc.nat() }),
  fc.record({ kind: fc.constant('delete-node'), node: fc.nat() }),
  fc.record({ kind: fc.constant('dma-mem-cycle'), a: fc.nat(), b: fc.nat() }),
  fc.record({
    kind: fc.constant('reference'),
    node: fc.nat(),
    prop: fc.constantFrom(...DT_REFERENCE_PROPS),
    target: fc.oneof(fc.nat(), fc.constantFrom(0, 0xffff_ffff, 'self')),
    args: fc.array(fc.constantFrom(...EXTREME_U32), { maxLength: 7 }),
  }),
  fc.record({
    kind: fc.constant('cells'),
    node: fc.nat(),
    prop: fc.constantFrom(...CELL_PROPS),
    value: fc.constantFrom(...EXTREME_U32),
  }),
  fc.record({
    kind: fc.constant('pool'),
    base: fc.constantFrom(...EXTREME_U64),
    size: fc.constantFrom(...EXTREME_U64),
    dynamic: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('windows'),
    node: fc.nat(),
    prop: fc.constantFrom('dma-ranges', 'ranges', 'reg'),
    entries: fc.array(fc.constantFrom(...EXTREME_U64), { minLength: 3, maxLength: 18 }),
  }),
  fc.record({
    kind: fc.constant('truncate-prop'),
    node: fc.nat(),
    prop: fc.nat(),
    length: fc.nat(9),
  }),
  fc.record({
    kind: fc.constant('children'),
    node: fc.nat(),
    count: fc.constantFrom(10, 500, 3000),
  }),
);

function nodesOf(root) {
  const out = [];
  const pending = [root];
  for (let n = pending.pop(); n; n = pending.pop()) {
    out.push(n);
    for (let i = n.children.length - 1; i >= 0; i--) pending.push(n.children[i]);
  }
  return out;
}

function setProp(node, name, value) {
  const existing = node.properties.find((p) => p.name === name);
  if (existing) existing.value = value;
  else node.properties.push({ name, value });
}

/** A new child node (paths are fixed up after all mutations). */
function child(parent, name) {
  return {
    name,
    path: parent.path === '/' ? `/${name}` : `${parent.path}/${name}`,
    parent,
    children: [],
    properties: [],
  };
}

/** The root's child of that name, made when absent. */
function topNode(tree, name) {
  let node = tree.root.children.find((c) => c.name === name);
  if (!node) {
    node = child(tree.root, name);
    tree.root.children.push(node);
  }
  return node;
}

let nextPhandle = 0x7000_0000;
function phandleOf(node) {
  const p = node.properties.find((q) => q.name === 'phandle');
  if (p && p.value.length === 4)
    return new DataView(p.value.buffer, p.value.byteOffset).getUint32(0);
  const value = nextPhandle++;
  setProp(node, 'phandle', be32([value]));
  return value;
}

function applyTreeMutation(tree, m) {
  const nodes = nodesOf(tree.root);
  const pick = (i) => nodes[i % nodes.length];
  switch (m.kind) {
    case 'alias-cycle': {
      const aliases = topNode(tree, 'aliases');
      for (let i = 0; i < m.length; i++)
        setProp(aliases, `cyc${i}`, str(`cyc${(i + 1) % m.length}/x`));
      setProp(aliases, 'serial0', str('cyc0'));
      setProp(tree.root, 'stdout-path', str('serial0:115200n8'));
      break;
    }
    case 'alias-to': {
      const aliases = topNode(tree, 'aliases');
      setProp(aliases, 'serial1', str(`${pick(m.node).path}${m.suffix}`));
      setProp(tree.root, 'stdout-path', str('serial1'));
      break;
    }
    case 'duplicate-node': {
      const n = pick(m.node);
      if (n.parent)
        n.parent.children.push({ ...n, children: [...n.children], properties: [...n.properties] });
      break;
    }
    case 'delete-node': {
      const n = pick(m.node);
      if (n.parent) n.parent.children = n.parent.children.filter((c) => c !== n);
      break;
    }
    case 'dma-mem-cycle': {
      const a = pick(m.a);
      const b = pick(m.b);
      for (const [from, to] of [
        [a, b],
        [b, a],
      ]) {
        setProp(from, 'interconnects', be32([phandleOf(to), 0]));
        setProp(from, 'interconnect-names', str('dma-mem'));
        setProp(to, '#interconnect-cells', be32([1]));
        setProp(from, 'dma-ranges', new Uint8Array(0));
      }
      break;
    }
    case 'reference': {
      const n = pick(m.node);
      const target =
        m.target === 'self'
          ? phandleOf(n)
          : typeof m.target === 'number' && m.target < nodes.length
            ? phandleOf(pick(m.target))
            : m.target;
      setProp(n, m.prop, be32([target, ...m.args]));
      break;
    }
    case 'cells':
      setProp(pick(m.node), m.prop, be32([m.value]));
      break;
    case 'pool': {
      let rm = tree.root.children.find((c) => c.name === 'reserved-memory');
      if (!rm) {
        rm = topNode(tree, 'reserved-memory');
        setProp(rm, '#address-cells', be32([2]));
        setProp(rm, '#size-cells', be32([2]));
        setProp(rm, 'ranges', new Uint8Array(0));
      }
      const pool = child(rm, m.dynamic ? 'pool' : `pool@${m.base.toString(16)}`);
      rm.children.push(pool);
      setProp(pool, 'compatible', str('restricted-dma-pool'));
      if (m.dynamic) setProp(pool, 'size', be32(u64Cells(m.size)));
      else setProp(pool, 'reg', be32([...u64Cells(m.base), ...u64Cells(m.size)]));
      // Every device with DMA gets the pool.
      for (const n of nodes.filter((x) =>
        x.properties.some((p) => p.name === 'dma-coherent' || p.name === 'iommus'),
      )) {
        setProp(n, 'memory-region', be32([phandleOf(pool)]));
      }
      break;
    }
    case 'windows': {
      const cells = m.entries.flatMap((v) => u64Cells(v));
      setProp(pick(m.node), m.prop, be32(cells));
      break;
    }
    case 'truncate-prop': {
      const n = pick(m.node);
      const p = n.properties[m.prop % Math.max(1, n.properties.length)];
      if (p) p.value = p.value.slice(0, Math.min(p.value.length, m.length));
      break;
    }
    case 'children': {
      const n = pick(m.node);
      for (let i = 0; i < m.count; i++) n.children.push(child(n, `fz${i}@${i.toString(16)}`));
      break;
    }
  }
}

function fixPaths(root) {
  const pending = [root];
  for (let n = pending.pop(); n; n = pending.pop()) {
    for (const c of n.children) {
      c.parent = n;
      c.path = n.path === '/' ? `/${c.name}` : `${n.path}/${c.name}`;
      pending.push(c);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// DTS: snippets with the same meanings, plus the lexer's own extremes.

const dtsSnippet = fc.oneof(
  fc.record({ kind: fc.constant('long-string'), length: fc.constantFrom(10, 5_000, 200_000) }),
  fc.record({ kind: fc.constant('nesting'), depth: fc.constantFrom(3, 100, 300) }),
  fc.record({ kind: fc.constant('siblings'), count: fc.constantFrom(10, 2_000, 20_000) }),
  fc.record({ kind: fc.constant('delete-many'), count: fc.constantFrom(10, 20_000) }),
  fc.record({ kind: fc.constant('labels'), count: fc.constantFrom(3, 3_000) }),
  fc.constant({ kind: 'phandle-self' }),
  fc.constant({ kind: 'phandle-other' }),
  fc.constant({ kind: 'dma-mem-cycle' }),
  fc.constant({ kind: 'duplicate-label' }),
  fc.constant({ kind: 'duplicate-node' }),
  fc.constant({ kind: 'include-self' }),
  fc.constant({ kind: 'incbin' }),
  fc.record({ kind: fc.constant('linemarker'), length: fc.constantFrom(1, 100_000) }),
  fc.record({
    kind: fc.constant('expression'),
    text: fc.constantFrom(
      '(1 << 70)',
      '(5 / 0)',
      '(-1)',
      '(~0 >> 64)',
      "'\\x'",
      "'ab'",
      '0x1ffffffffffffffff',
      '((((((((1))))))))',
    ),
  }),
  fc.record({ kind: fc.constant('pool'), size: fc.constantFrom(...EXTREME_U64) }),
  fc.record({
    kind: fc.constant('cells'),
    prop: fc.constantFrom(...CELL_PROPS),
    value: fc.constantFrom(...EXTREME_U32),
  }),
);

function snippetText(s) {
  switch (s.kind) {
    case 'long-string':
      return `&{/} { fz-long = "${'s'.repeat(s.length)}"; };`;
    case 'nesting':
      return `&{/} { ${'n {'.repeat(s.depth)}${'};'.repeat(s.depth)} };`;
    case 'siblings':
      return `&{/} { fzs { ${Array.from({ length: s.count }, (_, i) => `c${i} {};`).join('')} }; };`;
    case 'delete-many':
      return `&{/} { fzd: fzd { ${Array.from({ length: s.count }, (_, i) => `c${i} { v = <${i}>; };`).join('')} }; };\n/delete-node/ &fzd;`;
    case 'labels':
      return `&{/} { r = ${Array.from({ length: s.count }, (_, i) => `<&fl${i}>`).join(', ')}; p = ${Array.from({ length: s.count }, (_, i) => `&fl${i}`).join(', ')}; ${Array.from({ length: s.count }, (_, i) => `fl${i}: l${i} {};`).join('')} };`;
    case 'phandle-self':
      return '&{/} { fps: fps { phandle = <&fps>; iommus = <&fps 0>; msi-parent = <&fps>; }; };';
    case 'phandle-other':
      return '&{/} { fpa: fpa { phandle = <&fpb>; }; fpb: fpb { }; };';
    case 'dma-mem-cycle':
      return '&{/} { fca: fca { #interconnect-cells = <1>; interconnects = <&fcb 0>; interconnect-names = "dma-mem"; dma-ranges; }; fcb: fcb { #interconnect-cells = <1>; interconnects = <&fca 0>; interconnect-names = "dma-mem"; dma-ranges; dev { dma-coherent; }; }; };';
    case 'duplicate-label':
      return '&{/} { dl: a {}; dl: b {}; };';
    case 'duplicate-node':
      return '&{/} { same {}; same {}; };';
    case 'include-self':
      return '/include/ "in.dts"';
    case 'incbin':
      return '&{/} { bin = /incbin/("in.dts", 4, 100); all = /incbin/("in.dts"); };';
    case 'linemarker':
      return `\n# 77 "${'f'.repeat(s.length)}"\n&{/} { x = <1>; };`;
    case 'expression':
      return `&{/} { e = <${s.text}>; };`;
    case 'pool':
      return `&{/} { reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges; fpool: pool { compatible = "restricted-dma-pool"; size = <${u64Cells(s.size).join(' ')}>; }; }; };`;
    case 'cells':
      return `&{/} { ${s.prop} = <${s.value}>; fzc@0 { reg = <0 0 0 0>; dma-ranges = <0 0 0 0 0 0>; }; };`;
  }
}

const textMutation = fc.oneof(
  fc.record({
    kind: fc.constant('insert'),
    at: fc.nat(),
    text: fc.constantFrom(
      '{',
      '}',
      ';',
      '"',
      "'",
      '<',
      '>',
      '&',
      '/',
      '\\',
      '#',
      '\n',
      '/*',
      '//',
      ':',
      '@',
      '\0',
      '\u{1F600}',
    ),
  }),
  fc.record({ kind: fc.constant('delete'), at: fc.nat(), length: fc.nat(40) }),
);

function applyText(text, mutations) {
  let out = text;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    out =
      m.kind === 'insert'
        ? out.slice(0, at) + m.text + out.slice(at)
        : out.slice(0, at) + out.slice(at + m.length);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// IORT specs: the writer's input form, with fields of the wrong kind and references that loop.

const wrongValue = fc.constantFrom(
  null,
  true,
  -1,
  1.5,
  'zz',
  '0xffffffffffffffffff',
  [],
  {},
  [1, 2],
  { a: 1 },
  2 ** 53,
  '',
);

const iortMutation = fc.oneof(
  fc.record({
    kind: fc.constant('field'),
    node: fc.nat(),
    field: fc.constantFrom(
      'identifiers',
      'mappings',
      'deviceName',
      'memoryProperties',
      'contextInterrupts',
      'globalInterrupts',
      'descriptors',
      'baseAddress',
      'memoryAddressLimit',
      'type',
      'name',
      'offset',
      'length',
      'mappingOffset',
      'revision',
      'flags',
      'pmuInterrupts',
      'nodeReference',
    ),
    value: wrongValue,
  }),
  fc.record({
    kind: fc.constant('mapping-field'),
    node: fc.nat(),
    field: fc.constantFrom('inputBase', 'idCount', 'outputBase', 'outputReference', 'flags'),
    value: fc.oneof(wrongValue, fc.constantFrom(...EXTREME_U32)),
  }),
  fc.record({ kind: fc.constant('self-reference'), node: fc.nat() }),
  fc.record({ kind: fc.constant('cycle'), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate'), node: fc.nat() }),
  fc.record({ kind: fc.constant('delete'), node: fc.nat() }),
  fc.record({ kind: fc.constant('overlap'), node: fc.nat(), count: fc.constantFrom(2, 50, 2000) }),
  fc.record({
    kind: fc.constant('table'),
    field: fc.constantFrom(
      'length',
      'nodeCount',
      'nodeOffset',
      'revision',
      'signature',
      'extraBytes',
    ),
    value: fc.oneof(wrongValue, fc.constantFrom(...EXTREME_U32)),
  }),
);

/** A value a mutation can set fields on: an earlier mutation may have put a number there. */
const isRecord = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);

function applyIort(spec, m) {
  // An earlier 'table' mutation may have made `nodes` a value of the wrong kind: leave it so.
  const nodes = Array.isArray(spec.nodes) ? spec.nodes : [];
  const pick = (i) => {
    const n = nodes.length ? nodes[i % nodes.length] : undefined;
    return isRecord(n) ? n : undefined;
  };
  switch (m.kind) {
    case 'field': {
      const n = pick(m.node);
      if (n) n[m.field] = m.value;
      break;
    }
    case 'mapping-field': {
      const n = pick(m.node);
      if (n && Array.isArray(n.mappings) && isRecord(n.mappings[0]))
        n.mappings[0][m.field] = m.value;
      break;
    }
    case 'self-reference': {
      const n = pick(m.node);
      if (n)
        n.mappings = [
          {
            inputBase: 0,
            idCount: 0xffff,
            outputBase: 0,
            outputReference: n.name ?? `#${m.node % nodes.length}`,
          },
        ];
      break;
    }
    case 'cycle': {
      const a = m.a % Math.max(1, nodes.length);
      const b = m.b % Math.max(1, nodes.length);
      if (isRecord(nodes[a]) && isRecord(nodes[b])) {
        nodes[a].mappings = [
          { inputBase: 0, idCount: 0xffff, outputBase: 0, outputReference: `#${b}` },
        ];
        nodes[b].mappings = [
          { inputBase: 0, idCount: 0xffff, outputBase: 0, outputReference: `#${a}` },
        ];
      }
      break;
    }
    case 'duplicate': {
      const n = pick(m.node);
      if (n) nodes.push(structuredClone(n));
      break;
    }
    case 'delete':
      if (nodes.length) nodes.splice(m.node % nodes.length, 1);
      break;
    case 'overlap': {
      const n = pick(m.node);
      if (n)
        n.mappings = Array.from({ length: m.count }, (_, i) => ({
          inputBase: i,
          idCount: 0xffff_ffff,
          outputBase: i * 7,
          outputReference: '#0',
        }));
      break;
    }
    case 'table':
      spec[m.field] = m.value;
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Platform and workload files.

const yamlish = (v) =>
  JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x));
/** Mostly well-formed, sometimes of the wrong kind: a generator that is always wrong only tests the first check. */
const mostly = (good, bad = wrongValue) =>
  fc.oneof({ arbitrary: good, weight: 19 }, { arbitrary: bad, weight: 1 });
const countArb = mostly(
  fc.nat(300),
  fc.constantFrom(100_000_001, 4294967296, -1, 1e20, 1.5, '10', null),
);
const sizeArb = mostly(
  fc.oneof(
    fc.constantFrom(...EXTREME_U64),
    fc.bigInt({ min: 1n, max: 1n << 24n }).map((v) => Number(v)),
  ),
);
const stepArb = fc.record({
  op: mostly(
    fc.constantFrom('map', 'unmap', 'map-sg', 'unmap-sg', 'alloc', 'free'),
    fc.constant('bogus'),
  ),
  id: mostly(fc.nat(8)),
  phys: sizeArb,
  size: sizeArb,
  dir: mostly(
    fc.constantFrom('bidirectional', 'to-device', 'from-device'),
    fc.constant('sideways'),
  ),
  segments: fc.array(fc.record({ phys: sizeArb, length: sizeArb }), { maxLength: 4 }),
});
const workloadArb = fc.oneof(
  fc.record(
    { steps: fc.array(stepArb, { maxLength: 12 }), mask: mostly(fc.nat(70)) },
    { requiredKeys: ['steps'] },
  ),
  fc.record(
    {
      generate: fc.record(
        {
          count: countArb,
          inFlight: mostly(fc.integer({ min: 1, max: 64 }), fc.constantFrom(0, 1 << 21, 1e8, 'x')),
          mix: fc.array(
            fc.record(
              {
                op: mostly(fc.constantFrom('map', 'map-sg', 'alloc'), fc.constant('x')),
                weight: mostly(fc.integer({ min: 1, max: 5 }), fc.constantFrom(0, 1e300, -2)),
                sizes: fc.array(sizeArb, { minLength: 1, maxLength: 3 }),
                segments: mostly(
                  fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 4, max: 64 })),
                  fc.constantFrom([0, 1], [5, 2], [1, 2000]),
                ),
              },
              { requiredKeys: ['op'] },
            ),
            { minLength: 1, maxLength: 3 },
          ),
          placement: mostly(fc.record({ base: sizeArb, size: sizeArb })),
        },
        { requiredKeys: ['mix'] },
      ),
      seed: mostly(fc.nat()),
    },
    { requiredKeys: ['generate'] },
  ),
);
const cmdlineArb = fc
  .array(
    fc.constantFrom(
      'iommu.strict=0',
      'iommu.strict=1',
      'iommu.passthrough=1',
      'iommu.forcedac=1',
      'swiotlb=force',
      'swiotlb=noforce',
      'swiotlb=4294967296',
      'swiotlb=1,4294967295',
      'swiotlb=0x10000000000000,force',
      'swiotlb=128,65536',
      'cma=1T',
      'cma=0',
      'cma=64M',
      'swiotlb=,,',
      'iommu.strict=x',
    ),
    { maxLength: 4 },
  )
  .map((a) => a.join(' '));
const platformArb = fc.record(
  {
    cmdline: mostly(cmdlineArb),
    pci: fc.oneof(
      fc.array(
        fc.record(
          {
            host: fc.constantFrom('/pcie@10000000', '/', '/nope', 7),
            devices: fc.array(
              fc.record(
                {
                  bdf: fc.constantFrom('00:01.0', '00:02.0', 'ff:1f.7', 'zz', '00:00.0'),
                  driverMask: mostly(fc.nat(70)),
                  msi: fc.boolean(),
                  bridge: mostly(fc.record({ secondary: fc.nat(300), subordinate: fc.nat(300) })),
                },
                { requiredKeys: ['bdf'] },
              ),
              { maxLength: 4 },
            ),
          },
          { requiredKeys: ['host'] },
        ),
        { maxLength: 2 },
      ),
    ),
  },
  { requiredKeys: [] },
);

// ---------------------------------------------------------------------------------------------

function readDir(dir, suffix) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(dir, f))) }));
}

/** The arbitraries, seeded from the shared corpus when there is one (and from our examples). */
export async function arbitraries(root, corpus) {
  const { parseFdt, writeFdt } = await import(join(root, 'packages/of/dist/index.js'));
  const examples = join(root, 'apps/sim/examples');
  const exampleDts = readFileSync(join(examples, 'example-soc.dts'), 'utf8');
  const exampleBlob = writeFdt(
    (await import(join(root, 'packages/of/dist/index.js'))).parseDts(exampleDts),
  );
  const blobs = [
    { name: 'example-soc.dtb', bytes: exampleBlob },
    ...(corpus ? readDir(join(corpus, 'dtb'), '.dtb') : []),
  ];
  const sources = [
    { name: 'example-soc.dts', text: exampleDts },
    ...(corpus
      ? readDir(join(corpus, 'dts'), '.dts').map((f) => ({
          name: f.name,
          text: new TextDecoder().decode(f.bytes),
        }))
      : []),
  ];
  const tables = [
    {
      name: 'example-acpi.iort.bin',
      bytes: new Uint8Array(readFileSync(join(examples, 'example-acpi.iort.bin'))),
    },
    ...(corpus ? readDir(join(corpus, 'iort'), '.bin') : []),
  ];
  // yaml is the CLI's dependency: resolve it from there.
  const { parse } = await import(
    createRequire(join(root, 'apps/sim/package.json')).resolve('yaml')
  );
  const exampleSpec = parse(readFileSync(join(examples, 'example-acpi.iort.yaml'), 'utf8'));
  const kernels = fc.constantFrom(
    [],
    ['--kernel', '6.7'],
    ['--kernel', '6.10'],
    ['--kernel', '6.12'],
    ['--arch', 'riscv'],
    ['--arch', 'x86'],
    ['--pci', '/pcie@10000000:00:01.0'],
  );

  const dtb = fc
    .record({
      base: fc.nat(blobs.length - 1),
      tree: fc.array(dtMutation, { maxLength: 4 }),
      bytes: fc.array(byteMutation, { maxLength: 3 }),
      extra: kernels,
      run: fc.boolean(),
    })
    .map(({ base, tree: mutations, bytes, extra, run }) => {
      let blob = blobs[base].bytes;
      if (mutations.length > 0) {
        const tree = parseFdt(blob);
        delete tree.layout;
        for (const m of mutations) applyTreeMutation(tree, m);
        fixPaths(tree.root);
        blob = writeFdt(tree);
      }
      const argv = run
        ? [
            'run',
            '@in.dtb',
            '--workload',
            'nic-rx',
            '--count',
            '40',
            ...extra.filter((a) => a !== '--pci' && !a.startsWith('/pcie')),
          ]
        : ['inspect', '@in.dtb', ...extra];
      return { files: { 'in.dtb': applyBytes(blob, bytes) }, argv, base: blobs[base].name };
    });

  const dts = fc
    .record({
      base: fc.nat(sources.length - 1),
      snippets: fc.array(dtsSnippet, { minLength: 1, maxLength: 3 }),
      text: fc.array(textMutation, { maxLength: 3 }),
      extra: kernels,
    })
    .map(({ base, snippets, text, extra }) => {
      const body = `${sources[base].text}\n${snippets.map(snippetText).join('\n')}\n`;
      return {
        files: { 'in.dts': applyText(body, text) },
        argv: ['inspect', '@in.dts', ...extra],
        base: sources[base].name,
      };
    });

  const iort = fc.oneof(
    fc
      .record({
        base: fc.nat(tables.length - 1),
        bytes: fc.array(byteMutation, { minLength: 1, maxLength: 4 }),
      })
      .map(({ base, bytes }) => ({
        files: { 't.iort.bin': applyBytes(tables[base].bytes, bytes) },
        argv: ['inspect', '@t.iort.bin'],
        base: tables[base].name,
      })),
    fc
      .record({
        mutations: fc.array(iortMutation, { minLength: 1, maxLength: 4 }),
        build: fc.boolean(),
      })
      .map(({ mutations, build }) => {
        const spec = structuredClone(exampleSpec);
        for (const m of mutations) applyIort(spec, m);
        const text = yamlish(spec);
        return {
          files: { 't.iort.json': text ?? 'null' },
          argv: build
            ? ['iort', 'build', '@t.iort.json', '-o', '@out.bin']
            : ['inspect', '@t.iort.json'],
          base: 'example-acpi.iort.yaml',
        };
      }),
  );

  const platform = fc
    .record({
      workload: workloadArb,
      platform: platformArb,
      duplicateKey: mostly(fc.constant(false), fc.constant(true)),
      device: fc.constantFrom(
        [],
        ['--device', '/soc/wifi@7e300000'],
        ['--device', '/soc/mmc@7e340000'],
        ['--device', '/nope'],
      ),
    })
    .map(({ workload, platform: p, duplicateKey, device }) => {
      let w = yamlish(workload);
      if (duplicateKey) w = w.replace(/^\{/, '{"mask": 32, "mask": 33, ');
      return {
        files: { 'soc.dts': exampleDts, 'w.json': w, 'p.json': yamlish(p) },
        argv: ['run', '@soc.dts', '--workload', '@w.json', '--platform', '@p.json', ...device],
        base: 'example-soc.dts',
      };
    });

  return { dtb, dts, iort, platform };
}
