// `dmasim lint PATH...`: the firmware mistakes the kernel tolerates or rejects, with their cost.
import { type Finding, formatFindings, hasErrors } from '@dmasim/report';
import { type ParsedArgs, UsageError } from '../args.js';
import { expandPaths, loadFirmware } from '../firmware-file.js';
import { lintFirmware, platformView } from '../platform-view.js';
import { type CommandOutput, treeLoadOptions, viewOptions } from './common.js';

export const LINT_USAGE = `dmasim lint PATH... [--kernel K] [--arch A] [--platform P.yaml] [--memory START:SIZE]... [--cmdline "..."] [--cpp [-I DIR]...] [--json]
    PATH: device trees, IORT tables, ACPI platform files, or directories of them;
    exits 1 when any finding is an error`;

export function lintCommand(args: ParsedArgs): CommandOutput {
  if (args.positionals.length === 0) throw new UsageError(LINT_USAGE);
  const options = viewOptions(args);
  const { kernel } = options;
  const files: { file: string; findings: Finding[] }[] = [];
  for (const file of expandPaths(args.positionals)) {
    const fw = loadFirmware(file, treeLoadOptions(args));
    const view = platformView(fw, options);
    files.push({ file, findings: lintFirmware(fw, view, kernel) });
  }
  const text = files
    .map((f) =>
      files.length > 1 ? `== ${f.file}\n${formatFindings(f.findings)}` : formatFindings(f.findings),
    )
    .join('\n\n');
  return {
    json: { kernel: kernel.name, files },
    text,
    status: files.some((f) => hasErrors(f.findings)) ? 1 : 0,
  };
}
