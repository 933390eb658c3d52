// Every command, walked with wrong command lines and bad input files: a wrong command line exits
// 2 with one line and the command's usage, bad input data exits 1 with one line naming the file,
// and no JavaScript built-in error (SyntaxError, TypeError, ...) ever reaches the user.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDts, writeFdt } from '@dmasim/of';
import { describe, expect, it } from 'vitest';
import { allCommands, type Command } from './command-table.js';
import { exampleDir } from './corpus.js';
import { cli } from './test-cli.js';

const example = resolve(exampleDir, 'example-soc.dts');
const iortSpec = resolve(exampleDir, 'example-acpi.iort.yaml');
const BUILTIN = /\b(SyntaxError|TypeError|RangeError|ReferenceError|EvalError|URIError|Error):/;

const dir = mkdtempSync(join(tmpdir(), 'dmasim-errors-'));
const blob = writeFdt(parseDts(readFileSync(example, 'utf8')));
const damaged = Uint8Array.from(blob);
damaged[0] = 0xde; // the FDT magic
const truncated = blob.subarray(0, 60);
const badFiles: Record<string, string> = {
  'a damaged FDT magic': join(dir, 'damaged.dtb'),
  'a truncated blob': join(dir, 'truncated.dtb'),
  'random bytes': join(dir, 'noise.bin'),
  'an empty file': join(dir, 'empty.dtb'),
  'a DTS syntax error': join(dir, 'broken.dts'),
  'a YAML syntax error': join(dir, 'broken.yaml'),
  'no such file': join(dir, 'missing.dtb'),
  'a directory': join(dir, 'subdir'),
};
writeFileSync(badFiles['a damaged FDT magic']!, damaged);
writeFileSync(badFiles['a truncated blob']!, truncated);
writeFileSync(
  badFiles['random bytes']!,
  Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff),
);
writeFileSync(badFiles['an empty file']!, '');
writeFileSync(badFiles['a DTS syntax error']!, '/dts-v1/;\n/ {\n\tfoo = <1 2;\n};\n');
writeFileSync(badFiles['a YAML syntax error']!, 'iort: [unclosed\n');
mkdirSync(badFiles['a directory']!);

/** A command line for `c` that parses: its positionals and required options. */
function validArgv(c: Command, file = example): string[] {
  const argv = c.spec.name.split(' ');
  for (const p of c.spec.positionals) {
    if (p.optional) continue;
    if (p.name === 'SPEC') argv.push(file === example ? iortSpec : file);
    else if (p.name === 'NODE') argv.push('/soc');
    else if (p.name === 'DEVICE') argv.push('/soc/dma-controller@7e007000');
    else argv.push(file);
  }
  for (const [name, o] of Object.entries(c.spec.options)) {
    if (!o.required) continue;
    argv.push(
      `--${name}`,
      o.choices
        ? o.choices[0]!
        : name === 'output'
          ? join(dir, 'out.bin')
          : name === 'size'
            ? '4096'
            : name === 'workload'
              ? 'nvme'
              : '/soc/dma-controller@7e007000',
    );
  }
  // The benchmark runs for as long as it is told: keep it short.
  if (c.spec.options.seconds) argv.push('--seconds', '1');
  return argv;
}

function expectUsageError(argv: string[], c: Command, message: RegExp | string) {
  const r = cli(argv);
  expect(r.code, `${argv.join(' ')}\n${r.stderr}`).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(2);
  if (typeof message === 'string') expect(lines[0]).toBe(`dmasim ${c.spec.name}: ${message}`);
  else expect(lines[0]).toMatch(message);
  expect(lines[1]).toMatch(new RegExp(`^usage: dmasim ${c.spec.name} `));
  expect(r.stderr).not.toMatch(BUILTIN);
}

