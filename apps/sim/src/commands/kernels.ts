// `dmasim kernels`: the modelled releases and the behaviour-change registry they are built from.
import {
  DEFAULT_KERNEL_RELEASE,
  KERNEL_CHANGES,
  KERNEL_RELEASE_NAMES,
  kernelRelease,
} from '@dmasim/dma-mapping';
import type { ParsedArgs } from '../args.js';
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
  const text: string[] = ['Releases (--kernel):'];
  for (const r of releases) {
    const mark = r.name === DEFAULT_KERNEL_RELEASE ? ' (default)' : '';
    text.push(`  ${r.name.padEnd(5)} ${r.description}${mark}`);
  }
  text.push('', `Behaviour changes (${KERNEL_CHANGES.length}):`);
  for (const c of KERNEL_CHANGES) {
    const inRelease = releases.filter((r) => r.has.includes(c.id)).map((r) => r.name);
    const stable = c.stable.length ? `; stable ${c.stable.join(', ')}` : '';
    text.push(
      '',
      `  ${c.id}`,
      `    "${c.title}"`,
      `    first in ${c.firstRelease}${stable}; modelled in ${inRelease.join(', ') || 'none'}`,
      `    ${c.effect}`,
      ...c.checkedIn.map((where) => `    checked: ${where}`),
    );
  }
  return { json, text: text.join('\n') };
}
