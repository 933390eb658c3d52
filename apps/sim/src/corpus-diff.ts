// docs/corpus-diff.md: what changes between releases on every blob of ../shared/corpus/dtb,
// written from `dmasim diff` (corpus-diff.test.ts regenerates it and fails on drift).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type KernelReleaseName, kernelChange, kernelRelease } from '@dmasim/dma-mapping';
import {
  bootMachine,
  diffMachines,
  type Machine,
  type MachineDiff,
  summarizeDiffs,
} from '@dmasim/machine';
import type { ParsedArgs } from './args.js';
import { bootOptions, loadSource } from './commands/common.js';
import { orderedSummary } from './commands/diff.js';

export const CORPUS_DIFF_PAIRS: readonly (readonly [KernelReleaseName, KernelReleaseName])[] = [
  ['6.7', '6.10'],
  ['6.10', '6.12'],
];

const NO_OPTIONS: ParsedArgs = { positionals: [], options: new Map(), flags: new Set() };

/** Each blob parsed once and booted once per release the pairs name. */
function bootAll(file: string): Map<KernelReleaseName, Machine> {
  const source = loadSource(NO_OPTIONS, file);
  const options = { ...bootOptions(NO_OPTIONS, false), platform: source.platform };
  const names = new Set<KernelReleaseName>(CORPUS_DIFF_PAIRS.flat());
  return new Map(
    [...names].map((name) => [
      name,
      bootMachine(source.firmware, { ...options, kernel: kernelRelease(name) }),
    ]),
  );
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/** Lines printed under one release only, over all devices and boots, with how many times. */
function messageCounts(
  diffs: readonly MachineDiff[],
  side: 'before' | 'after',
): [string, number][] {
  const counts = new Map<string, number>();
  for (const diff of diffs) {
    const lines = [
      ...diff.bootMessages[side],
      ...[...diff.changed, ...diff.messagesOnly].flatMap((d) => d.messages[side]),
    ];
    for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

function pairSection(from: string, to: string, names: readonly string[], diffs: MachineDiff[]) {
  const s = orderedSummary(summarizeDiffs(diffs));
  const out = [
    `## ${from} → ${to}`,
    '',
    '| inputs | devices | devices changed | devices with different messages only |',
    '|---|---|---|---|',
    `| ${s.inputs} | ${s.devices} | ${s.devicesChanged} | ${s.devicesMessagesOnly} |`,
    '',
  ];
  const byField = Object.entries(s.byField);
  const byMachine = Object.entries(s.byMachineField);
  if (byField.length + byMachine.length > 0) {
    out.push('| what changed | count |', '|---|---|');
    for (const [f, n] of byField) out.push(`| device ${f} | ${n} devices |`);
    for (const [f, n] of byMachine) out.push(`| machine ${f} | ${n} inputs |`);
    out.push('');
  } else out.push('No device fact and no machine-wide fact changes.', '');
  const cited = Object.entries(s.byChange);
  if (cited.length > 0) {
    out.push('Registry entries that explain the changes (field changes citing each):', '');
    for (const [id, n] of cited) {
      const c = kernelChange(id as Parameters<typeof kernelChange>[0]);
      out.push(`- \`${id}\`: "${c.title}" (${c.firstRelease}): ${n}`);
    }
    out.push('');
  }
  for (const [side, release] of [
    ['before', from],
    ['after', to],
  ] as const) {
    const counts = messageCounts(diffs, side);
    if (counts.length === 0) continue;
    out.push(
      `Kernel messages printed under ${release} only:`,
      '',
      '| message | times |',
      '|---|---|',
    );
    for (const [line, n] of counts) out.push(`| ${cell(line)} | ${n} |`);
    out.push('');
  }
  diffs.forEach((diff, i) => {
    if (diff.changed.length === 0 && diff.machine.length === 0) return;
    out.push(`### ${names[i]}`, '');
    for (const d of diff.changed) {
      for (const f of d.fields)
        out.push(`- \`${d.path}\` ${f.field}: ${cell(f.before)} → ${cell(f.after)}`);
    }
    for (const f of diff.machine)
      out.push(`- machine ${f.field}: ${cell(f.before)} → ${cell(f.after)}`);
    out.push('');
  });
  return out;
}

/** The document for every .dtb in `dtbDir` (sorted by name). */
export function corpusDiffMarkdown(dtbDir: string): string {
  const names = readdirSync(dtbDir)
    .filter((f) => f.endsWith('.dtb'))
    .sort();
  const out = [
    '# Kernel releases compared over the corpus',
    '',
    `\`dmasim diff\` over the ${names.length} device trees of \`../shared/corpus/dtb/\`, each booted`,
    'under both releases with no platform file (so only blobs with a /memory node have zones and',
    'swiotlb). Regenerate with `DMASIM_UPDATE=1 pnpm --filter dmasim exec vitest run corpus-diff`;',
    'the test fails when this file and the model disagree.',
    '',
  ];
  const booted = names.map((name) => bootAll(join(dtbDir, name)));
  for (const [from, to] of CORPUS_DIFF_PAIRS) {
    const diffs = booted.map((m) => diffMachines(m.get(from)!, m.get(to)!));
    out.push(...pairSection(from, to, names, diffs));
  }
  return `${out.join('\n').trimEnd()}\n`;
}
