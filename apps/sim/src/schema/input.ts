// The input file formats, defined once: the loaders check a file against these before reading
// it (unknown keys and wrong types are errors naming the key and the file), and docs/schema/
// holds them as JSON Schema for editors.
import { Type as T, type TSchema } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;

/** What dma-mapping's parseU64 reads: decimal or 0x hex, `_` separators, a K/M/G/T suffix. */
const U64_PATTERN = '^\\s*(0[xX][0-9a-fA-F_]+|[0-9_]+)[kKmMgGtT]?\\s*$';

/** An address or size: an integer, or text such as "0x8000_0000" or "4K". */
const U64 = T.Union([T.Integer({ minimum: 0 }), T.String({ pattern: U64_PATTERN })], {
  description: 'an address or size: a number, or text like "0x1000" or "4K"',
});
const Direction = T.Union(
  [
    T.Literal('bidirectional'),
    T.Literal('to-device'),
    T.Literal('from-device'),
    T.Literal(0),
    T.Literal(1),
    T.Literal(2),
  ],
  { description: 'bidirectional, to-device, from-device, or 0..2' },
);
const Id = T.Integer({ minimum: 0, description: 'the buffer this step works on' });

const Step = T.Object(
  {
    op: T.Union(
      [
        T.Literal('map'),
        T.Literal('unmap'),
        T.Literal('map-sg'),
        T.Literal('unmap-sg'),
        T.Literal('alloc'),
        T.Literal('free'),
      ],
      { description: 'map, unmap, map-sg, unmap-sg, alloc or free' },
    ),
    id: Id,
    phys: T.Optional(U64),
    size: T.Optional(U64),
    dir: T.Optional(Direction),
    attrs: T.Optional(T.Integer({ minimum: 0, description: 'DMA_ATTR_* bits' })),
    segments: T.Optional(T.Array(T.Object({ phys: U64, length: U64 }, strict), { minItems: 1 })),
  },
  {
    ...strict,
    description: 'one DMA API call: map needs phys and size, map-sg segments, alloc size',
  },
);

const MixEntry = T.Object(
  {
    op: T.Union([T.Literal('map'), T.Literal('map-sg'), T.Literal('alloc')], {
      description: 'map, map-sg or alloc',
    }),
    weight: T.Optional(T.Integer({ minimum: 1 })),
    sizes: T.Optional(T.Array(U64, { minItems: 1 })),
    dir: T.Optional(Direction),
    segments: T.Optional(
      // A pair; not T.Tuple, whose `items` array is no longer JSON Schema in draft 2020-12.
      T.Array(T.Integer({ minimum: 1, maximum: 1024 }), {
        minItems: 2,
        maxItems: 2,
        description: '[min, max] segments per map-sg',
      }),
    ),
    segmentSize: T.Optional(U64),
  },
  strict,
);

export const WORKLOAD_FILE = T.Object(
  {
    name: T.Optional(T.String()),
    device: T.Optional(T.String({ description: 'a DT node path or pci:SSSS:BB:DD.F' })),
    mask: T.Optional(
      T.Union([T.Integer({ minimum: 0, maximum: 64 }), T.Null()], {
        description: 'bits for dma_set_mask_and_coherent()',
      }),
    ),
    seed: T.Optional(T.Integer({ minimum: 0 })),
    steps: T.Optional(T.Array(Step)),
    generate: T.Optional(
      T.Object(
        {
          count: T.Optional(T.Integer({ minimum: 0 })),
          inFlight: T.Optional(T.Integer({ minimum: 1 })),
          placement: T.Optional(T.Object({ base: U64, size: U64 }, strict)),
          mix: T.Array(MixEntry, { minItems: 1 }),
        },
        strict,
      ),
    ),
  },
  {
    ...strict,
    description: 'a dmasim workload file (dmasim run --workload FILE): steps or generate',
  },
);

