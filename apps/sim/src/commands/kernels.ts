// `dmasim kernels`: the modelled releases and the behaviour-change registry they are built from.
import {
  DEFAULT_KERNEL_RELEASE,
  KERNEL_CHANGES,
  KERNEL_RELEASE_NAMES,
  kernelRelease,
} from '@dmasim/dma-mapping';
import type { ParsedArgs } from '../args.js';
import { formatColumns, wrapWords } from '../columns.js';
import { outputStyle } from '../terminal.js';
import type { CommandOutput } from './common.js';

export const KERNELS_USAGE = 'dmasim kernels [--json]';

export function kernelsCommand(_args: ParsedArgs): CommandOutput {
  const releases = KERNEL_RELEASE_NAMES.map((name) => {
    const kernel = kernelRelease(name);
    return {
      name,
      description: kernel.description,
      has: KERNEL_CHANGES.filter((c) => kernel.has(c.id)).map((c) => c.id),
    };
  });
  const json = { default: DEFAULT_KERNEL_RELEASE, releases, changes: KERNEL_CHANGES };
  const style = outputStyle();
  const text: string[] = [
    'Releases (--kernel):',
    ...formatColumns(
      releases.map((r) => [
        r.name.padEnd(5),
        `${r.description}${r.name === DEFAULT_KERNEL_RELEASE ? ' (default)' : ''}`,
      ]),
      style,
      { indent: '  ', gap: ' ' },
    ),
  ];
  /** A paragraph under a change, indented four and fitted to the terminal. */
  const para = (line: string) =>
    style.width === null
      ? [`    ${line}`]
      : wrapWords(line, Math.max(24, style.width - 4)).map((l) => `    ${l}`);
  text.push('', `Behaviour changes (${KERNEL_CHANGES.length}):`);
  for (const c of KERNEL_CHANGES) {
    const inRelease = releases.filter((r) => r.has.includes(c.id)).map((r) => r.name);
    const stable = c.stable.length ? `; stable ${c.stable.join(', ')}` : '';
    text.push(
      '',
      `  ${c.id}`,
      ...para(`"${c.title}"`),
      ...para(`first in ${c.firstRelease}${stable}; modelled in ${inRelease.join(', ') || 'none'}`),
      ...para(c.effect),
      ...c.checkedIn.flatMap((where) => para(`checked: ${where}`)),
    );
  }
  return { json, text: text.join('\n') };
}