describe.each(allCommands().map((c) => [c.spec.name, c] as const))('dmasim %s', (name, c) => {
  it('--help and -h print its usage to stdout and exit 0', () => {
    for (const flag of ['--help', '-h']) {
      const r = cli([...name.split(' '), flag]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^usage: dmasim ${name} `));
      for (const option of Object.keys(c.spec.options)) expect(r.stdout).toContain(`--${option}`);
    }
  });

  it('an unknown option exits 2', () => {
    expectUsageError([...validArgv(c), '--bogus'], c, 'unknown option --bogus');
  });

  const takesFile = c.spec.positionals.some((p) => ['FILE', 'PATH', 'SPEC'].includes(p.name));

  it('a missing or extra positional exits 2', () => {
    const first = c.spec.positionals[0];
    if (first && !first.optional)
      expectUsageError(
        [
          ...name.split(' '),
          ...validArgv(c).slice(
            name.split(' ').length + c.spec.positionals.filter((p) => !p.optional).length,
          ),
        ],
        c,
        `missing ${first.name}`,
      );
    if (!c.spec.positionals.at(-1)?.variadic) {
      const full = [
        ...validArgv(c),
        ...c.spec.positionals.filter((p) => p.optional).map(() => '0'),
      ];
      expectUsageError([...full, 'extra'], c, 'unexpected argument "extra"');
    }
  });

  it('a valued option without its value, or a flag with one, exits 2', () => {
    for (const [option, o] of Object.entries(c.spec.options)) {
      if (o.type === 'string')
        expectUsageError([...validArgv(c), `--${option}`], c, `--${option} needs a value`);
      else expectUsageError([...validArgv(c), `--${option}=1`], c, `--${option} takes no value`);
    }
  });

  it('a malformed value exits 2; any other value is never a built-in error', () => {
    for (const [option, o] of Object.entries(c.spec.options)) {
      if (o.type !== 'string') continue;
      for (const value of ['garbage', '-1', '0x', '99999999999999999999999']) {
        // An option that names a file to write (OUT.html, report.html) writes into the test's
        // own directory, never into the working directory.
        const writesFile = /\.[a-z]+$/.test(o.value ?? '');
        const v = writesFile ? join(dir, value) : value;
        const r = cli([...validArgv(c), `--${option}`, v]);
        expect(r.stderr, `--${option} ${value}`).not.toMatch(BUILTIN);
        expect(r.stderr).not.toMatch(/internal error/);
        if (
          (o.kind === 'int' ||
            o.kind === 'u64' ||
            o.kind === 'pci' ||
            o.kind === 'ram' ||
            o.choices) &&
          value === 'garbage'
        ) {
          expect(r.code, `--${option} ${value}: ${r.stderr}`).toBe(2);
          expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^dmasim ${name}: --${option} `));
        }
      }
    }
  });

  const takesDirectories = c.spec.positionals.some((p) => p.directories);
  const bad = Object.entries(badFiles).filter(
    ([what]) => !takesDirectories || what !== 'a directory',
  );

  it.skipIf(!takesFile).each(bad)(
    'bad input (%s) exits 1 naming the file, with no built-in error',
    (_, file) => {
      const r = cli(validArgv(c, file));
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^dmasim ${name}: `));
      expect(r.stderr).toContain(file);
      expect(r.stderr).not.toMatch(BUILTIN);
    },
  );
});

describe('the command line as a whole', () => {
  it('no command, an unknown one, an unknown subcommand: exit 2 with the usage', () => {
    for (const argv of [[], ['frobnicate'], ['of'], ['of', 'frobnicate'], ['iommu', '--bogus']]) {
      const r = cli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        /^dmasim( [a-z]+)?: (no command given|unknown command "frobnicate"|missing subcommand|unknown subcommand "(frobnicate|--bogus)")\n/,
      );
      expect(r.stderr).toContain('usage: dmasim ');
    }
  });

  it('--help lists every command; a group lists its subcommands', () => {
    const top = cli(['--help']);
    expect(top.code).toBe(0);
    for (const c of allCommands()) expect(top.stdout).toContain(`dmasim ${c.spec.name} `);
    const of = cli(['of', '--help']);
    expect(of.code).toBe(0);
    expect(of.stdout).toContain('usage: dmasim of reg FILE NODE [INDEX] [options]');
  });

  it('--version prints the CLI and every package it runs on', () => {
    const r = cli(['--version']);
    expect(r.code).toBe(0);
    const own = JSON.parse(readFileSync(resolve(exampleDir, '..', 'package.json'), 'utf8')) as {
      version: string;
      dependencies: Record<string, string>;
    };
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`dmasim ${own.version}`);
    const deps = Object.keys(own.dependencies).filter((d) => d.startsWith('@dmasim/'));
    expect(lines.slice(1).map((l) => l.split(' ')[0])).toEqual(deps);
    for (const l of lines) expect(l).toMatch(/^\S+ \d+\.\d+\.\d+/);
  });
});
