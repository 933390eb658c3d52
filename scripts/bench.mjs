// `pnpm bench`: throughput of the simulator's hot paths on this machine, one core.
// Prints a Markdown report; `pnpm bench --write` also stores it in BENCHMARKS.md.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const shared = process.env.DMASIM_SHARED ?? resolve(root, '../shared');
const dtbDir = join(shared, 'corpus', 'dtb');
const load = (pkg) => import(join(root, pkg, 'dist', 'index.js'));

const sections = [];

/** Run `fn` repeatedly for at least `ms` milliseconds; returns iterations per second. */
function rate(fn, ms = 2000) {
  fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    fn();
    n++;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

async function corpusInspect() {
  if (!existsSync(dtbDir)) return `Corpus inspect: skipped (no corpus at ${dtbDir}).`;
  const { parseFdt } = await load('packages/of');
  const { bootMachine } = await load('packages/machine');
  const { inspectReport } = await load('apps/sim');
  const blobs = readdirSync(dtbDir)
    .filter((f) => f.endsWith('.dtb'))
    .map((f) => new Uint8Array(readFileSync(join(dtbDir, f))));
  const bytes = blobs.reduce((sum, b) => sum + b.length, 0);
  const passes = rate(() => {
    for (const b of blobs) inspectReport(bootMachine({ kind: 'device-tree', tree: parseFdt(b) }));
  }, 5000);
  const parseOnly = rate(() => {
    for (const b of blobs) parseFdt(b);
  }, 3000);
  return [
    '## Whole-corpus `inspect` (parse + configure every device)',
    '',
    `${blobs.length} blobs, ${(bytes / 2 ** 20).toFixed(1)} MiB.`,
    '',
    '| what | blobs/s | MB/s |',
    '|---|---|---|',
    `| parseFdt + bootMachine + inspectReport | ${(passes * blobs.length).toFixed(0)} | ${((passes * bytes) / 1e6).toFixed(1)} |`,
    `| parseFdt only | ${(parseOnly * blobs.length).toFixed(0)} | ${((parseOnly * bytes) / 1e6).toFixed(1)} |`,
  ].join('\n');
}

sections.push(await corpusInspect());

for (const extra of ['packages/dma-direct/dist/bench.js', 'packages/dma-iommu/dist/bench.js']) {
  const path = join(root, extra);
  if (existsSync(path)) sections.push(await (await import(path)).runBenchmarks());
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const report = [
  '# Benchmarks',
  '',
  `Measured by \`pnpm bench\` on ${cpu}, Node ${process.version}, one core; ${new Date().toISOString().slice(0, 10)}.`,
  '',
  ...sections.flatMap((s) => [s, '']),
].join('\n');
process.stdout.write(report);
if (process.argv.includes('--write')) writeFileSync(join(root, 'BENCHMARKS.md'), report);
