// `pnpm fuzz --extreme`: the inputs at ten times their sizes, each through the CLI in a
// child process of its own, with its wall time and peak memory. Too heavy for vitest; the tests
// prove the size checks at small sizes, this shows the whole path at full size.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const header = '/dts-v1/;\n';

/** [name, files to write, argv ("@f" is a file's path)] */
function cases(root) {
  const example = readFileSync(join(root, 'apps/sim/examples/example-soc.dts'), 'utf8');
  const siblings = (n) => Array.from({ length: n }, (_, i) => `n${i} {};`).join('');
  const workload = (generate) => `generate:\n${generate}\n  mix:\n    - op: map\n`;
  return [
    [
      '500,000 sibling nodes',
      { 'a.dts': `${header}/ { ${siblings(500_000)} };\n` },
      ['inspect', '@a.dts'],
    ],
    [
      'a 100 MB string (DTS source)',
      { 'a.dts': `${header}/ { s = "${'x'.repeat(100_000_000)}"; };\n` },
      ['inspect', '@a.dts'],
    ],
    [
      'a 10,000,000-character string',
      { 'a.dts': `${header}/ { s = "${'x'.repeat(10_000_000)}"; };\n` },
      ['inspect', '@a.dts'],
    ],
    [
      'a 1,000,000-character linemarker',
      { 'a.dts': `${header}# 1 "${'f'.repeat(1_000_000)}"\n/ { };\n` },
      ['inspect', '@a.dts'],
    ],
    [
      '/delete-node/ of a node with 1,000,000 children',
      { 'a.dts': `${header}/ { p: p { ${siblings(1_000_000)} }; };\n/delete-node/ &p;\n` },
      ['inspect', '@a.dts'],
    ],
    [
      '300,000 labels with phandle references',
      {
        'a.dts': `${header}/ { r = ${Array.from({ length: 300_000 }, (_, i) => `<&l${i}>`).join(', ')}; ${Array.from({ length: 300_000 }, (_, i) => `l${i}: n${i} {};`).join('')} };\n`,
      },
      ['inspect', '@a.dts'],
    ],
    [
      'an alias cycle of 100,000 aliases',
      {
        'a.dts': `${header}/ { chosen { stdout-path = "a0"; }; aliases { ${Array.from({ length: 100_000 }, (_, i) => `a${i} = "a${(i + 1) % 100_000}";`).join(' ')} }; };\n`,
      },
      ['inspect', '@a.dts'],
    ],
    ['inspect /dev/zero', {}, ['inspect', '/dev/zero']],
    [
      'a DTS that includes /dev/zero',
      { 'a.dts': `${header}/include/ "/dev/zero"\n/ { };\n` },
      ['inspect', '@a.dts'],
    ],
    [
      'a DTS that /incbin/s /dev/zero',
      { 'a.dts': `${header}/ { a = /incbin/("/dev/zero"); };\n` },
      ['inspect', '@a.dts'],
    ],
    [
      'a 1 TiB restricted-dma-pool',
      {
        'a.dts': example.replace(
          'reg = <0x0 0x3e000000 0x0 0x400000>;',
          'reg = <0x0 0x3e000000 0x100 0x0>;',
        ),
      },
      ['inspect', '@a.dts'],
    ],
    [
      'swiotlb=2^52 slabs on the command line',
      { 'a.dts': example },
      ['inspect', '@a.dts', '--cmdline', 'swiotlb=0x10000000000000,force'],
    ],
    [
      'generate.count: 4294967296',
      { 'a.dts': example, 'w.yaml': workload('  count: 4294967296') },
      ['run', '@a.dts', '--workload', '@w.yaml'],
    ],
    [
      'generate.inFlight: 100000000',
      { 'a.dts': example, 'w.yaml': workload('  inFlight: 100000000') },
      ['run', '@a.dts', '--workload', '@w.yaml'],
    ],
    [
      'a YAML mapping of 100,000 keys',
      {
        'a.dts': example,
        'p.yaml': Array.from({ length: 100_000 }, (_, i) => `k${i}: ${i}`).join('\n'),
      },
      ['inspect', '@a.dts', '--platform', '@p.yaml'],
    ],
    [
      'an IORT spec with a 0xffffffff length',
      { 't.iort.json': JSON.stringify({ length: 0xffff_ffff, nodes: [] }) },
      ['iort', 'build', '@t.iort.json', '-o', '@out.bin'],
    ],
  ];
}

export function runExtreme(root) {
  const rows = [];
  for (const [name, files, argv] of cases(root)) {
    const dir = mkdtempSync(join(tmpdir(), 'dmasim-extreme-'));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    const args = argv.map((a) => (a.startsWith('@') ? join(dir, a.slice(1)) : a));
    const started = performance.now();
    // The child reports its own peak RSS (getrusage) after main() returns.
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { main } = await import(${JSON.stringify(join(root, 'apps/sim/dist/index.js'))});
         process.stdout.write = () => true;
         const code = await main(${JSON.stringify(args)});
         console.error('@@' + JSON.stringify({ code, maxRss: process.resourceUsage().maxRSS }));`,
      ],
      { encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 26 },
    );
    const seconds = (performance.now() - started) / 1000;
    rmSync(dir, { recursive: true, force: true });
    const report = /@@(.*)$/m.exec(child.stderr ?? '');
    const result = report ? JSON.parse(report[1]) : null;
    const message = (child.stderr ?? '').split('\n').find((l) => l.startsWith('dmasim ')) ?? '';
    const outcome =
      result === null
        ? `killed (${child.signal ?? child.error?.code ?? 'no report'})`
        : result.code === 0
          ? 'a result'
          : message.replaceAll(`${dir}/`, '').slice(0, 120);
    rows.push({
      name,
      outcome,
      seconds,
      peakMiB: result ? Math.round(result.maxRss / 1024) : null,
      code: result?.code,
    });
    console.log(
      `extreme: ${name}: ${outcome} (${seconds.toFixed(1)} s, ${rows.at(-1).peakMiB} MiB)`,
    );
  }
  return rows;
}
