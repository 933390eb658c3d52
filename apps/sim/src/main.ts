// The dmasim command line: which command, its arguments, its output and exit status.
// Exit status: 0 done, 1 bad input data, 2 a wrong command line, 70 a bug in dmasim.
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
import { failureReport } from './failure.js';
import { forgetInputs, prepareYamlReaders } from './load.js';
import { isManyInputsRun, runManyInputs, runManyInputsSerial } from './many-inputs.js';
import { stdout } from './stdout.js';
import { outputStyleFor, setOutputStyle } from './terminal.js';
import { versionText } from './version.js';

export { EXIT_INTERNAL_ERROR, internalErrorReport } from './failure.js';

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
type Plan = { exit: number } | RunPlan;

/** A command to run: its parsed arguments, the last `inputs` positionals its PATHs. */
export interface RunPlan {
  command: Command;
  args: ParsedArgs;
  inputs: number;
}

function usageExit(who: string, message: string, usage: string): Plan {
  process.stderr.write(`dmasim${who ? ` ${who}` : ''}: ${message}\n${usage}\n`);
  return { exit: 2 };
}

function plan(argv: readonly string[]): Plan {
  const [name, ...rest] = argv;
  if (name === undefined) return usageExit('', 'no command given', topUsage());
  if (name === '--help' || name === '-h' || name === 'help') {
    stdout.write(`${topUsage()}\n`);
    return { exit: 0 };
  }
  if (name === '--version' || name === '-V') {
    stdout.write(`${versionText()}\n`);
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
      stdout.write(`${groupUsage(name, entry)}\n`);
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
      stdout.write(`${formatHelp(command.spec, outputStyleFor(stdout.terminal(), process.env))}\n`);
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
  if (isManyInputsRun(p, run)) {
    setStyleFor(p);
    return runManyInputs(p, run).catch((e) => failure(p.command.spec.name, e, undefined));
  }
  try {
    await prepareYamlReaders(p.command.spec, p.args, inputsOf(p));
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

function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The positionals after any subcommand name: the command's PATHs. */
function inputsOf(p: RunPlan): string[] {
  return p.args.positionals.slice(p.args.positionals.length - p.inputs);
}

/** Text for a terminal may be coloured and fitted to its width; JSON and pipes get plain text. */
function setStyleFor(p: RunPlan): void {
  setOutputStyle(
    p.args.flags.has('--json')
      ? { color: false, width: null }
      : outputStyleFor(stdout.terminal(), process.env),
  );
}

function execute(p: RunPlan, run: CommandRun): number {
  const { command, args } = p;
  const asJson = args.flags.has('--json');
  const inputs = inputsOf(p);
  setStyleFor(p);
  // Several inputs: one record each, in order, on this thread (main() spreads them over workers).
  if (isManyInputsRun(p, run)) {
    try {
      return runManyInputsSerial(p, run);
    } catch (e) {
      return failure(command.spec.name, e, undefined);
    }
  }
  try {
    const out = run(args);
    stdout.write(
      asJson
        ? jsonText({ schema: command.schema, ...(out.json as object) })
        : `${out.text.trimEnd()}\n`,
    );
    return out.status ?? 0;
  } catch (e) {
    return failure(command.spec.name, e, inputs[0], command.spec);
  } finally {
    forgetInputs();
  }
}

/** Tell the user what went wrong and return the exit status. */
function failure(who: string, e: unknown, file: string | undefined, spec?: CommandSpec): number {
  const { status, text } = failureReport(who, e, file, spec);
  process.stderr.write(text);
  return status;
}
