// `dmasim diff PATH... --from K1 --to K2`: every input booted under both releases, compared
// (the comparison is @dmasim/machine's diffMachines; this file prints it).
import {
  isKernelReleaseName,
  KERNEL_CHANGES,
  type KernelChangeId,
  type KernelRelease,
  kernelChange,
  kernelRelease,
} from '@dmasim/dma-mapping';
import {
  bootMachine,
  DEVICE_FIELDS,
  type DiffSummary,
  diffMachines,
  type FieldChange,
  MACHINE_FIELDS,
  type Machine,
  type MachineDiff,
  summarizeDiffs,
} from '@dmasim/machine';
import { deviceDiffHtml, escapeXml, REPORT_CSS } from '@dmasim/report';
import { option, type ParsedArgs, UsageError } from '../args.js';
import type { CommandRun, InputsSummary } from '../command-table.js';
import { writeOutputFile } from '../load.js';
import { machineMemory } from '../platform-view.js';
import { inspectReport } from '../report.js';
import { bootOptions, type CommandOutput, loadSource } from './common.js';

function release(args: ParsedArgs, name: '--from' | '--to'): KernelRelease {
  const value = option(args, name);
  // The argument schema requires both and checks the names; this guards direct callers.
  if (value === undefined || !isKernelReleaseName(value))
    throw new UsageError(`${name} is required`);
  return kernelRelease(value);
}

/** One input booted under --from and --to, the same firmware and options for both. */
export function diffBoots(args: ParsedArgs, file: string) {
  const source = loadSource(args, file);
  const options = {
    ...bootOptions(args, source.firmware.kind === 'acpi'),
    platform: source.platform,
  };
  const before = bootMachine(source.firmware, { ...options, kernel: release(args, '--from') });
  const after = bootMachine(source.firmware, { ...options, kernel: release(args, '--to') });
  return { before, after, diff: diffMachines(before, after) };
}

const cited = (change: FieldChange<string>) =>
  change.changes.length > 0 ? `  [${change.changes.join(', ')}]` : '';

/** One input's comparison as text (the `== FILE` line is the caller's). */
export function formatMachineDiff(diff: MachineDiff): string {
  const out = [
    `${diff.before} → ${diff.after}: ${diff.changed.length} of ${diff.devices} devices changed`,
  ];
  const only = (release: string, lines: readonly string[]) =>
    lines.map((line) => `    ${release} only: ${line}`);
  for (const d of diff.changed) {
    out.push(`  ${d.path} (${d.bus})`);
    for (const f of d.fields) out.push(`    ${f.field}: ${f.before} → ${f.after}${cited(f)}`);
    out.push(...only(diff.before, d.messages.before), ...only(diff.after, d.messages.after));
  }
  for (const f of diff.machine)
    out.push(`  machine ${f.field}: ${f.before} → ${f.after}${cited(f)}`);
  return out.join('\n');
}

/** An input's changed devices side by side (the drawing is @dmasim/report's). */
function diffHtmlSection(file: string, diff: MachineDiff, before: Machine, after: Machine): string {
  const side = (machine: Machine) => ({
    devices: new Map(inspectReport(machine).devices.map((d) => [d.path, d])),
    memory: machineMemory(machine),
    label: `Linux ${machine.kernel.name}`,
  });
  const b = side(before);
  const a = side(after);
  const sections = diff.changed.flatMap((d) => {
    const bd = b.devices.get(d.path);
    const ad = a.devices.get(d.path);
    if (!bd || !ad) return [];
    const what = d.fields.map((f) => `${f.field}: ${f.before} → ${f.after}`).join('; ');
    return [
      `<h3>${escapeXml(d.path)}</h3><p>${escapeXml(what)}</p>`,
      deviceDiffHtml(
        { label: b.label, device: bd, memory: b.memory },
        { label: a.label, device: ad, memory: a.memory },
      ),
    ];
  });
  const machineWide = diff.machine.map(
    (f) => `<li>${escapeXml(`${f.field}: ${f.before} → ${f.after}`)}</li>`,
  );
  if (sections.length === 0 && machineWide.length === 0) return '';
  return [
    `<h2>${escapeXml(file)}</h2>`,
    machineWide.length > 0 ? `<ul>${machineWide.join('')}</ul>` : '',
    ...sections,
  ].join('\n');
}

function diffHtmlPage(from: string, to: string, sections: readonly string[]): string {
  const title = `dmasim diff: Linux ${from} → ${to}`;
  const body = sections.filter((s) => s !== '');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>${REPORT_CSS}</style></head>
<body class="dmasim-report">
<h1>${escapeXml(title)}</h1>
${body.length > 0 ? body.join('\n') : '<p>No device and no machine-wide fact differs.</p>'}
</body></html>
`;
}

/** The summary with its keys in a stable order: fields as listed, entries in registry order. */
export function orderedSummary(summary: DiffSummary): DiffSummary {
  const pick = <K extends string>(order: readonly K[], from: Partial<Record<K, number>>) =>
    Object.fromEntries(
      order.filter((k) => from[k] !== undefined).map((k) => [k, from[k]]),
    ) as Partial<Record<K, number>>;
  return {
    ...summary,
    byField: pick(DEVICE_FIELDS, summary.byField),
    byMachineField: pick(MACHINE_FIELDS, summary.byMachineField),
    byChange: pick(
      KERNEL_CHANGES.map((c) => c.id),
      summary.byChange,
    ),
  };
}

function counts(byKey: Record<string, number | undefined>): string {
  const parts = Object.entries(byKey).map(([k, n]) => `${k} ${n}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

export function formatDiffSummary(from: string, to: string, s: DiffSummary): string {
  const changes = Object.entries(s.byChange).map(
    ([id, n]) => `    ${id} (${kernelChange(id as KernelChangeId).title}): ${n}`,
  );
  return [
    `summary ${from} → ${to}: ${s.inputs} inputs (${s.failed} failed), ${s.devices} devices, ${s.devicesChanged} changed, ${s.devicesMessagesOnly} with different messages only`,
    `  devices changed by field: ${counts(s.byField)}`,
    `  inputs changed machine-wide: ${counts(s.byMachineField)}`,
    `  registry entries cited:${changes.length > 0 ? '' : ' none'}`,
    ...changes,
  ].join('\n');
}

/** One input: its comparison (--json), as text, and with --html its drawing. */
function diffOne(args: ParsedArgs): CommandOutput {
  const file = args.positionals[0];
  if (file === undefined) throw new UsageError('missing PATH');
  const { before, after, diff } = diffBoots(args, file);
  const html =
    option(args, '--html') === undefined ? undefined : diffHtmlSection(file, diff, before, after);
  return {
    json: diff,
    text: formatMachineDiff(diff),
    ...(html !== undefined ? { attachment: html } : {}),
  };
}

/** After every input: the totals, and the --html page. */
const diffSummary: InputsSummary = (inputs, failed, args) => {
  const from = release(args, '--from').name;
  const to = release(args, '--to').name;
  const htmlPath = option(args, '--html');
  if (htmlPath !== undefined) {
    const page = diffHtmlPage(
      from,
      to,
      inputs.map((i) => i.attachment ?? ''),
    );
    writeOutputFile(htmlPath, new TextEncoder().encode(page));
  }
  const summary = orderedSummary(
    summarizeDiffs(
      inputs.map((i) => i.json as MachineDiff),
      failed,
    ),
  );
  return {
    json: { summary: { from, to, ...summary } },
    text: formatDiffSummary(from, to, summary),
  };
};

export const diffCommand: CommandRun = Object.assign(diffOne, { summarize: diffSummary });
