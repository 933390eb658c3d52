// `dmasim inspect FILE`: every device's DMA configuration.
import { type ParsedArgs, UsageError } from '../args.js';
import { formatMemoryReport } from '../memory-report.js';
import { type InspectReport, inspectReport } from '../report.js';
import { formatInspectTable } from '../table.js';
import { bootFromArgs, type CommandOutput } from './common.js';

export const INSPECT_USAGE = `dmasim inspect FILE [--arch A] [--kernel 6.7|6.8|6.10|6.12] [--pci HOST:BB:DD.F]... [--iommu-not-ready NODE]... [--platform P.yaml] [--memory START:SIZE]... [--cmdline "..."] [--cpp [-I DIR]...] [--verbose] [--json]
    FILE: a device tree (.dtb/.dts), an IORT binary, or an ACPI platform file (.yaml/.json);
    --memory: RAM (e.g. 0x0:948M), replacing a device tree's /memory or an ACPI platform's memory;
    for ACPI, --pci takes SEGMENT:BB:DD.F (e.g. 0:00:01.0) and --iommu-not-ready an SMMU "iort@0x48"`;

export function inspectCommand(args: ParsedArgs): CommandOutput {
  const file = args.positionals[0];
  if (file === undefined) throw new UsageError(INSPECT_USAGE);
  const { machine, source } = bootFromArgs(args, file);
  const report = inspectReport(machine);
  // Table-wide messages (checksum, node pointer overflow) belong to no device: text only.
  const tableMessages = source.tableLog.map((e) => `IORT: ${e.level}: ${e.msg}\n`).join('');
  return new InspectOutput(report, tableMessages, args.flags.has('--verbose') ? 'debug' : 'info');
}

/**
 * The report, and its text formatted only when printed: --json runs over whole directories never
 * need the table. (A class, not an object literal with a getter: the literal's closure kept each
 * report alive through the next young-generation collections.)
 */
class InspectOutput implements CommandOutput {
  constructor(
    readonly json: InspectReport,
    private readonly tableMessages: string,
    private readonly level: 'debug' | 'info',
  ) {}

  get text(): string {
    const report = this.json;
    return (
      (this.tableMessages ? `${this.tableMessages}\n` : '') +
      formatInspectTable(report, this.level) +
      (report.memory ? `\n\n${formatMemoryReport(report.memory).join('\n')}` : '')
    );
  }
}
