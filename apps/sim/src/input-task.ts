// One input of a many-input command: the unit a worker thread runs. Its output comes back already
// formatted, so a run over worker threads prints the same bytes as a serial one.
import type { ParsedArgs } from './args.js';
import type { Command, CommandRun } from './command-table.js';
import { errorJson, failureReport } from './failure.js';
import { forgetInputs, prepareYamlReaders } from './load.js';

/** ParsedArgs as plain data (what a worker receives). */
export interface TaskArgs {
  positionals: string[];
  options: [string, string[]][];
  flags: string[];
}

export interface InputTask {
  /** The command's name as typed (`inspect`, `iommu groups`). */
  command: string;
  /** Positionals before the inputs (a subcommand's name). */
  leading: string[];
  args: TaskArgs;
  file: string;
}

export interface InputResult {
  file: string;
  /** 0, or the exit status this input alone would give. */
  status: number;
  /** What goes to stdout: the JSON Lines record, or the text block (`== FILE` first). */
  stdout: string;
  /** What goes to stderr: the error, when the input failed. */
  stderr: string;
  /** Whether the command ran on this input (when not, its error is in stdout and stderr). */
  ok: boolean;
  /**
   * The command's --json value, kept only for a command with a summary: anything else needs
   * just the text, and a worker thread would pay to copy the value across.
   */
  json?: unknown;
  attachment?: string;
}

export function toTaskArgs(args: ParsedArgs): TaskArgs {
  return {
    positionals: [...args.positionals],
    options: [...args.options.entries()],
    flags: [...args.flags],
  };
}

/** The command's arguments for this one input. */
function oneInputArgs(task: InputTask): ParsedArgs {
  return {
    positionals: [...task.leading, task.file],
    options: new Map(task.args.options),
    flags: new Set(task.args.flags),
  };
}

/** Before runInputTask: load the YAML readers when this input (or an option) needs them. */
export function prepareInputTask(task: InputTask, command: Command): Promise<void> {
  return prepareYamlReaders(command.spec, oneInputArgs(task), [task.file]);
}

/** Run `command` on one input; an error becomes this input's record, never an exception. */
export function runInputTask(task: InputTask, command: Command, run: CommandRun): InputResult {
  const { file } = task;
  const asJson = task.args.flags.includes('--json');
  const one = oneInputArgs(task);
  const record = (value: object) =>
    `${JSON.stringify({ schema: command.schema, file, ...value })}\n`;
  try {
    const out = run(one);
    return {
      file,
      status: out.status ?? 0,
      stdout: asJson ? record(out.json as object) : `== ${file}\n${out.text.trimEnd()}\n`,
      stderr: '',
      ok: true,
      ...(run.summarize ? { json: out.json } : {}),
      ...(out.attachment !== undefined ? { attachment: out.attachment } : {}),
    };
  } catch (e) {
    const failed = failureReport(command.spec.name, e, file);
    return {
      file,
      status: failed.status,
      stdout: asJson ? record({ error: errorJson(e) }) : '',
      stderr: failed.text,
      ok: false,
    };
  } finally {
    forgetInputs();
  }
}
