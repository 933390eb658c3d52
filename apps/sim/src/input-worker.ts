// A worker thread of the many-input commands: runs the inputs the pool sends, one at a time.
import { parentPort } from 'node:worker_threads';
import { type CommandRun, findCommand } from './command-table.js';
import { type InputTask, prepareInputTask, runInputTask } from './input-task.js';

const loaded = new Map<string, Promise<CommandRun>>();

parentPort?.on('message', async (msg: { index: number; task: InputTask }) => {
  const command = findCommand(msg.task.command)!;
  let run = loaded.get(msg.task.command);
  if (!run) {
    run = command.load();
    loaded.set(msg.task.command, run);
  }
  await prepareInputTask(msg.task, command);
  parentPort!.postMessage({ index: msg.index, result: runInputTask(msg.task, command, await run) });
});
