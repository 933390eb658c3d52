import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { formatColumns } from './columns.js';
import { exampleDir } from './corpus.js';
import { stdout as stdoutSink } from './stdout.js';
import { PLAIN_STYLE, setOutputStyle } from './terminal.js';
import { cli } from './test-cli.js';

const plain = (width: number | null) => ({ color: false, width });

describe('tables fit the terminal by wrapping their last column', () => {
  const rows = [
    ['NAME', 'KIND', 'DESCRIPTION'],
    ['a', 'short', 'one two three four five six seven eight nine ten eleven twelve'],
    ['bbbb', 'x', 'fits'],
  ];

  it('without a width (a pipe, a file) nothing wraps', () => {
    expect(formatColumns(rows, plain(null))).toEqual([
      'NAME  KIND   DESCRIPTION',
      'a     short  one two three four five six seven eight nine ten eleven twelve',
      'bbbb  x      fits',
    ]);
  });

  it('at 40 columns the description wraps under itself; each row keeps its line', () => {
    expect(formatColumns(rows, plain(40), { header: true })).toEqual([
      'NAME  KIND   DESCRIPTION',
      'a     short  one two three four five six',
      '             seven eight nine ten eleven',
      '             twelve',
      'bbbb  x      fits',
    ]);
    for (const line of formatColumns(rows, plain(40))) expect(line.length).toBeLessThanOrEqual(40);
  });

  it('a word longer than the room stays whole; the column never gets narrower than 24', () => {
    const long = [['k', `${'x'.repeat(30)} y`]];
    expect(formatColumns(long, plain(10), { indent: '  ' })).toEqual([
      `  k  ${'x'.repeat(30)}`,
      '     y',
    ]);
  });
});

/** The CLI run with stdout a terminal of `columns` (and the environment given). */
function onTerminal(argv: string[], columns: number, env: Record<string, string> = {}) {
  const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  vi.spyOn(stdoutSink, 'terminal').mockReturnValue({ isTTY: true, columns });
  Object.assign(process.env, env);
  try {
    return cli(argv); // which restores the mocks
  } finally {
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('every table-printing command fits a fixed terminal width', () => {
  const words = (text: string) => text.split(/\s+/).filter(Boolean);
  /** Lines past `width` that should have wrapped: a table cell of several words. */
  const overflowing = (lines: string[], width: number, lead: (line: string) => number | null) =>
    lines.filter((l) => {
      const at = lead(l);
      return at !== null && l.length > width && /\s/.test(l.slice(at).trim());
    });

  it.each([
    // [command line, width, where a table line's wrapping column starts (null: not a table line)]
    ['kernels', ['kernels'], 60, (l: string) => (l.startsWith('  ') ? 2 : null)],
    [
      'run',
      ['run', resolve(exampleDir, 'example-soc.dts'), '--workload', 'nvme', '--count', '10'],
      50,
      (l: string) => (/^([a-zA-Z -]+:| ) +/.test(l) ? 22 : null),
    ],
    [
      '--help',
      ['inspect', '--help'],
      60,
      (l: string) => (l.startsWith('  ') ? l.search(/\S {2}\S/) + 3 : null),
    ],
  ] as const)('%s', (_name, argv, width, lead) => {
    const piped = cli([...argv]);
    const narrow = onTerminal([...argv], width, { NO_COLOR: '1' });
    expect(narrow.code).toBe(piped.code);
    // Piped, the table runs past the width; on the terminal it wraps, and only there.
    expect(overflowing(piped.stdout.split('\n'), width, lead).length).toBeGreaterThan(0);
    expect(overflowing(narrow.stdout.split('\n'), width, lead)).toEqual([]);
    // The same words in the same order: only the line breaks moved.
    expect(words(narrow.stdout)).toEqual(words(piped.stdout));
  });

  it('inspect: the range map wraps under its column, each device keeps its row', () => {
    // A device behind three DMA windows: its range map is three words long.
    const dts = join(mkdtempSync(join(tmpdir(), 'dmasim-columns-')), 'windows.dts');
    writeFileSync(
      dts,
      `/dts-v1/;
/ {
  #address-cells = <2>; #size-cells = <2>;
  memory@0 { device_type = "memory"; reg = <0x0 0x0 0x1 0x0>; };
  soc {
    compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>;
    ranges = <0x0 0x0 0x0 0x40000000>;
    dma-ranges = <0x0 0x0 0x0 0x10000000>, <0x20000000 0x0 0x40000000 0x10000000>,
                 <0x40000000 0x0 0x80000000 0x10000000>;
    dma@1000 { compatible = "acme,dma"; reg = <0x1000 0x100>; };
  };
};
`,
    );
    const argv = ['inspect', dts];
    const piped = cli(argv).stdout.split('\n');
    const header = piped.find((l) => l.startsWith('DEVICE'))!;
    const column = header.indexOf('RANGE MAP');
    const width = column + 40;
    const narrow = onTerminal(argv, width, { NO_COLOR: '1' }).stdout.split('\n');
    const rows = (lines: string[]) => lines.filter((l) => l.startsWith('/'));
    expect(rows(narrow).map((l) => l.slice(0, column))).toEqual(
      rows(piped).map((l) => l.slice(0, column)),
    );
    expect(
      overflowing(piped, width, (l) => (l.startsWith('/') ? column : null)).length,
    ).toBeGreaterThan(0);
    expect(
      overflowing(narrow, width, (l) => (l.startsWith('/') || l.startsWith(' ') ? column : null)),
    ).toEqual([]);
    expect(words(narrow.join('\n'))).toEqual(words(piped.join('\n')));
    // With several inputs, each input's table wraps as the single input's does (from a plain
    // style: the one the last run left must not be what makes it wrap).
    setOutputStyle(PLAIN_STYLE);
    const twice = onTerminal([...argv, dts], width, { NO_COLOR: '1' }).stdout;
    const one = narrow.join('\n');
    expect(twice).toBe(`== ${dts}\n${one}\n== ${dts}\n${one}`);
  });
});

describe('COLUMNS', () => {
  const argv = ['kernels'];
  const longest = (text: string) => Math.max(...text.split('\n').map((l) => l.length));

  it('on a terminal, COLUMNS sets the width', () => {
    expect(longest(onTerminal(argv, 200, { NO_COLOR: '1' }).stdout)).toBeGreaterThan(50);
    expect(
      longest(onTerminal(argv, 200, { COLUMNS: '50', NO_COLOR: '1' }).stdout),
    ).toBeLessThanOrEqual(50);
  });

  it('into a pipe nothing wraps, whatever COLUMNS says', () => {
    const piped = cli(argv).stdout;
    const saved = process.env.COLUMNS;
    process.env.COLUMNS = '50';
    try {
      expect(cli(argv).stdout).toBe(piped);
    } finally {
      if (saved === undefined) delete process.env.COLUMNS;
      else process.env.COLUMNS = saved;
    }
    expect(longest(piped)).toBeGreaterThan(50);
  });
});
