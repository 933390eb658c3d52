import { isArchName } from '@dmasim/arch';
import {
  type ArchName,
  isKernelReleaseName,
  KERNEL_RELEASE_NAMES,
  type KernelRelease,
  kernelRelease,
} from '@dmasim/dma-mapping';
import {
  type BootOptions,
  bootMachine,
  type Machine,
  type MemoryRange,
  type PciRequest,
  type PlatformDescription,
} from '@dmasim/machine';
import { option, options, type ParsedArgs, splitPciOption, UsageError } from '../args.js';
import type { TreeLoadOptions } from '../device-tree-file.js';
import { readInputText } from '../load.js';
import { loadMachineSource, type MachineSource } from '../machine-file.js';
import type { PlatformViewOptions } from '../platform-view.js';
import { parseRamRange } from '../ram-range.js';
import { yamlReaders } from '../yaml-inputs.js';

/** What a command produces: the --json object and the human text. */
export interface CommandOutput {
  json: unknown;
  text: string;
  /** Exit status when the command ran (default 0); lint exits 1 on an error-level finding. */
  status?: number;
  /** Many inputs: what the input hands to the command's summary besides `json` (not printed). */
  attachment?: string;
}

/**
 * --memory START:SIZE...: the machine's RAM, replacing a device tree's /memory (as a bootloader
 * does) or an ACPI platform's UEFI memory map; undefined when not given.
 */
export function memoryOption(args: ParsedArgs): MemoryRange[] | undefined {
  const ram = options(args, '--memory').map((text) => {
    try {
      return parseRamRange(text);
    } catch (e) {
      throw new UsageError(`--memory: ${(e as Error).message}`);
    }
  });
  return ram.length > 0 ? ram : undefined;
}

/**
 * How the `of` probes load a tree: --cpp/-I, and the RAM the bootloader fills in (--memory,
 * else the platform file's). Booting commands hand that RAM to the machine instead.
 */
export function treeLoadOptions(args: ParsedArgs): TreeLoadOptions {
  const platform = option(args, '--platform');
  const ram =
    memoryOption(args) ??
    (platform === undefined
      ? undefined
      : yamlReaders().parsePlatformFile(readInputText(platform), platform).memory);
  return { ...treeReadOptions(args), ram: ram ?? [] };
}

function treeReadOptions(args: ParsedArgs): TreeLoadOptions {
  return { cpp: args.flags.has('--cpp'), includeDirs: options(args, '-I') };
}

/** JSON with bigint-free values; every number in our reports is already a hex string. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** --kernel 6.7|6.8|6.10|6.12; default 6.12 (the LTS behind kernel-observations.md). */
export function kernelOption(args: ParsedArgs): KernelRelease {
  const name = option(args, '--kernel');
  if (name === undefined) return kernelRelease();
  if (!isKernelReleaseName(name)) {
    throw new UsageError(`--kernel must be one of ${KERNEL_RELEASE_NAMES.join(', ')}`);
  }
  return kernelRelease(name);
}

export function archOption(args: ParsedArgs): ArchName | undefined {
  const arch = option(args, '--arch');
  if (arch !== undefined && !isArchName(arch)) throw new UsageError(`unknown --arch ${arch}`);
  return arch;
}

/**
 * --pci: "HOSTPATH:BB:DD.F" for a device tree (e.g. /pcie@10000000:00:01.0), "SEGMENT:BB:DD.F"
 * for ACPI (e.g. 0:00:01.0).
 */
export function parsePciOption(text: string, acpi: boolean): PciRequest {
  const parts = splitPciOption(text);
  if (acpi) {
    const segment =
      parts && /^(0x[0-9a-fA-F]+|\d+)$/.test(parts.prefix) ? Number(parts.prefix) : -1;
    if (!parts || !(segment >= 0 && segment <= 0xffff)) {
      throw new UsageError(`--pci wants SEGMENT:BB:DD.F (e.g. 0:00:01.0), got "${text}"`);
    }
    return { segment, bdf: parts.bdf };
  }
  if (!parts) throw new UsageError(`--pci wants HOSTPATH:BB:DD.F, got "${text}"`);
  return { host: parts.prefix, bdf: parts.bdf };
}

/** The boot options every command shares. */
export function bootOptions(args: ParsedArgs, acpi: boolean): BootOptions {
  const arch = archOption(args);
  if (acpi && arch !== undefined && arch !== 'arm64' && arch !== 'loongarch') {
    throw new UsageError(`--arch ${arch}: the ACPI path models arm64 and loongarch`);
  }
  const cmdline = option(args, '--cmdline');
  return {
    kernel: kernelOption(args),
    ...(arch ? { arch } : {}),
    ...(cmdline !== undefined ? { cmdline } : {}),
    pci: options(args, '--pci').map((t) => parsePciOption(t, acpi)),
    iommuNotReady: options(args, '--iommu-not-ready'),
  };
}

/** A device tree's --platform file, with --memory replacing its RAM; undefined when neither. */
export function platformOption(args: ParsedArgs): PlatformDescription | undefined {
  const path = option(args, '--platform');
  const platform =
    path === undefined ? undefined : yamlReaders().parsePlatformFile(readInputText(path), path);
  const ram = memoryOption(args);
  return ram ? { ...platform, memory: ram } : platform;
}

/** How lint and report boot the firmware they view: --kernel, --arch, --platform, --memory, --cmdline. */
export function viewOptions(args: ParsedArgs): PlatformViewOptions {
  const arch = archOption(args);
  const platformFile = platformOption(args);
  const memory = memoryOption(args);
  const cmdline = option(args, '--cmdline');
  return {
    kernel: kernelOption(args),
    ...(arch ? { arch } : {}),
    ...(platformFile ? { platformFile } : {}),
    ...(memory ? { memory } : {}),
    ...(cmdline ? { cmdline } : {}),
  };
}

/** FILE and --platform as the machine takes them; --memory replaces the platform's RAM. */
export function loadSource(args: ParsedArgs, file: string): MachineSource {
  const source = loadMachineSource(file, option(args, '--platform'), treeReadOptions(args));
  const ram = memoryOption(args);
  return ram ? { ...source, platform: { ...source.platform, memory: ram } } : source;
}

/** Load FILE (and --platform) and boot it with the command's options. */
export function bootFromArgs(
  args: ParsedArgs,
  file: string,
  source: MachineSource = loadSource(args, file),
): { machine: Machine; source: MachineSource } {
  const machine = bootMachine(source.firmware, {
    ...bootOptions(args, source.firmware.kind === 'acpi'),
    platform: source.platform,
  });
  return { machine, source };
}
