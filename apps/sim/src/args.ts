// The argument layer: every command declares its options and positionals in a CommandSpec, and
// node:util's parseArgs (strict) reads argv against it. Commands see only what their spec allows.

import { parseArgs as parseArgv } from 'node:util';
import { DmasimError, PciAddressError, parseBdf } from '@dmasim/dma-mapping';
import { formatColumns } from './columns.js';
import { type OutputStyle, PLAIN_STYLE } from './terminal.js';

/** A wrong command line: exit status 2, the message and the command's usage. */
export class UsageError extends DmasimError {
  static override readonly code: string = 'DMASIM_USAGE';
  override name = 'UsageError';
}

/** How a valued option's text is checked before the command runs. */
export type ValueKind = 'text' | 'int' | 'u64' | 'pci' | 'ram';

export interface OptionSpec {
  /** A flag, or an option that takes a value. */
  type: 'boolean' | 'string';
  /** One-letter alias (`-I`, `-o`). */
  short?: string;
  /** May be given more than once; every value is kept, in order. */
  multiple?: boolean;
  /** The command cannot run without it. */
  required?: boolean;
  /** The value's placeholder in the usage text. */
  value?: string;
  kind?: ValueKind;
  /** Bounds of an `int`. */
  min?: number;
  max?: number;
  /** The only values accepted. */
  choices?: readonly string[];
  help: string;
}

export interface PositionalSpec {
  name: string;
  optional?: boolean;
  /** Takes the rest (one or more; zero or more when also optional). Last only. */
  variadic?: boolean;
  /** A directory stands for the firmware files in it. */
  directories?: boolean;
}

export interface CommandSpec {
  /** As typed: `inspect`, `of reg`. */
  name: string;
  summary: string;
  positionals: readonly PositionalSpec[];
  /** Long option names, without the leading `--`. */
  options: Readonly<Record<string, OptionSpec>>;
  /** Extra lines for --help. */
  notes?: readonly string[];
}

/**
 * What a command body reads: positionals (a subcommand's name first), valued options under
 * `--name` (and `-x` for a short alias), flags the same way.
 */
export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string[]>;
  flags: Set<string>;
}

export function option(args: ParsedArgs, name: string): string | undefined {
  return args.options.get(name)?.at(-1);
}

export function options(args: ParsedArgs, name: string): string[] {
  return args.options.get(name) ?? [];
}

const HELP: OptionSpec = { type: 'boolean', short: 'h', help: 'print this help and exit' };

/** The spec's options plus -h/--help, in util.parseArgs' form. */
function parseArgvOptions(spec: CommandSpec) {
  const out: Record<string, { type: 'boolean' | 'string'; short?: string; multiple?: boolean }> =
    {};
  for (const [name, o] of Object.entries({ ...spec.options, help: HELP })) {
    out[name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
  }
  return out;
}

/** util.parseArgs' own messages, as one line of ours. */
function usageErrorFrom(e: unknown): UsageError {
  const err = e as { code?: string; message?: string };
  // "Option '-I, --include <value>' ...": the long name when there is one.
  const quoted = /'(?:-\w, )?(--?[^' ,]+)/.exec(err.message ?? '')?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown option ${quoted}`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(err.message ?? '')
        ? new UsageError(`${quoted} takes no value`)
        : new UsageError(`${quoted} needs a value`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument ${quoted}`);
    default:
      return new UsageError(String(err.message ?? e).split('\n')[0]!);
  }
}

/**
 * A --pci value, "HOSTPATH:BB:DD.F" (device tree) or "SEGMENT:BB:DD.F" (ACPI), split before its
 * BB:DD.F; null when there is nothing before it or it is not a PCI address.
 */
export function splitPciOption(text: string): { prefix: string; bdf: string } | null {
  const at = text.lastIndexOf(':', text.lastIndexOf(':') - 1);
  if (at <= 0) return null;
  const bdf = text.slice(at + 1);
  try {
    parseBdf(bdf);
  } catch (e) {
    if (e instanceof PciAddressError) return null;
    throw e;
  }
  return { prefix: text.slice(0, at), bdf };
}

