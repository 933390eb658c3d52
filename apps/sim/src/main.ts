// The dmasim command line: which command, its arguments, its output and exit status.
// Exit status: 0 done, 1 bad input data, 2 a wrong command line, 70 a bug in dmasim.
import { DmasimError } from '@dmasim/dma-mapping';
import {
  type CommandSpec,
  formatHelp,
  type ParsedArgs,
  parseCommandArgs,
  synopsis,
  UsageError,
} from './args.js';
import {
  allCommands,
  COMMANDS,
  type Command,
  type CommandRun,
  isCommand,
} from './command-table.js';
import { forgetInputs } from './load.js';
import { versionText } from './version.js';

/** EX_SOFTWARE: dmasim itself failed, whatever the input. */
export const EXIT_INTERNAL_ERROR = 70;

function topUsage(): string {
  return [
    "dmasim: what the Linux kernel decides for every device's DMA",
    '',
    'usage: dmasim COMMAND [SUBCOMMAND] ARGS... [options]',
    ...allCommands().map((c) => `  ${synopsis(c.spec)}`),
    '',
    "'dmasim COMMAND --help' shows a command's options; 'dmasim --version' the versions.",
    '--kernel 6.7|6.8|6.10|6.12 (every command; default 6.12, the 6.12.y LTS) picks the release.',
  ].join('\n');
}

function groupUsage(group: string, subs: Readonly<Record<string, Command>>): string {
  return Object.values(subs)
    .map((c) => `usage: ${synopsis(c.spec)}\n    ${c.spec.summary}`)
    .join('\n')
    .concat(`\n'dmasim ${group} SUBCOMMAND --help' shows its options.`);
}

/** What to do: exit now with a status, or run a command on parsed arguments. */
type Plan = { exit: number } | { command: Command; args: ParsedArgs; inputs: number };

function usageExit(who: string, message: string, usage: string): Plan {
  process.stderr.write(`dmasim${who ? ` ${who}` : ''}: ${message}\n${usage}\n`);
  return { exit: 2 };
}

function plan(argv: readonly string[]): Plan {
  const [name, ...rest] = argv;
  if (name === undefined) return usageExit('', 'no command given', topUsage());
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${topUsage()}\n`);
    return { exit: 0 };
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${versionText()}\n`);
    return { exit: 0 };
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) return usageExit('', `unknown command "${name}"`, topUsage());
  let command: Command;
  let leading: string[] = [];
  let tail = rest;
  if (isCommand(entry)) {
    command = entry;
  } else {
    const [sub, ...subRest] = rest;
    if (sub === '--help' || sub === '-h') {
      process.stdout.write(`${groupUsage(name, entry)}\n`);
      return { exit: 0 };
    }
    if (sub === undefined) return usageExit(name, 'missing subcommand', groupUsage(name, entry));
    const found = Object.hasOwn(entry, sub) ? entry[sub] : undefined;
    if (!found) return usageExit(name, `unknown subcommand "${sub}"`, groupUsage(name, entry));
    command = found;
    leading = [sub];
    tail = subRest;
  }
  try {
    const args = parseCommandArgs(command.spec, tail, leading);
    if (args === null) {
      process.stdout.write(`${formatHelp(command.spec)}\n`);
      return { exit: 0 };
    }
    return { command, args, inputs: args.positionals.length - leading.length };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usageExit(command.spec.name, e.message, `usage: ${synopsis(command.spec)}`);
  }
}

/** Run `argv`, loading the one command it names. */
export async function main(argv: readonly string[]): Promise<number> {
  let p: Plan;
  try {
    p = plan(argv);
  } catch (e) {
    return failure('', e, undefined);
  }
  if ('exit' in p) return p.exit;
  let run: CommandRun;
  try {
    run = await p.command.load();
  } catch (e) {
    return failure(p.command.spec.name, e, undefined);
  }
  return execute(p, run);
}