const RamBank = T.Union(
  [
    T.String({ pattern: '^[^:]+:[^:]+$', description: '"START:SIZE", e.g. "0x0:4G"' }),
    T.Object({ start: U64, size: U64 }, strict),
  ],
  { description: 'a RAM bank: "START:SIZE" or { start, size }' },
);
const PciFunction = T.Object(
  {
    bdf: T.String({
      pattern: '^[0-9a-fA-F]{1,2}:[0-9a-fA-F]{1,2}\\.[0-7]$',
      description: 'bus:device.function, e.g. "00:01.0"',
    }),
    driver: T.Optional(T.Boolean({ description: 'a driver binds (and sets its mask)' })),
    driverMask: T.Optional(
      T.Integer({ minimum: 0, maximum: 64, description: "the driver's DMA mask in bits" }),
    ),
    msi: T.Optional(T.Boolean()),
    bridge: T.Optional(
      T.Object(
        {
          secondary: T.Integer({ minimum: 0, maximum: 255 }),
          subordinate: T.Integer({ minimum: 0, maximum: 255 }),
        },
        strict,
      ),
    ),
    acs: T.Optional(T.Boolean()),
    pcie: T.Optional(
      T.Union(
        ['root-port', 'endpoint', 'downstream', 'upstream', 'bridge', 'pci-pcie-bridge'].map((k) =>
          T.Literal(k),
        ),
        {
          description:
            'root-port, endpoint, downstream, upstream, bridge (PCIe-to-PCI/PCI-X) or pci-pcie-bridge (PCI/PCI-X-to-PCIe); absent for conventional PCI',
        },
      ),
    ),
    aliases: T.Optional(
      T.Array(T.Integer({ minimum: 0, maximum: 0xffff }), {
        minItems: 1,
        description: 'DMA alias requester IDs, replacing the ones the topology gives',
      }),
    ),
    dmaAliases: T.Optional(
      T.Array(T.String({ pattern: '^[0-9a-fA-F]{1,2}\\.[0-7]$' }), {
        description: 'quirk DMA aliases (pci_add_dma_alias): "DD.F" on the same bus',
      }),
    ),
    pcieBridgeAlias: T.Optional(
      T.Boolean({
        description: 'a conventional bridge with the PCIE_BRIDGE_ALIAS quirk (secondary-bus alias)',
      }),
    ),
  },
  strict,
);
const pciHost = (acpi: boolean) =>
  T.Object(
    {
      host: T.String({
        minLength: 1,
        description: acpi
          ? 'the host bridge\'s ACPI path, e.g. "\\\\_SB_.PCI0"'
          : "the host bridge's DT node path",
      }),
      ...(acpi
        ? {
            segment: T.Optional(T.Integer({ minimum: 0, maximum: 0xffff })),
            preserveConfig: T.Optional(
              T.Boolean({ description: '_DSM function 5: gates IORT RMRs for PCI' }),
            ),
          }
        : {}),
      devices: T.Optional(T.Array(PciFunction)),
    },
    strict,
  );
const Cmdline = T.String({
  description: 'the kernel command line, e.g. "iommu.strict=0 swiotlb=1024"',
});

export const PLATFORM_FILE = T.Object(
  {
    cmdline: T.Optional(Cmdline),
    memory: T.Optional(T.Array(RamBank, { description: 'RAM the bootloader fills into /memory' })),
    pci: T.Optional(T.Array(pciHost(false))),
  },
  { ...strict, description: 'a dmasim platform file for a device tree (--platform FILE)' },
);

const AcpiPath = T.String({
  pattern: '^\\\\',
  description: 'a full ACPI path such as "\\\\_SB_.DEV0"',
});
export const ACPI_PLATFORM_FILE = T.Object(
  {
    iort: T.Optional(
      T.String({
        minLength: 1,
        description: 'the IORT: a binary or a spec, relative to this file',
      }),
    ),
    iortSpec: T.Optional(
      T.Object({}, { description: 'the IORT spec inline (see iort-spec.schema.json)' }),
    ),
    memory: T.Optional(T.Array(RamBank, { description: 'RAM as the UEFI memory map gives it' })),
    cmdline: T.Optional(Cmdline),
    devices: T.Optional(
      T.Array(
        T.Object(
          {
            path: AcpiPath,
            parent: T.Optional(AcpiPath),
            cca: T.Optional(T.Union([T.Literal(0), T.Literal(1)], { description: '_CCA: 0 or 1' })),
            dma: T.Optional(
              T.Array(T.Object({ start: U64, end: U64, offset: T.Optional(U64) }, strict), {
                description: '_DMA windows',
              }),
            ),
            crs: T.Optional(T.Boolean()),
            initialMask: T.Optional(U64),
          },
          strict,
        ),
        { description: "the DSDT's facts about devices" },
      ),
    ),
    its: T.Optional(
      T.Array(T.Object({ id: T.Integer({ minimum: 0, maximum: 0xffffffff }), base: U64 }, strict)),
    ),
    pci: T.Optional(T.Array(pciHost(true))),
  },
  { ...strict, description: 'a dmasim ACPI platform file (an IORT with the DSDT and PCI facts)' },
);

/** Every input format, by its docs/schema/ name. */
export const INPUT_SCHEMAS: Record<string, { schema: TSchema; title: string }> = {
  workload: { schema: WORKLOAD_FILE, title: 'dmasim workload file' },
  platform: { schema: PLATFORM_FILE, title: 'dmasim platform file (device trees)' },
  'acpi-platform': { schema: ACPI_PLATFORM_FILE, title: 'dmasim ACPI platform file' },
};
