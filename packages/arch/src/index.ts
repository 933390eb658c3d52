export {
  type ArmIommuWindow,
  type ArmOptions,
  armHooks,
  armIommuCreateMapping,
  armIommuWindow,
} from './arm.js';
export { ARM64_ARCH_DMA_MINALIGN, type Arm64Options, arm64Hooks } from './arm64.js';
export {
  type ArcOptions,
  arcHooks,
  mipsHooks,
  RISCV_ARCH_DMA_MINALIGN,
  type RiscvOptions,
  riscvHooks,
  stubHooks,
} from './others.js';
export { ARCH_NAMES, archHooks, guessArch, isArchName } from './select.js';
