// Many inputs over threads: this one and jobs - 1 workers. Each worker starts once, loads the
// command, says it is ready, then runs batches of consecutive inputs and hands back their output
// already formatted (strings), so no thread re-serialises another's results. This thread runs
// batches too, between printing. Results are handed on in input order, whatever order the
// threads finish in, so the output is the same bytes as a serial run's.
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { InputResult, InputTask } from './input-task.js';
import { type OutputStyle, outputStyle } from './terminal.js';

export interface PoolOptions {
  /** Threads in all (at least 2): this one and jobs - 1 workers. */
  jobs: number;
  /** Runs one task on this thread. */
  runHere: (task: InputTask) => Promise<InputResult>;
  /** Called once per task, in task order. */
  emit: (result: InputResult, index: number) => void;
  /** Called as tasks complete, in any order: how many are done. */
  progress?: (done: number) => void;
}

/** What a worker is started with: the command whose module it loads before saying it is ready. */
export interface WorkerStart {
  command: string;
  /** The calling thread's output style: a worker has no terminal of its own to ask. */
  style: OutputStyle;
}

/** A run of consecutive tasks for one worker. */
export interface WorkerBatch {
  first: number;
  tasks: InputTask[];
}

/** A worker's messages: ready for batches, or a batch's results. */
export type WorkerReply =
  | { ready: true }
  | { ready?: undefined; first: number; results: InputResult[] };

/** The worker entry beside the bundled CLI in dist/. */
const WORKER_URL = new URL('./input-worker.cjs', import.meta.url);

/** Batches each worker has queued, so that it never waits for this thread between them. */
const BATCHES_IN_FLIGHT = 2;
/** The most inputs in one batch: messages cost little, and output still comes as it is made. */
const MAX_BATCH = 32;

/**
 * The next batch's size: a share of what is left that shrinks as the run nears its end
 * (guided scheduling), so the threads finish together instead of one running a long last batch.
 */
export function batchSize(remaining: number, jobs: number): number {
  return Math.max(1, Math.min(MAX_BATCH, Math.ceil(remaining / (jobs * 4))));
}

export async function runInWorkers(tasks: readonly InputTask[], pool: PoolOptions): Promise<void> {
  const results: (InputResult | undefined)[] = new Array(tasks.length);
  let nextToEmit = 0;
  let nextToTake = 0;
  let done = 0;
  let stopped = false;

  /** The next batch's range, or null when every task has been handed out. */
  const take = (): { first: number; end: number } | null => {
    if (stopped || nextToTake >= tasks.length) return null;
    const first = nextToTake;
    nextToTake = Math.min(tasks.length, first + batchSize(tasks.length - first, pool.jobs));
    return { first, end: nextToTake };
  };
  const store = (first: number, batch: readonly InputResult[]) => {
    batch.forEach((result, i) => {
      results[first + i] = result;
    });
    done += batch.length;
    pool.progress?.(done);
    while (nextToEmit < tasks.length && results[nextToEmit] !== undefined) {
      pool.emit(results[nextToEmit]!, nextToEmit);
      results[nextToEmit++] = undefined;
    }
  };

  const workers: Worker[] = [];
  let allEmitted: () => void = () => {};
  const finished = new Promise<void>((resolve, reject) => {
    allEmitted = resolve;
    const send = (worker: Worker) => {
      const range = take();
      if (range === null) return;
      const batch: WorkerBatch = { first: range.first, tasks: tasks.slice(range.first, range.end) };
      worker.postMessage(batch);
    };
    const start: WorkerStart = { command: tasks[0]!.command, style: outputStyle() };
    const count = Math.min(pool.jobs - 1, tasks.length - 1);
    for (let w = 0; w < count; w++) {
      const worker = new Worker(WORKER_URL, { workerData: start });
      workers.push(worker);
      worker.on('message', (msg: WorkerReply) => {
        if (msg.ready) {
          for (let i = 0; i < BATCHES_IN_FLIGHT; i++) send(worker);
          return;
        }
        store(msg.first, msg.results);
        if (nextToEmit === tasks.length) resolve();
        else send(worker);
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (nextToEmit < tasks.length) reject(new Error(`a worker thread exited (${code})`));
      });
    }
  });

  // This thread's share: a batch at a time, letting the workers' messages in between.
  const runHere = async () => {
    for (let range = take(); range !== null; range = take()) {
      const batch: InputResult[] = [];
      for (let i = range.first; i < range.end; i++) batch.push(await pool.runHere(tasks[i]!));
      store(range.first, batch);
      if (nextToEmit === tasks.length) allEmitted();
      await yieldToEvents();
    }
  };

  try {
    await Promise.all([runHere(), finished]);
  } finally {
    stopped = true;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
