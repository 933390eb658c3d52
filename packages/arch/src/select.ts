import type { ArchDmaHooks, ArchName } from '@dmasim/dma-mapping';
import { armHooks } from './arm.js';
import { arm64Hooks } from './arm64.js';
import { arcHooks, mipsHooks, riscvHooks, stubHooks } from './others.js';

export const ARCH_NAMES: readonly ArchName[] = [
  'arm64',
  'arm',
  'arc',
  'loongarch',
  'mips',
  'riscv',
  'x86',
];

export function isArchName(name: string): name is ArchName {
  return (ARCH_NAMES as readonly string[]).includes(name);
}

/** The hooks of one architecture with its default options. */
export function archHooks(arch: ArchName): ArchDmaHooks {
  switch (arch) {
    case 'arm64':
      return arm64Hooks();
    case 'arm':
      return armHooks();
    case 'arc':
      return arcHooks();
    case 'mips':
      return mipsHooks();
    case 'riscv':
      return riscvHooks();
    case 'x86':
    case 'loongarch':
      return stubHooks(arch);
  }
}

// 32-bit-only Arm cores; any other "arm,cortex-a*" / "arm,armv8" core is taken as arm64.
const ARM32_CPUS = /^arm,(cortex-a(5|7|8|9|12|15|17)|cortex-[rm]\d+f?|arm\d+\w*|arm11\w*mpcore)$/;

/**
 * Guess the architecture from the root's and the CPU nodes' compatible strings, for trees that
 * do not say; arm64 when nothing is recognised.
 */
export function guessArch(compatibles: readonly string[]): ArchName {
  for (const c of compatibles) {
    if (c.startsWith('riscv') || c.includes(',rv64') || c.includes(',rv32')) return 'riscv';
    if (c.startsWith('loongson,') && c.includes('3a')) return 'loongarch';
    if (c.startsWith('mti,') || c.startsWith('mips,') || c.startsWith('brcm,bmips')) return 'mips';
    if (c.startsWith('snps,arc') || c.startsWith('snps,hs')) return 'arc';
    if (ARM32_CPUS.test(c)) return 'arm';
  }
  return 'arm64';
}
