// The dmasim command line: argument handling, output and exit codes.
import { parseArgs, UsageError } from './args.js';
import { BENCH_USAGE, benchCommand } from './commands/bench.js';
import { type CommandOutput, toJson } from './commands/common.js';
import { INSPECT_USAGE, inspectCommand } from './commands/inspect.js';
import { IOMMU_USAGE, iommuCommand } from './commands/iommu.js';
import { IORT_USAGE, iortCommand } from './commands/iort.js';
import { KERNELS_USAGE, kernelsCommand } from './commands/kernels.js';
import { LINT_USAGE, lintCommand } from './commands/lint.js';
import { OF_PROBE_USAGE, ofProbeCommand } from './commands/of-probes.js';
import { REPORT_USAGE, reportCommand } from './commands/report.js';
import { RUN_USAGE, runCommand } from './commands/run.js';

const VALUED = [
  '--arch',
  '--kernel',
  '--pci',
  '--iommu-not-ready',
  '-I',
  '--phys-to-dma',
  '--dma-to-phys',
  '-o',
  '--platform',
  '--memory',
  '--cmdline',
  '--workload',
  '--device',
  '--size',
  '--count',
  '--mask',
  '--threads',
  '--seconds',
  '--granule',
  '--dir',
  '--dma-trans-ns',
  '--seed',
];

const USAGE = `dmasim: what the Linux kernel decides for every device's DMA

${INSPECT_USAGE}
${LINT_USAGE}
${REPORT_USAGE}
${OF_PROBE_USAGE}
${IOMMU_USAGE}
${IORT_USAGE}
${RUN_USAGE}
${BENCH_USAGE}
${KERNELS_USAGE}

--kernel 6.7|6.8|6.10|6.12 (every command; default 6.12, the 6.12.y LTS) picks the release.`;

const COMMANDS: Record<string, (args: ReturnType<typeof parseArgs>) => CommandOutput> = {
  inspect: inspectCommand,
  lint: lintCommand,
  report: reportCommand,
  of: ofProbeCommand,
  iommu: iommuCommand,
  iort: iortCommand,
  run: runCommand,
  bench: benchCommand,
  kernels: kernelsCommand,
};

export function main(argv: readonly string[]): number {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`dmasim: unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  try {
    const args = parseArgs(rest, VALUED);
    const out = command(args);
    process.stdout.write(args.flags.has('--json') ? toJson(out.json) : `${out.text.trimEnd()}\n`);
    return out.status ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`dmasim ${name}: ${e.message}\n`);
      return 2;
    }
    // Typed errors from the models name where the input is wrong; anything else is our bug.
    const err = e as Error;
    process.stderr.write(`dmasim ${name}: ${err.name}: ${err.message}\n`);
    return 1;
  }
}
