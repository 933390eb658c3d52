// Every dmasim command: its argument schema, and the module that runs it, loaded only when
// that command is the one asked for (start-up pays for one command, not all of them).
import { ARCH_NAMES } from '@dmasim/arch';
import { KERNEL_RELEASE_NAMES } from '@dmasim/dma-mapping';
import type { CommandSpec, OptionSpec, ParsedArgs } from './args.js';
import type { CommandOutput } from './commands/common.js';

/** What a command's many-input run ends with, from every input that did not fail. */
export type InputsSummary = (
  inputs: readonly { file: string; json: unknown; attachment?: string }[],
  failed: number,
  args: ParsedArgs,
) => CommandOutput;

/** A command's body; one with a summary always runs as a many-input command. */
export type CommandRun = ((args: ParsedArgs) => CommandOutput) & { summarize?: InputsSummary };

export interface Command {
  spec: CommandSpec;
  /** The `schema` tag of its --json output (docs/schema/<id>.schema.json). */
  schema: string;
  /** Takes several PATHs (and directories): one record per input, over worker threads. */
  perInput?: boolean;
  load: () => Promise<CommandRun>;
}

const json: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'print JSON (only JSON goes to stdout)' },
};
const kernel: Record<string, OptionSpec> = {
  kernel: {
    type: 'string',
    value: 'K',
    choices: KERNEL_RELEASE_NAMES,
    help: `kernel release to model: ${KERNEL_RELEASE_NAMES.join(', ')} (default 6.12)`,
  },
};
const treeLoad: Record<string, OptionSpec> = {
  cpp: { type: 'boolean', help: 'run the C preprocessor over a .dts first' },
  include: {
    type: 'string',
    short: 'I',
    multiple: true,
    value: 'DIR',
    help: 'include directory for /include/ and #include',
  },
  memory: {
    type: 'string',
    multiple: true,
    value: 'START:SIZE',
    kind: 'ram',
    help: "RAM (e.g. 0x0:948M), replacing a device tree's /memory or an ACPI platform's UEFI memory map",
  },
};
const boot: Record<string, OptionSpec> = {
  ...kernel,
  arch: {
    type: 'string',
    value: 'A',
    choices: ARCH_NAMES,
    help: 'architecture (default: guessed)',
  },
  platform: {
    type: 'string',
    value: 'P.yaml',
    help: 'platform file: RAM, command line, PCI functions (device trees)',
  },
  cmdline: { type: 'string', value: '"..."', help: 'kernel command line (iommu.*, swiotlb=, ...)' },
  pci: {
    type: 'string',
    multiple: true,
    value: 'HOST:BB:DD.F',
    kind: 'pci',
    help: 'a PCI function to probe (ACPI: SEGMENT:BB:DD.F)',
  },
  'iommu-not-ready': {
    type: 'string',
    multiple: true,
    value: 'NODE',
    help: 'an IOMMU whose driver has not probed (-EPROBE_DEFER)',
  },
  ...treeLoad,
};
/** A required release name (`diff --from/--to`). */
const release = (value: string, help: string): OptionSpec => ({
  type: 'string',
  value,
  required: true,
  choices: KERNEL_RELEASE_NAMES,
  help: `${help}: ${KERNEL_RELEASE_NAMES.join(', ')}`,
});
const { kernel: _kernel, ...bootWithoutKernel } = boot;
/** What lint and report read: the firmware and how to boot it. */
const firmware: Record<string, OptionSpec> = {
  ...kernel,
  arch: boot.arch!,
  platform: boot.platform!,
  cmdline: boot.cmdline!,
  ...treeLoad,
};
const file = [{ name: 'FILE' }];
/** The many-input commands' worker threads. */
const jobs: Record<string, OptionSpec> = {
  jobs: {
    type: 'string',
    value: 'N',
    kind: 'int',
    min: 1,
    max: 1024,
    help: 'worker threads for several inputs (default: the core count)',
  },
};
/** A DMA mask as a bit count. */
const maskBits: OptionSpec = {
  type: 'string',
  value: 'BITS',
  kind: 'int',
  min: 0,
  max: 64,
  help: '',
};
/** The __u32 fields of struct map_benchmark: the kernel checks the rest. */
const u32 = (value: string, help: string): OptionSpec => ({
  type: 'string',
  value,
  kind: 'int',
  min: 0,
  max: 0xffff_ffff,
  help,
});

/** A group's subcommands share their options and their module. */
const subcommand =
  (group: string, shared: Record<string, OptionSpec>, load: () => Promise<CommandRun>) =>
  (
    name: string,
    summary: string,
    positionals: CommandSpec['positionals'],
    extra: Record<string, OptionSpec> = {},
  ): Command => ({
    spec: { name: `${group} ${name}`, summary, positionals, options: { ...extra, ...shared } },
    schema: `dmasim.${group}-${name}/1`,
    load,
  });

