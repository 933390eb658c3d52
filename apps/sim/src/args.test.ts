import { describe, expect, it } from 'vitest';
import { type CommandSpec, formatHelp, parseCommandArgs, synopsis, UsageError } from './args.js';

const spec: CommandSpec = {
  name: 'probe',
  summary: 'a test command',
  positionals: [{ name: 'FILE' }, { name: 'NODE', optional: true }],
  options: {
    json: { type: 'boolean', help: 'JSON' },
    count: { type: 'string', kind: 'int', value: 'N', help: 'how many' },
    size: { type: 'string', kind: 'u64', required: true, value: 'N', help: 'bytes' },
    include: { type: 'string', short: 'I', multiple: true, value: 'DIR', help: 'dirs' },
    kernel: { type: 'string', choices: ['6.10', '6.12'], value: 'K', help: 'release' },
    pci: { type: 'string', kind: 'pci', multiple: true, help: 'function' },
    memory: { type: 'string', kind: 'ram', multiple: true, help: 'RAM' },
  },
};

const parse = (argv: string[]) => parseCommandArgs(spec, argv, ['sub']);
const error = (argv: string[]) => {
  try {
    parse(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as UsageError).message;
  }
  throw new Error('no error');
};

describe('parseCommandArgs', () => {
  it('reads flags, repeatables, short aliases and = values; the subcommand leads', () => {
    const args = parse(['f.dtb', '--size=4K', '-I', 'a', '--include', 'b', '--json', '/soc']);
    expect(args?.positionals).toEqual(['sub', 'f.dtb', '/soc']);
    expect(args?.options.get('--size')).toEqual(['4K']);
    expect(args?.options.get('-I')).toEqual(['a', 'b']);
    expect(args?.options.get('--include')).toEqual(['a', 'b']);
    expect([...(args?.flags ?? [])]).toEqual(['--json']);
  });

  it('- is a positional (standard input); -- ends the options', () => {
    expect(parse(['-', '--size', '1'])?.positionals).toEqual(['sub', '-']);
    expect(parse(['--size', '1', '--', '-x'])?.positionals).toEqual(['sub', '-x']);
  });

  it('-h and --help ask for help, whatever else is wrong', () => {
    expect(parse(['--help'])).toBeNull();
    expect(parse(['-h', 'f'])).toBeNull();
  });

  it('says what is wrong in one line', () => {
    expect(error(['f', '--size', '1', '--bogus'])).toBe('unknown option --bogus');
    expect(error(['f', '--size'])).toBe('--size needs a value');
    expect(error(['f', '--size', '1', '--json=yes'])).toBe('--json takes no value');
    expect(error(['f'])).toBe('--size is required');
    expect(error(['--size', '1'])).toBe('missing FILE');
    expect(error(['f', '/n', 'extra', '--size', '1'])).toBe('unexpected argument "extra"');
    expect(error(['f', '--size', '1', '--count', '1.5'])).toBe(
      '--count must be a whole number from 0 to 9007199254740991, got "1.5"',
    );
    expect(error(['f', '--size', '0x'])).toMatch(/^--size must be a 64-bit number/);
    expect(error(['f', '--size', '0x_'])).toMatch(/^--size must be a 64-bit number/);
    expect(error(['f', '--size', '16T', '--size', '0x1_0000_0000_0000_0000'])).toMatch(
      /^--size must be a 64-bit number/,
    );
    expect(error(['f', '--size', '1', '--kernel', '5.4'])).toBe(
      '--kernel must be one of 6.10, 6.12, got "5.4"',
    );
    expect(error(['f', '--size', '1', '--pci', 'garbage'])).toMatch(/^--pci wants HOST:BB:DD\.F/);
    expect(error(['f', '--size', '1', '--pci', '/pcie:00:20.0'])).toMatch(/^--pci wants/);
    expect(error(['f', '--size', '1', '--memory', '0x0:0'])).toMatch(/^--memory wants START:SIZE/);
  });

  it('accepts the values it documents', () => {
    const args = parse(['f', '--size', '16T', '--pci', '/pcie@0:00:1f.7', '--memory', '0:948M']);
    expect(args?.options.get('--pci')).toEqual(['/pcie@0:00:1f.7']);
    expect(args?.options.get('--memory')).toEqual(['0:948M']);
  });

  it('usage and help come from the same schema', () => {
    expect(synopsis(spec)).toBe('dmasim probe FILE [NODE] --size N [options]');
    const help = formatHelp(spec);
    expect(help.split('\n')[0]).toBe('usage: dmasim probe FILE [NODE] --size N [options]');
    expect(help).toContain('  -I, --include DIR  dirs (repeatable)');
    expect(help).toContain('  -h, --help         print this help and exit');
  });
});
