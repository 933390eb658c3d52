// `pnpm fuzz`: hostile inputs for every format dmasim reads (FDT blobs, DTS sources, IORT tables,
// platform/workload files), run through the CLI in worker threads with a time and a memory
// guard. An input fails when dmasim reports an internal error (an error that is not its own),
// runs past the time limit (a hang) or past the memory limit (a blow-up). Failing inputs are
// minimised with fast-check and printed, to be committed as regression tests.
//
//   pnpm fuzz [--inputs N] [--seed S] [--workers W] [--format dtb,dts,iort,platform]
//             [--timeout-ms T] [--memory-mb M] [--seconds S] [--write]
//   pnpm fuzz --extreme [--write]   (the issue's inputs at ten times their sizes)
// --write stores the summary in FUZZING.md. Needs a build (pnpm build).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { runExtreme } from './fuzz/extreme.mjs';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    inputs: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '13' },
    workers: { type: 'string', default: String(Math.max(1, Math.min(2, availableParallelism()))) },
    format: { type: 'string', default: 'dtb,dts,iort,platform' },
    'timeout-ms': { type: 'string', default: '10000' },
    'memory-mb': { type: 'string', default: '1024' },
    write: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    extreme: { type: 'boolean', default: false },
    // A wall-time budget: no new input starts after it; the summary says how far the run got.
    seconds: { type: 'string', default: '0' },
  },
});
const total = Number(values.inputs);
const seed = Number(values.seed);
const formats = values.format.split(',');
const timeoutMs = Number(values['timeout-ms']);
const memoryLimitMb = Number(values['memory-mb']);
const shared = process.env.DMASIM_SHARED ?? resolve(root, '../shared');
const corpus = existsSync(join(shared, 'corpus', 'dtb')) ? join(shared, 'corpus') : null;
if (!corpus)
  console.log(
    `fuzz: no corpus at ${join(shared, 'corpus')}: seeding from the bundled examples only`,
  );
if (!existsSync(join(root, 'apps/sim/dist/index.js'))) {
  console.error('fuzz: build first (pnpm build)');
  process.exit(2);
}

/** Replaces the part of FUZZING.md between `<!-- name -->` and `<!-- /name -->`. */
function writeSection(name, text) {
  const path = join(root, 'FUZZING.md');
  const doc = existsSync(path) ? readFileSync(path, 'utf8') : '# Fuzzing\n';
  const open = `<!-- ${name} -->`;
  const close = `<!-- /${name} -->`;
  const block = `${open}\n${text}\n${close}`;
  const at = doc.indexOf(open);
  const end = doc.indexOf(close);
  writeFileSync(
    path,
    at >= 0 && end > at
      ? doc.slice(0, at) + block + doc.slice(end + close.length)
      : `${doc.trimEnd()}\n\n${block}\n`,
  );
}

if (values.extreme) {
  const rows = runExtreme(root);
  const table = [
    '| input | outcome | wall time | peak memory |',
    '|---|---|---|---|',
    ...rows.map(
      (r) => `| ${r.name} | ${r.outcome} | ${r.seconds.toFixed(1)} s | ${r.peakMiB ?? '?'} MiB |`,
    ),
  ].join('\n');
  console.log(table);
  if (values.write) {
    writeSection(
      'extreme-results',
      `\`pnpm fuzz --extreme\` on ${new Date().toISOString().slice(0, 16)}Z, Node ${process.version} (wall time includes starting Node and loading dmasim, about half a second):\n\n${table}`,
    );
  }
  process.exit(
    rows.some((r) => r.code === undefined || r.code === 70 || r.seconds > 10 || r.peakMiB > 1024)
      ? 1
      : 0,
  );
}

const stats = Object.fromEntries(
  formats.map((f) => [
    f,
    { inputs: 0, typed: 0, ok: 0, untyped: 0, hangs: 0, memory: 0, slowest: 0, errors: {} },
  ]),
);
const failures = [];
let next = 0;
const started = performance.now();
const budgetMs = Number(values.seconds) * 1000;
let stopped = false;
const outOfTime = () => {
  if (budgetMs > 0 && performance.now() - started > budgetMs) stopped = true;
  return stopped;
};
process.on('SIGINT', () => {
  stopped = true;
});

/** Input i's format and seed: formats take turns, seeds follow from the run's seed. */
const job = (i) => ({ format: formats[i % formats.length], seed: (seed * 1_000_003 + i) >>> 0 });

