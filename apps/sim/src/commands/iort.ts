// `dmasim iort dump FILE` and `dmasim iort build SPEC -o OUT`.
import { dumpIort, readIort, writeIort } from '@dmasim/acpi-iort';
import { hex } from '@dmasim/dma-mapping';
import { loadAcpi } from '../acpi-file.js';
import { option, type ParsedArgs, UsageError } from '../args.js';
import { iortTableJson } from '../iort-json.js';
import { LoadError, loadPlatformFile, writeOutputFile } from '../load.js';
import { yamlReaders } from '../yaml-inputs.js';
import type { CommandOutput } from './common.js';

export const IORT_USAGE = `dmasim iort dump FILE [--json]           (an IORT binary, spec or ACPI platform file)
dmasim iort build SPEC.yaml|json -o OUT.bin`;

function dump(file: string): CommandOutput {
  const { table, tableLog } = loadAcpi(file);
  if (!table) throw new LoadError(`${file} names no IORT`);
  const messages = tableLog.map((e) => `${e.level}: ${e.msg}`);
  const text =
    dumpIort(table) + (messages.length > 0 ? `\nkernel messages:\n${messages.join('\n')}\n` : '');
  return { json: iortTableJson(table), text };
}

function build(spec: string, out: string | undefined): CommandOutput {
  if (out === undefined) throw new UsageError(`iort build needs -o OUT\n${IORT_USAGE}`);
  const source = loadPlatformFile(spec);
  if (source.kind !== 'acpi-platform') {
    throw new LoadError(`${spec} is not an IORT spec (.yaml or .json)`);
  }
  const bytes = writeIort(yamlReaders().parseIortSpec(source.text, spec));
  // Read it back: the writer's output must be a table the reader (and so the kernel) accepts.
  const { table } = readIort(bytes);
  writeOutputFile(out, bytes);
  return {
    json: {
      path: out,
      length: bytes.length,
      checksum: hex(table.checksum),
      nodes: table.nodes.length,
    },
    text: `wrote ${out}: ${bytes.length} bytes, ${table.nodes.length} node(s), checksum ${hex(table.checksum)}`,
  };
}

export function iortCommand(args: ParsedArgs): CommandOutput {
  const [sub, file, ...extra] = args.positionals;
  if (file === undefined || extra.length > 0) throw new UsageError(IORT_USAGE);
  if (sub === 'dump') return dump(file);
  if (sub === 'build') return build(file, option(args, '-o'));
  throw new UsageError(IORT_USAGE);
}
