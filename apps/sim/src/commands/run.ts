// `dmasim run FILE --workload W`: drive the DMA API on one device of a platform and report
// what the kernel's DMA layer did.
import { dmaIommuDomainStats } from '@dmasim/dma-iommu';
import { findDevice, type Machine } from '@dmasim/machine';
import { option, type ParsedArgs, UsageError } from '../args.js';
import { inputExists, readInputText } from '../load.js';
import { buildRunReport, formatRunReport, type RunReport } from '../run-report.js';
import { MAX_WORKLOAD_COUNT, runWorkload } from '../workload.js';
import {
  BUILTIN_WORKLOADS,
  type WorkloadRunOptions,
  type WorkloadSpec,
} from '../workload-builtins.js';
import { defaultPlacement, defaultWorkloadDevice } from '../workload-target.js';
import { yamlReaders } from '../yaml-inputs.js';
import { bootFromArgs, type CommandOutput } from './common.js';

export const RUN_USAGE = `dmasim run FILE --workload nic-rx|nvme|gpu-alloc|W.yaml [--device D] [--platform P.yaml] [--cmdline "..."] [--seed N] [--count N] [--mask BITS] [--json]
    runs a workload through the DMA API on one device (dma-iommu when it is in a DMA domain,
    dma-direct otherwise); --count sets packets, commands, buffers or generated operations`;

function intOption(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const text = option(args, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
}

function workloadSpec(name: string): WorkloadSpec {
  const builtin = BUILTIN_WORKLOADS[name];
  if (builtin) return builtin;
  if (name !== '-' && !inputExists(name))
    throw new UsageError(
      `--workload ${name}: not a built-in (${Object.keys(BUILTIN_WORKLOADS).join(', ')}) nor a file`,
    );
  return yamlReaders().parseWorkloadFile(readInputText(name), name);
}

/** A progress bar on stderr, redrawn at most every 100 ms. */
export function progressBar(total: number | null, stream: NodeJS.WriteStream = process.stderr) {
  let last = 0;
  return {
    update(done: number) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const frac = total ? Math.min(1, done / total) : 0;
      const width = 30;
      const filled = Math.round(frac * width);
      const bar = total ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
      stream.write(`\r${bar}${done}${total ? `/${total}` : ''} steps`);
    },
    done() {
      if (last) stream.write('\r\x1b[K');
    },
  };
}

/** Run a workload; `onProgress` gets the steps done so far. */
export function runOnMachine(
  machine: Machine,
  spec: WorkloadSpec,
  deviceName: string | undefined,
  options: WorkloadRunOptions,
  onProgress?: (done: number) => void,
): RunReport {
  const wanted = deviceName ?? spec.device;
  const target =
    wanted === undefined ? defaultWorkloadDevice(machine) : findDevice(machine, wanted);
  if (!target) {
    throw new UsageError(
      wanted === undefined
        ? 'no device on this platform can run a workload'
        : `no device ${wanted} (PCI functions need a --platform file or a DT node)`,
    );
  }
  if (target.ret !== 0)
    throw new UsageError(`${target.path}: its DMA configuration failed (${target.ret})`);
  const memory = machine.memory;
  if (!memory) throw new UsageError('the platform describes no RAM (give it in the platform file)');
  const workload = spec.build(target.device, defaultPlacement(memory), options);
  const domain = target.dmaIommu?.domain ?? null;
  const before = domain ? dmaIommuDomainStats(domain) : null;
  const run = runWorkload(machine.dmaOps, memory, workload, onProgress);
  const after = domain ? dmaIommuDomainStats(domain) : null;
  return buildRunReport({
    device: target.path,
    maskAsked: workload.mask,
    run,
    stats: memory.stats,
    iommu: domain && after ? { domain: `${domain.type} on ${domain.iommu}`, before, after } : null,
  });
}

export function runCommand(args: ParsedArgs): CommandOutput {
  const file = args.positionals[0];
  const workloadName = option(args, '--workload');
  if (file === undefined || workloadName === undefined) throw new UsageError(RUN_USAGE);
  const spec = workloadSpec(workloadName);
  const { machine } = bootFromArgs(args, file);
  const seed = intOption(args, '--seed', 0, 2 ** 32 - 1);
  const count = intOption(args, '--count', 0, MAX_WORKLOAD_COUNT);
  const maskBits = intOption(args, '--mask', 0, 64);
  const options: WorkloadRunOptions = {
    ...(seed !== undefined ? { seed } : {}),
    ...(count !== undefined ? { count } : {}),
    ...(maskBits !== undefined ? { maskBits } : {}),
  };
  const showProgress = process.stderr.isTTY === true && !args.flags.has('--json');
  const bar = showProgress ? progressBar(spec.expectedSteps(options)) : null;
  const report = runOnMachine(
    machine,
    spec,
    option(args, '--device'),
    options,
    bar ? (n) => bar.update(n) : undefined,
  );
  bar?.done();
  return { json: report, text: formatRunReport(report).join('\n') };
}