function startWorker() {
  return new Promise((done) => {
    const worker = new Worker(join(import.meta.dirname, 'fuzz', 'worker.mjs'), {
      workerData: { root, corpus, memoryLimitMb },
      resourceLimits: { maxOldGenerationSizeMb: memoryLimitMb, stackSizeMb: 4 },
    });
    let current = null;
    let timer = null;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      done();
    };
    const dispatch = () => {
      if (next >= total || outOfTime()) {
        worker.terminate();
        finish();
        return;
      }
      current = job(next++);
      timer = setTimeout(() => {
        // A hang: record it, replace the worker and go on.
        record(current, { hang: true });
        const c = current;
        current = null;
        worker.removeAllListeners();
        worker.terminate();
        finished = true;
        startWorker().then(done);
        void c;
      }, timeoutMs);
      worker.postMessage(current);
    };
    worker.on('message', (msg) => {
      if (msg.ready) return dispatch();
      clearTimeout(timer);
      record(current, msg);
      current = null;
      dispatch();
    });
    worker.on('error', (e) => {
      clearTimeout(timer);
      // Out of heap (ERR_WORKER_OUT_OF_MEMORY) or a crash outside main(): a blow-up.
      if (current) record(current, { crashed: String(e?.code ?? e) });
      current = null;
      worker.removeAllListeners();
      finished = true;
      startWorker().then(done);
    });
  });
}

function record(j, msg) {
  const s = stats[j.format];
  s.inputs++;
  if (msg.harness) {
    failures.push({ kind: 'harness', ...j, message: msg.harness });
  } else if (msg.hang) {
    s.hangs++;
    failures.push({ kind: 'hang', ...j });
  } else if (msg.crashed) {
    s.memory++;
    failures.push({ kind: 'memory', ...j, message: msg.crashed });
  } else if (msg.code === 70) {
    s.untyped++;
    failures.push({
      kind: 'untyped',
      ...j,
      message: msg.message,
      input: msg.input,
      minimal: msg.minimal,
    });
  } else if (msg.overMemory) {
    s.memory++;
    failures.push({ kind: 'memory', ...j, message: `${Math.round(msg.rssMb)} MiB` });
  } else {
    s.slowest = Math.max(s.slowest, msg.ms);
    if (msg.code === 0) s.ok++;
    else {
      s.typed++;
      s.errors[msg.errorName] = (s.errors[msg.errorName] ?? 0) + 1;
    }
  }
  const done = Object.values(stats).reduce((a, x) => a + x.inputs, 0);
  if (!values.quiet && done % 1000 === 0) {
    const secs = (performance.now() - started) / 1000;
    console.log(
      `fuzz: ${done}/${total} inputs, ${failures.length} failures, ${(done / secs).toFixed(1)} inputs/s`,
    );
  }
}

const workers = Math.max(1, Number(values.workers));
await Promise.all(Array.from({ length: workers }, () => startWorker()));
const seconds = (performance.now() - started) / 1000;

const done = Object.values(stats).reduce((a, s) => a + s.inputs, 0);
const lines = [
  `| format | inputs | ended in a result | ended in a typed error | untyped errors | hangs (> ${timeoutMs / 1000} s) | memory blow-ups (> ${memoryLimitMb} MiB) | slowest input |`,
  '|---|---|---|---|---|---|---|---|',
  ...formats.map((f) => {
    const s = stats[f];
    return `| ${f} | ${s.inputs} | ${s.ok} | ${s.typed} | ${s.untyped} | ${s.hangs} | ${s.memory} | ${(s.slowest / 1000).toFixed(2)} s |`;
  }),
];
const harnessErrors = failures.filter((f) => f.kind === 'harness').length;
const summary = [
  `${done} inputs${stopped ? ` of the ${total} asked for (stopped at the time budget)` : ''} (seed ${seed}, ${workers} workers) in ${seconds.toFixed(0)} s: ${(done / seconds).toFixed(1)} inputs/s; corpus ${corpus ? 'used' : 'absent'}.`,
  '',
  ...lines,
  ...(harnessErrors > 0
    ? ['', `Harness errors (inputs the generator could not make): ${harnessErrors}`]
    : []),
  '',
  'Typed errors by class:',
  '',
  ...formats.map(
    (f) =>
      `- ${f}: ${
        Object.entries(stats[f].errors)
          .sort((a, b) => b[1] - a[1])
          .map(([name, n]) => `${name} ${n}`)
          .join(', ') || 'none'
      }`,
  ),
].join('\n');
console.log(summary);
for (const f of failures.slice(0, 20)) console.log(JSON.stringify(f, null, 1));

if (values.write) {
  writeSection(
    'fuzz-results',
    `\`pnpm fuzz --inputs ${total} --seed ${seed}\` on ${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}:\n\n${summary}`,
  );
}
process.exitCode = failures.length > 0 ? 1 : 0;
