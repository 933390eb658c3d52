// Many inputs over worker threads. Results are handed on in input order, whatever order the
// workers finish in, so the output is the same bytes as a serial run's.
import { Worker } from 'node:worker_threads';
import type { InputResult, InputTask } from './input-task.js';

export interface PoolOptions {
  /** Worker threads (at least 2; one input at a time on this thread is the caller's job). */
  jobs: number;
  /** Called once per task, in task order. */
  emit: (result: InputResult, index: number) => void;
  /** Called as tasks complete, in any order: how many are done. */
  progress?: (done: number) => void;
}

/** The worker entry beside the bundled CLI in dist/. */
const WORKER_URL = new URL('./input-worker.cjs', import.meta.url);

export async function runInWorkers(tasks: readonly InputTask[], pool: PoolOptions): Promise<void> {
  const results: (InputResult | undefined)[] = new Array(tasks.length);
  let nextToEmit = 0;
  let nextToSend = 0;
  let done = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const send = (worker: Worker) => {
        if (nextToSend < tasks.length) {
          const index = nextToSend++;
          worker.postMessage({ index, task: tasks[index] });
        }
      };
      for (let w = 0; w < Math.min(pool.jobs, tasks.length); w++) {
        const worker = new Worker(WORKER_URL);
        workers.push(worker);
        worker.on('message', (msg: { index: number; result: InputResult }) => {
          results[msg.index] = msg.result;
          pool.progress?.(++done);
          while (nextToEmit < tasks.length && results[nextToEmit] !== undefined) {
            pool.emit(results[nextToEmit]!, nextToEmit);
            results[nextToEmit++] = undefined;
          }
          if (nextToEmit === tasks.length) resolve();
          else send(worker);
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (nextToEmit < tasks.length) reject(new Error(`a worker thread exited (${code})`));
        });
        send(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