function checkValue(name: string, o: OptionSpec, text: string): void {
  if (o.choices && !o.choices.includes(text)) {
    throw new UsageError(`--${name} must be one of ${o.choices.join(', ')}, got "${text}"`);
  }
  if (o.kind === 'int') {
    const n = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
    const min = o.min ?? 0;
    const max = o.max ?? Number.MAX_SAFE_INTEGER;
    if (!(n >= min && n <= max)) {
      throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`);
    }
  }
  if (o.kind === 'u64' && !isU64(text)) {
    throw new UsageError(
      `--${name} must be a 64-bit number (e.g. 4096, 0x1000, 4K), got "${text}"`,
    );
  }
  // DT "HOSTPATH:BB:DD.F" or ACPI "SEGMENT:BB:DD.F"; the command checks which applies.
  if (o.kind === 'pci' && !splitPciOption(text)) {
    throw new UsageError(`--${name} wants HOST:BB:DD.F (ACPI: SEGMENT:BB:DD.F), got "${text}"`);
  }
  if (o.kind === 'ram') {
    const [start, size, ...rest] = text.split(':');
    if (rest.length > 0 || !isU64(start ?? '') || !isU64(size ?? '') || isZero(size!)) {
      throw new UsageError(`--${name} wants START:SIZE (e.g. 0x0:4G), got "${text}"`);
    }
  }
}

/** What dma-mapping's parseU64 reads: decimal or 0x hex, `_` separators, a K/M/G/T suffix. */
function isU64(text: string): boolean {
  const m = /^(0[xX][0-9a-fA-F_]+|[0-9_]+)([kKmMgGtT]?)$/.exec(text.trim());
  if (!m) return false;
  const digits = m[1]!.replaceAll('_', '');
  if (/^(0x)?$/i.test(digits)) return false;
  const shift = { '': 0n, k: 10n, m: 20n, g: 30n, t: 40n }[m[2]!.toLowerCase()] ?? 0n;
  return BigInt(digits) << shift < 1n << 64n;
}

function isZero(text: string): boolean {
  return /^(0[xX])?[0_]+[kKmMgGtT]?$/.test(text.trim());
}

/**
 * Read `argv` (what follows the command and subcommand names) against `spec`. Returns null when
 * -h/--help was asked for. `leading` are positionals the body expects first (the subcommand).
 */
export function parseCommandArgs(
  spec: CommandSpec,
  argv: readonly string[],
  leading: readonly string[] = [],
): ParsedArgs | null {
  let parsed: ReturnType<typeof parseArgv>;
  try {
    parsed = parseArgv({
      args: [...argv],
      options: parseArgvOptions(spec),
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    throw usageErrorFrom(e);
  }
  if (parsed.values.help === true) return null;
  const out: ParsedArgs = { positionals: [...leading], options: new Map(), flags: new Set() };
  for (const [name, o] of Object.entries(spec.options)) {
    const raw = parsed.values[name];
    if (raw === undefined) {
      if (o.required) throw new UsageError(`--${name} is required`);
      continue;
    }
    const keys = [`--${name}`, ...(o.short ? [`-${o.short}`] : [])];
    if (o.type === 'boolean') {
      for (const k of keys) out.flags.add(k);
      continue;
    }
    const values = (Array.isArray(raw) ? raw : [raw]).map(String);
    for (const v of values) checkValue(name, o, v);
    for (const k of keys) out.options.set(k, values);
  }
  checkPositionals(spec, parsed.positionals);
  out.positionals.push(...parsed.positionals);
  return out;
}

function checkPositionals(spec: CommandSpec, given: readonly string[]): void {
  const required = spec.positionals.filter((p) => !p.optional);
  const last = spec.positionals.at(-1);
  if (given.length < required.length) {
    throw new UsageError(`missing ${required[given.length]!.name}`);
  }
  if (!last?.variadic && given.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument "${given[spec.positionals.length]}"`);
  }
}

/** The one-line synopsis: `dmasim of reg FILE NODE [INDEX] [options]`. */
export function synopsis(spec: CommandSpec): string {
  const positionals = spec.positionals.map((p) => {
    const name = p.variadic ? `${p.name}...` : p.name;
    return p.optional ? `[${name}]` : name;
  });
  const required = Object.entries(spec.options)
    .filter(([, o]) => o.required)
    .map(([name, o]) => `${o.short ? `-${o.short}` : `--${name}`} ${o.value ?? 'VALUE'}`);
  return ['dmasim', spec.name, ...positionals, ...required, '[options]'].join(' ');
}

/** --help: synopsis, summary, every option with its help (wrapped to `style.width`). */
export function formatHelp(spec: CommandSpec, style: OutputStyle = PLAIN_STYLE): string {
  const rows = Object.entries({ ...spec.options, help: HELP }).map(([name, o]) => {
    const short = o.short ? `-${o.short}, ` : '';
    const value = o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : '';
    const more = o.multiple ? ' (repeatable)' : '';
    return [`${short}--${name}${value}`, `${o.help}${more}`];
  });
  return [
    `usage: ${synopsis(spec)}`,
    '',
    spec.summary,
    ...(spec.notes?.length ? ['', ...spec.notes] : []),
    '',
    'options:',
    ...formatColumns(rows, style, { indent: '  ' }),
  ].join('\n');
}