const ofProbe = subcommand(
  'of',
  { ...kernel, ...treeLoad, ...json },
  async () => (await import('./commands/of-probes.js')).ofProbeCommand,
);
const iommuSub = subcommand(
  'iommu',
  { ...boot, ...json },
  async () => (await import('./commands/iommu.js')).iommuCommand,
);

/** Commands by name; a command with subcommands maps each subcommand's name to its Command. */
export const COMMANDS: Readonly<Record<string, Command | Readonly<Record<string, Command>>>> = {
  inspect: {
    spec: {
      name: 'inspect',
      summary: "every device's DMA configuration, as the kernel decides it",
      positionals: [{ name: 'PATH', variadic: true, directories: true }],
      options: {
        ...boot,
        verbose: { type: 'boolean', help: 'also show debug-level kernel messages' },
        ...jobs,
        ...json,
      },
      notes: [
        'PATH: a device tree (.dtb/.dts), an IORT binary, an ACPI platform file (.yaml/.json),',
        'or - for standard input; the kind is read from the content first, the name second.',
        'Several PATHs, or a directory (walked recursively): one record per input (--json: JSON',
        'Lines), a failed input reported in its own record and exit status 1.',
      ],
    },
    schema: 'dmasim.inspect/1',
    perInput: true,
    load: async () => (await import('./commands/inspect.js')).inspectCommand,
  },
  diff: {
    spec: {
      name: 'diff',
      summary:
        'every device under two kernel releases: each fact that changes, and the messages and registry entries behind it',
      positionals: [{ name: 'PATH', variadic: true, directories: true }],
      options: {
        from: release('K1', 'the release before'),
        to: release('K2', 'the release after'),
        ...bootWithoutKernel,
        html: {
          type: 'string',
          value: 'OUT.html',
          help: 'also draw each changed device before and after in one HTML file',
        },
        ...jobs,
        ...json,
      },
      notes: [
        'PATH: as for inspect (files and directories); one record per input, then a summary',
        '(inputs, devices, devices changed, by field and by registry entry).',
      ],
    },
    schema: 'dmasim.diff/1',
    perInput: true,
    load: async () => (await import('./commands/diff.js')).diffCommand,
  },
  lint: {
    spec: {
      name: 'lint',
      summary: 'the firmware mistakes the kernel tolerates or rejects, with their cost',
      positionals: [{ name: 'PATH', variadic: true, directories: true }],
      options: { ...firmware, ...json },
      notes: [
        'PATH: device trees, IORT tables, ACPI platform files, or directories of them;',
        'exits 1 when any finding is an error.',
      ],
    },
    schema: 'dmasim.lint/1',
    load: async () => (await import('./commands/lint.js')).lintCommand,
  },
  report: {
    spec: {
      name: 'report',
      summary:
        "one self-contained HTML file: CPU map, each device's windows and reach, IOVA spaces, findings",
      positionals: file,
      options: {
        output: {
          type: 'string',
          short: 'o',
          required: true,
          value: 'report.html',
          help: 'where to write the report',
        },
        ...firmware,
        ...json,
      },
    },
    schema: 'dmasim.report/1',
    load: async () => (await import('./commands/report.js')).reportCommand,
  },
  of: {
    'dma-range': ofProbe(
      'dma-range',
      'of_dma_get_range() on NODE, with translations both ways',
      [...file, { name: 'NODE' }],
      {
        'phys-to-dma': {
          type: 'string',
          multiple: true,
          value: 'ADDR',
          kind: 'u64',
          help: 'translate a CPU physical address to a DMA address',
        },
        'dma-to-phys': {
          type: 'string',
          multiple: true,
          value: 'ADDR',
          kind: 'u64',
          help: 'translate a DMA address to a CPU physical address',
        },
      },
    ),
    ranges: ofProbe(
      'ranges',
      "NODE's ranges (or dma-ranges) through the range parser",
      [...file, { name: 'NODE' }],
      { dma: { type: 'boolean', help: 'read dma-ranges instead of ranges' } },
    ),
    'max-cpu-address': ofProbe(
      'max-cpu-address',
      'of_dma_get_max_cpu_address() below NODE (default: the root)',
      [...file, { name: 'NODE', optional: true }],
    ),
    reg: ofProbe('reg', "of_property_read_reg(): NODE's reg entry INDEX, untranslated", [
      ...file,
      { name: 'NODE' },
      { name: 'INDEX', optional: true },
    ]),
    resource: ofProbe('resource', "of_address_to_resource(): NODE's reg entry INDEX, translated", [
      ...file,
      { name: 'NODE' },
      { name: 'INDEX', optional: true },
    ]),
  },
  iommu: {
    groups: iommuSub(
      'groups',
      'IOMMU groups: devices, type and reserved regions, as in sysfs',
      file,
    ),
    'iova-ranges': iommuSub(
      'iova-ranges',
      'per group, the IOVA ranges VFIO/iommufd and the DMA API may use',
      file,
    ),
    map: iommuSub(
      'map',
      'map COUNT buffers of SIZE bytes for DEVICE; prints the IOVAs in the order handed out',
      [...file, { name: 'DEVICE' }],
      {
        size: { type: 'string', required: true, value: 'N', kind: 'u64', help: 'bytes per buffer' },
        count: {
          type: 'string',
          value: 'K',
          kind: 'int',
          min: 1,
          max: 1_000_000,
          help: 'buffers to map (default 1)',
        },
        mask: { ...maskBits, help: "the driver's DMA mask in bits" },
        msi: { type: 'boolean', help: 'the device uses MSIs (maps the doorbell first)' },
      },
    ),
  },
  iort: {
    dump: {
      spec: {
        name: 'iort dump',
        summary: 'decode an IORT (a binary, a spec, or an ACPI platform file naming one)',
        positionals: file,
        options: { ...json },
      },
      schema: 'dmasim.iort-dump/1',
      load: async () => (await import('./commands/iort.js')).iortCommand,
    },
    build: {
      spec: {
        name: 'iort build',
        summary: 'write an IORT binary from a spec (.yaml or .json)',
        positionals: [{ name: 'SPEC' }],
        options: {
          output: {
            type: 'string',
            short: 'o',
            required: true,
            value: 'OUT.bin',
            help: 'where to write the table',
          },
          ...json,
        },
      },
      schema: 'dmasim.iort-build/1',
      load: async () => (await import('./commands/iort.js')).iortCommand,
    },
  },
  run: {
    spec: {
      name: 'run',
      summary:
        'run a workload through the DMA API on one device (dma-iommu in a DMA domain, dma-direct otherwise)',
      positionals: file,
      options: {
        workload: {
          type: 'string',
          required: true,
          value: 'W',
          help: 'nic-rx, nvme, gpu-alloc, or a workload file (.yaml)',
        },
        device: { type: 'string', value: 'D', help: 'the device (default: the first that can)' },
        seed: { ...u32('N', 'random seed') },
        count: {
          type: 'string',
          value: 'N',
          kind: 'int',
          min: 0,
          max: 100_000_000,
          help: 'packets, commands, buffers or generated operations',
        },
        mask: { ...maskBits, help: "the driver's DMA mask in bits" },
        ...boot,
        ...json,
      },
    },
    schema: 'dmasim.run/1',
    load: async () => (await import('./commands/run.js')).runCommand,
  },
  bench: {
    map: {
      spec: {
        name: 'bench map',
        summary:
          "the kernel's dma_map_benchmark on the simulator: latency of its own map/unmap calls",
        positionals: file,
        options: {
          device: { type: 'string', required: true, value: 'D', help: 'the device to map for' },
          threads: u32('N', 'threads (default 1)'),
          seconds: u32('S', 'duration (default 20)'),
          granule: u32('PAGES', 'pages per map (default 1)'),
          dir: u32('0|1|2', 'DMA direction: 0 bidirectional, 1 to device, 2 from device'),
          'dma-trans-ns': u32('NS', 'pretend transfer time'),
          mask: u32('BITS', 'dma_bits (default 32)'),
          ...boot,
          ...json,
        },
      },
      schema: 'dmasim.bench-map/1',
      load: async () => (await import('./commands/bench.js')).benchCommand,
    },
  },
  kernels: {
    spec: {
      name: 'kernels',
      summary: 'the modelled kernel releases and the behaviour changes that tell them apart',
      positionals: [],
      options: { ...json },
    },
    schema: 'dmasim.kernels/1',
    load: async () => (await import('./commands/kernels.js')).kernelsCommand,
  },
};

export function isCommand(entry: Command | Readonly<Record<string, Command>>): entry is Command {
  return 'spec' in entry && 'load' in entry;
}

/** A command by its name as typed (`inspect`, `iommu groups`). */
export function findCommand(name: string): Command | undefined {
  return allCommands().find((c) => c.spec.name === name);
}

/** Every command and subcommand, in the order of the table. */
export function allCommands(): Command[] {
  return Object.values(COMMANDS).flatMap((entry) =>
    isCommand(entry) ? [entry] : Object.values(entry),
  );
}
