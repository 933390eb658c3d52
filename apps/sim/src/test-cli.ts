// Test support (not exported): run the CLI as a user would, with stdout and stderr captured.
// The commands are loaded up front, so a test calls it synchronously.
import { vi } from 'vitest';
import { type ParsedArgs, parseCommandArgs } from './args.js';
import {
  allCommands,
  COMMANDS,
  type Command,
  type CommandRun,
  isCommand,
} from './command-table.js';
import { mainWith } from './main.js';
import { stdout as stdoutSink } from './stdout.js';

const loaded = new Map<Command, CommandRun>(
  await Promise.all(allCommands().map(async (c) => [c, await c.load()] as const)),
);

export function cli(argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  vi.spyOn(stdoutSink, 'write').mockImplementation((s) => {
    stdout += s;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  try {
    return { code: mainWith(argv, loaded), stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

/**
 * The ParsedArgs a command body gets for `dmasim COMMAND ...argv`, through the command's own
 * schema (argv starts with the subcommand for commands that have them).
 */
export function commandArgs(command: string, argv: readonly string[]): ParsedArgs {
  const entry = COMMANDS[command];
  if (!entry) throw new Error(`no command ${command}`);
  const [sub, ...rest] = argv;
  const target = isCommand(entry) ? entry : entry[sub ?? ''];
  if (!target) throw new Error(`no command ${command} ${sub}`);
  const args = isCommand(entry)
    ? parseCommandArgs(target.spec, argv)
    : parseCommandArgs(target.spec, rest, [sub!]);
  if (!args) throw new Error('--help');
  return args;
}
