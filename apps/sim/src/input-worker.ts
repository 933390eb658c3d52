// A worker thread of the many-input commands: loads the command once, says it is ready, then
// runs the batches the pool sends in turn, one input at a time, answering each with the inputs'
// formatted output.
import { parentPort, workerData } from 'node:worker_threads';
import { findCommand } from './command-table.js';
import { type InputResult, prepareInputTask, runInputTask } from './input-task.js';
import { setOutputStyle } from './terminal.js';
import type { WorkerBatch, WorkerReply, WorkerStart } from './worker-pool.js';

const start = workerData as WorkerStart;
const command = findCommand(start.command)!;
setOutputStyle(start.style);

async function serve(): Promise<void> {
  const run = await command.load();
  const runBatch = async (batch: WorkerBatch) => {
    const results: InputResult[] = [];
    for (const task of batch.tasks) {
      await prepareInputTask(task, command);
      results.push(runInputTask(task, command, run));
    }
    parentPort!.postMessage({ first: batch.first, results } satisfies WorkerReply);
  };
  // Batches run one after another (a YAML input's readers load in between).
  let queue = Promise.resolve();
  parentPort!.on('message', (batch: WorkerBatch) => {
    queue = queue.then(() => runBatch(batch));
  });
  parentPort!.postMessage({ ready: true } satisfies WorkerReply);
}

// A rejection (the command failing to load) is unhandled: the pool sees the worker's error event.
void serve();