/** The same, with the commands already loaded (the tests call this synchronously). */
export function mainWith(
  argv: readonly string[],
  loaded: ReadonlyMap<Command, CommandRun>,
): number {
  const p = plan(argv);
  if ('exit' in p) return p.exit;
  return execute(p, loaded.get(p.command)!);
}

function jsonText(value: unknown, lines: boolean): string {
  return lines ? `${JSON.stringify(value)}\n` : `${JSON.stringify(value, null, 2)}\n`;
}

function execute(p: Exclude<Plan, { exit: number }>, run: CommandRun): number {
  const { command, args } = p;
  const asJson = args.flags.has('--json');
  const leading = args.positionals.length - p.inputs;
  const inputs = args.positionals.slice(leading);
  // A command given several PATHs runs once for each, in order; none is dropped.
  if (command.perInput && inputs.length > 1) {
    let status = 0;
    for (const [i, file] of inputs.entries()) {
      const one: ParsedArgs = {
        ...args,
        positionals: [...args.positionals.slice(0, leading), file],
      };
      try {
        const out = run(one);
        process.stdout.write(
          asJson
            ? jsonText({ schema: command.schema, file, ...(out.json as object) }, true)
            : `${i > 0 ? '\n' : ''}== ${file}\n${out.text.trimEnd()}\n`,
        );
        status = Math.max(status, out.status ?? 0);
      } catch (e) {
        const code = failure(command.spec.name, e, file);
        status = Math.max(status, code);
        if (asJson)
          process.stdout.write(
            jsonText({ schema: command.schema, file, error: errorJson(e) }, true),
          );
      } finally {
        forgetInputs();
      }
    }
    return status;
  }
  try {
    const out = run(args);
    process.stdout.write(
      asJson
        ? jsonText({ schema: command.schema, ...(out.json as object) }, false)
        : `${out.text.trimEnd()}\n`,
    );
    return out.status ?? 0;
  } catch (e) {
    return failure(command.spec.name, e, inputs[0], command.spec);
  } finally {
    forgetInputs();
  }
}

function errorJson(e: unknown): { code: string; name: string; message: string } {
  return e instanceof DmasimError
    ? { code: e.code, name: e.name, message: e.message }
    : { code: 'DMASIM_INTERNAL', name: 'InternalError', message: String(e) };
}

/**
 * Tell the user what went wrong and return the exit status. dmasim's own errors name the file
 * and the place in it; anything else (a JavaScript built-in) is a bug in dmasim.
 */
function failure(who: string, e: unknown, file: string | undefined, spec?: CommandSpec): number {
  const prefix = `dmasim${who ? ` ${who}` : ''}: `;
  if (e instanceof UsageError) {
    const usage = spec ? `\nusage: ${synopsis(spec)}` : '';
    process.stderr.write(`${prefix}${e.message}${usage}\n`);
    return 2;
  }
  if (e instanceof DmasimError) {
    const where = file !== undefined && !e.message.includes(file) ? `${file}: ` : '';
    process.stderr.write(`${prefix}${where}${e.name}: ${e.message}\n`);
    return 1;
  }
  process.stderr.write(internalErrorReport(who, e));
  return EXIT_INTERNAL_ERROR;
}

/** What the user sees for a bug: no stack, a request to report it (DMASIM_DEBUG=1 adds the stack). */
export function internalErrorReport(command: string, e: unknown): string {
  const what = e instanceof Error ? e.message : String(e);
  const stack = process.env.DMASIM_DEBUG && e instanceof Error && e.stack ? `${e.stack}\n` : '';
  return (
    `dmasim${command ? ` ${command}` : ''}: internal error: ${what}\n` +
    'This is a bug in dmasim, not in your input. Please report it to the dmasim developers with\n' +
    'the command line and the input files (set DMASIM_DEBUG=1 to add the stack trace).\n' +
    stack
  );
}
