// `dmasim report FILE -o report.html`: the address maps as one self-contained HTML file.
import { renderReportHtml } from '@dmasim/report';
import { option, type ParsedArgs, UsageError } from '../args.js';
import { loadFirmware } from '../firmware-file.js';
import { writeOutputFile } from '../load.js';
import { lintFirmware, platformView } from '../platform-view.js';
import { type CommandOutput, treeLoadOptions, viewOptions } from './common.js';

export const REPORT_USAGE = `dmasim report FILE -o report.html [--kernel K] [--arch A] [--platform P.yaml] [--memory START:SIZE]... [--cmdline "..."] [--cpp [-I DIR]...]
    one HTML file with inline CSS and SVG: CPU map, each device's windows and reach, IOVA spaces, findings`;

export function reportCommand(args: ParsedArgs): CommandOutput {
  const file = args.positionals[0];
  const out = option(args, '-o');
  if (file === undefined || out === undefined) throw new UsageError(REPORT_USAGE);
  const options = viewOptions(args);
  const fw = loadFirmware(file, treeLoadOptions(args));
  const view = platformView(fw, options);
  const findings = lintFirmware(fw, view, options.kernel);
  const html = renderReportHtml(view, findings);
  const bytes = new TextEncoder().encode(html);
  writeOutputFile(out, bytes);
  return {
    json: {
      file,
      output: out,
      bytes: bytes.length,
      devices: view.devices.length,
      findings: findings.length,
    },
    text: `wrote ${out} (${bytes.length} bytes): ${view.devices.length} devices, ${findings.length} findings`,
  };
}
