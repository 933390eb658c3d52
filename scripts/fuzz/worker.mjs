// One fuzz worker: generates its share of inputs of one format from a seed, runs each through the
// dmasim CLI exactly as a user would (main() on files in a scratch directory, their contents
// handed over in memory with provideInputs: the same reading, size limit and parsing as files on
// disk, without a write and a read per input), and reports every input whose outcome is an
// internal error (exit status 70: an error that is not dmasim's own).
// Runs inside a worker thread with a heap limit; the parent enforces the time limit.
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { arbitraries } from './arbitraries.mjs';

const { root, corpus, memoryLimitMb } = workerData;
const { main, provideInputs, stdout } = await import(join(root, 'apps/sim/dist/index.js'));
const EXIT_INTERNAL_ERROR = 70;

const scratch = join(
  process.env.DMASIM_FUZZ_TMP ?? tmpdir(),
  `dmasim-fuzz-${process.pid}-${threadId}`,
);
mkdirSync(scratch, { recursive: true });
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
process.env.DMASIM_DEBUG = '1';

// The CLI writes to stdout and stderr; keep only stderr, to report what went wrong.
let stderr = '';
process.stdout.write = () => true;
// The CLI writes its report straight to fd 1, through this object.
stdout.write = () => {};
process.stderr.write = (s) => {
  if (stderr.length < 4096) stderr += String(s);
  return true;
};

const arbs = await arbitraries(root, corpus);

const utf8 = new TextEncoder();

/** Hands over an input's files and runs its command line; the CLI's exit status and stderr. */
async function runInput(input) {
  provideInputs(
    new Map(
      Object.entries(input.files).map(([name, content]) => [
        join(scratch, name),
        typeof content === 'string' ? utf8.encode(content) : content,
      ]),
    ),
  );
  const argv = input.argv.map((a) => (a.startsWith('@') ? join(scratch, a.slice(1)) : a));
  stderr = '';
  let code;
  try {
    code = await main(argv);
  } catch (e) {
    // main() itself must never throw.
    code = EXIT_INTERNAL_ERROR;
    stderr = `main() threw: ${e?.stack ?? e}`;
  }
  return { code, stderr };
}

const failed = async (input) => (await runInput(input)).code === EXIT_INTERNAL_ERROR;

/** Shrinks a failing input with fast-check from the same seed; the smallest one that still fails. */
async function minimise(format, seed) {
  const result = await fc.check(
    fc.asyncProperty(arbs[format], async (input) => !(await failed(input))),
    { seed, numRuns: 1, endOnFailure: true },
  );
  return result.failed ? result.counterexample[0] : null;
}

parentPort.on('message', async (job) => {
  const { format, seed } = job;
  let input;
  try {
    [input] = fc.sample(arbs[format], { seed, numRuns: 1 });
  } catch (e) {
    // A bug in this harness, not in dmasim: reported as such, never as a dmasim failure.
    parentPort.postMessage({ format, seed, harness: String(e?.stack ?? e) });
    return;
  }
  const start = performance.now();
  const { code, stderr: message } = await runInput(input);
  const ms = performance.now() - start;
  // This worker's own memory (the process's RSS is shared with the other workers).
  const m = process.memoryUsage();
  const rssMb = (m.heapUsed + m.external + m.arrayBuffers) / 2 ** 20;
  let minimal = null;
  if (code === EXIT_INTERNAL_ERROR) {
    const small = await minimise(format, seed);
    minimal = small ? describe(small) : null;
  }
  parentPort.postMessage({
    format,
    seed,
    code,
    ms,
    rssMb,
    overMemory: rssMb > memoryLimitMb,
    message: code === EXIT_INTERNAL_ERROR ? message : undefined,
    // The typed error's class, from "dmasim <command>: <Name>: ...".
    errorName:
      code === 1 || code === 2
        ? (/^dmasim [a-z]+(?: [a-z]+)?: (?:\S+: )?([A-Za-z]+Error)\b/.exec(message)?.[1] ??
          (code === 2 ? 'usage' : 'other'))
        : undefined,
    input: code === EXIT_INTERNAL_ERROR ? describe(input) : undefined,
    minimal,
  });
});

/** A failing input as text for the report (file contents trimmed, binary as hex). */
function describe(input) {
  const files = {};
  for (const [name, content] of Object.entries(input.files)) {
    const text = typeof content === 'string' ? content : Buffer.from(content).toString('hex');
    files[name] = text.length > 2000 ? `${text.slice(0, 2000)}… (${text.length} chars)` : text;
  }
  return { argv: input.argv, files };
}

parentPort.postMessage({ ready: true });
