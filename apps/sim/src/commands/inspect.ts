// `dmasim inspect FILE`: every device's DMA configuration.
import { isArchName } from '@dmasim/arch';
import type { KernelVersion } from '@dmasim/dma-mapping';
import { option, options, type ParsedArgs, UsageError } from '../args.js';
import { loadDeviceTree } from '../device-tree-file.js';
import { inspectDeviceTree, parsePciRequest } from '../inspect-dt.js';
import { formatInspectTable } from '../table.js';
import { type CommandOutput, treeLoadOptions } from './common.js';

export const INSPECT_USAGE =
  'dmasim inspect FILE [--arch A] [--kernel 6.10|6.7] [--pci HOST:BB:DD.F]... [--iommu-not-ready NODE]... [--cpp [-I DIR]...] [--verbose] [--json]';

export function kernelVersionOption(args: ParsedArgs): KernelVersion {
  const kernel = option(args, '--kernel') ?? '6.10';
  if (kernel !== '6.10' && kernel !== '6.7') throw new UsageError('--kernel must be 6.10 or 6.7');
  return kernel;
}

export function inspectCommand(args: ParsedArgs): CommandOutput {
  const file = args.positionals[0];
  if (file === undefined) throw new UsageError(INSPECT_USAGE);
  const arch = option(args, '--arch');
  if (arch !== undefined && !isArchName(arch)) throw new UsageError(`unknown --arch ${arch}`);
  const tree = loadDeviceTree(file, treeLoadOptions(args));
  const report = inspectDeviceTree(tree, {
    ...(arch ? { arch } : {}),
    kernel: kernelVersionOption(args),
    pci: options(args, '--pci').map(parsePciRequest),
    iommuNotReady: options(args, '--iommu-not-ready'),
  });
  return {
    json: report,
    text: formatInspectTable(report, args.flags.has('--verbose') ? 'debug' : 'info'),
  };
}
