// `dmasim inspect FILE`: every device's DMA configuration.
import { isArchName } from '@dmasim/arch';
import { isAcpiSource, loadAcpi } from '../acpi-file.js';
import { option, options, type ParsedArgs, UsageError } from '../args.js';
import { loadDeviceTree } from '../device-tree-file.js';
import { inspectAcpi, parseAcpiPciRequest } from '../inspect-acpi.js';
import { parsePciRequest } from '../inspect-dt.js';
import { inspectDeviceTree } from '../inspect-platform.js';
import { loadPlatformFile } from '../load.js';
import { formatMemoryReport, treeMemoryReport } from '../memory-platform.js';
import type { PlatformFile } from '../platform-file.js';
import type { InspectReport } from '../report.js';
import { formatInspectTable } from '../table.js';
import { type CommandOutput, kernelOption, platformFileOption, treeLoadOptions } from './common.js';

export const INSPECT_USAGE = `dmasim inspect FILE [--arch A] [--kernel 6.10|6.7] [--pci HOST:BB:DD.F]... [--iommu-not-ready NODE]... [--platform P.yaml] [--memory START:SIZE]... [--cmdline "..."] [--cpp [-I DIR]...] [--verbose] [--json]
    FILE: a device tree (.dtb/.dts), an IORT binary, or an ACPI platform file (.yaml/.json);
    --memory: RAM the bootloader fills in (e.g. 0x0:948M), replacing the blob's /memory;
    for ACPI, --pci takes SEGMENT:BB:DD.F (e.g. 0:00:01.0) and --iommu-not-ready an SMMU "iort@0x48"`;

function platformOptions(args: ParsedArgs): { platformFile?: PlatformFile; cmdline?: string } {
  const platformFile = platformFileOption(args);
  const cmdline = option(args, '--cmdline');
  return { ...(platformFile ? { platformFile } : {}), ...(cmdline ? { cmdline } : {}) };
}

export function inspectCommand(args: ParsedArgs): CommandOutput {
  const file = args.positionals[0];
  if (file === undefined) throw new UsageError(INSPECT_USAGE);
  const arch = option(args, '--arch');
  if (arch !== undefined && !isArchName(arch)) throw new UsageError(`unknown --arch ${arch}`);
  if (isAcpiSource(loadPlatformFile(file))) return inspectAcpiCommand(file, arch, args);
  const tree = loadDeviceTree(file, treeLoadOptions(args));
  const kernel = kernelOption(args);
  const report = inspectDeviceTree(tree, {
    ...(arch ? { arch } : {}),
    kernel,
    pci: options(args, '--pci').map(parsePciRequest),
    iommuNotReady: options(args, '--iommu-not-ready'),
    ...platformOptions(args),
  });
  const cmdline = `${platformFileOption(args)?.cmdlineText ?? ''} ${option(args, '--cmdline') ?? ''}`;
  return output({ ...report, memory: treeMemoryReport(tree, report.arch, cmdline, kernel) }, args);
}

function output(report: InspectReport, args: ParsedArgs, preface = ''): CommandOutput {
  return {
    json: report,
    text:
      preface +
      formatInspectTable(report, args.flags.has('--verbose') ? 'debug' : 'info') +
      (report.memory ? `\n\n${formatMemoryReport(report.memory).join('\n')}` : ''),
  };
}

/** The ACPI path: IORT binary, IORT spec, or ACPI platform file. */
function inspectAcpiCommand(
  file: string,
  arch: string | undefined,
  args: ParsedArgs,
): CommandOutput {
  if (arch !== undefined && arch !== 'arm64' && arch !== 'loongarch') {
    throw new UsageError(`--arch ${arch}: the ACPI path models arm64 and loongarch`);
  }
  const pci = options(args, '--pci').map((text) => {
    try {
      return parseAcpiPciRequest(text);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  });
  const loaded = loadAcpi(file);
  const report = inspectAcpi(loaded.table, loaded.description, {
    ...(arch ? { arch } : {}),
    kernel: kernelOption(args),
    pci,
    iommuNotReady: options(args, '--iommu-not-ready'),
  });
  // Table-wide messages (checksum, node pointer overflow) belong to no device: text only.
  const tableMessages = loaded.tableLog.map((e) => `IORT: ${e.level}: ${e.msg}\n`).join('');
  return output(report, args, tableMessages ? `${tableMessages}\n` : '');
}
