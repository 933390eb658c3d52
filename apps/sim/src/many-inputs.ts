// The many-input commands (`inspect PATH...`, `diff`): files and directories in, one record per
// input out in input order, a failed input's error in its own record, exit status 1 when any
// failed. Over --jobs worker threads the output is the same bytes as on one thread.
import { availableParallelism } from 'node:os';
import { option } from './args.js';
import type { CommandRun } from './command-table.js';
import { expandPaths, namesManyInputs } from './firmware-file.js';
import {
  type InputResult,
  type InputTask,
  prepareInputTask,
  runInputTask,
  toTaskArgs,
} from './input-task.js';
import type { RunPlan } from './main.js';
import { stdout } from './stdout.js';

/** The PATHs of a plan (after any subcommand name). */
function paths(p: RunPlan): string[] {
  return p.args.positionals.slice(p.args.positionals.length - p.inputs);
}

/** Several inputs, a directory, or a command that always summarises its inputs. */
export function isManyInputsRun(p: RunPlan, run: CommandRun): boolean {
  return p.command.perInput === true && (run.summarize !== undefined || namesManyInputs(paths(p)));
}

function tasks(p: RunPlan): InputTask[] {
  const leading = p.args.positionals.slice(0, p.args.positionals.length - p.inputs);
  const args = toTaskArgs(p.args);
  return expandPaths(paths(p)).map((file) => ({
    command: p.command.spec.name,
    leading,
    args,
    file,
  }));
}

/** Prints results as they come (in order), and the summary at the end; gives the exit status. */
class Printer {
  private status = 0;
  private failed = 0;
  private printed = 0;
  private readonly done: { file: string; json: unknown; attachment?: string }[] = [];

  constructor(
    private readonly p: RunPlan,
    private readonly run: CommandRun,
  ) {}

  emit(result: InputResult): void {
    const asJson = this.p.args.flags.has('--json');
    if (result.stdout) {
      stdout.write(!asJson && this.printed > 0 ? `\n${result.stdout}` : result.stdout);
      this.printed++;
    }
    if (result.stderr) process.stderr.write(result.stderr);
    this.status = Math.max(this.status, result.status);
    if (!result.ok) this.failed++;
    else if (this.run.summarize)
      this.done.push({
        file: result.file,
        json: result.json,
        ...(result.attachment !== undefined ? { attachment: result.attachment } : {}),
      });
  }

  finish(): number {
    const summarize = this.run.summarize;
    // Nothing to total when every input failed: their errors say it all.
    if (!summarize || this.done.length === 0) return this.status;
    const out = summarize(this.done, this.failed, this.p.args);
    const asJson = this.p.args.flags.has('--json');
    stdout.write(
      asJson
        ? `${JSON.stringify({ schema: this.p.command.schema, ...(out.json as object) })}\n`
        : `${this.printed > 0 ? '\n' : ''}${out.text.trimEnd()}\n`,
    );
    return Math.max(this.status, out.status ?? 0);
  }
}

/** Every input on this thread. */
export function runManyInputsSerial(p: RunPlan, run: CommandRun): number {
  const printer = new Printer(p, run);
  for (const task of tasks(p)) printer.emit(runInputTask(task, p.command, run));
  return printer.finish();
}

/** --jobs N, default the cores this process may use. */
function jobsOption(p: RunPlan): number {
  const text = option(p.args, '--jobs');
  return text === undefined ? availableParallelism() : Number(text);
}

async function progressBar(total: number) {
  if (!process.stderr.isTTY || total < 2) return null;
  // Loaded only for a terminal: piped runs never pay for it.
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{bar} {value}/{total} inputs',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return bar;
}

/** Every input, over worker threads when --jobs allows more than one. */
export async function runManyInputs(p: RunPlan, run: CommandRun): Promise<number> {
  const all = tasks(p);
  // Standard input can be read once, by one thread.
  const jobs = all.some((t) => t.file === '-') ? 1 : Math.min(jobsOption(p), all.length);
  const printer = new Printer(p, run);
  const bar = await progressBar(all.length);
  try {
    if (jobs <= 1) {
      for (const [i, task] of all.entries()) {
        await prepareInputTask(task, p.command);
        printer.emit(runInputTask(task, p.command, run));
        bar?.update(i + 1);
      }
    } else {
      // Loaded only here: a run on this thread never pays for worker_threads.
      const { runInWorkers } = await import('./worker-pool.js');
      await runInWorkers(all, {
        jobs,
        runHere: async (task) => {
          await prepareInputTask(task, p.command);
          return runInputTask(task, p.command, run);
        },
        emit: (result) => printer.emit(result),
        progress: (done) => bar?.update(done),
      });
    }
  } finally {
    bar?.stop();
  }
  return printer.finish();
}
