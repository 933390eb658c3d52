// The input file formats, defined once. Each definition is the rule set of its file: the
// readers check a file against it (unknown keys and wrong types are errors naming the file, the
// key and its line) and decode it with the transforms below; docs/schema/ holds the same
// definitions as JSON Schema for editors. What a schema cannot say (a BDF's device number, a
// bridge's bus range, a name listed twice) is checked by the decoders and the readers.
import {
  DMA_BIDIRECTIONAL,
  DMA_FROM_DEVICE,
  DMA_TO_DEVICE,
  type DmaDataDirection,
  formatDevfn,
  parseBdf,
  parseDevfn,
  parseU64,
  U64_MAX,
} from '@dmasim/dma-mapping';
import type { MemoryRange } from '@dmasim/machine';
import { Type as T, type TSchema } from '@sinclair/typebox';
import { parseRamRange } from '../ram-range.js';
import { MAX_IN_FLIGHT, MAX_WORKLOAD_COUNT } from '../workload.js';

const strict = { additionalProperties: false } as const;

/** A value the schema lets through but a decoder refuses; the reader names its key and line. */
export class InputValueError extends Error {}

/** What dma-mapping's parseU64 reads: decimal or 0x hex, `_` separators, a K/M/G/T suffix. */
const U64_PATTERN = '^\\s*(0[xX][0-9a-fA-F_]+|[0-9_]+)[kKmMgGtT]?\\s*$';
/** A number as text, without the size suffixes (IORT fields are counts and flags, not sizes). */
const NUMBER_TEXT_PATTERN = '^\\s*(0[xX][0-9a-fA-F_]+|[0-9_]+)\\s*$';

function u64Value(v: number | string): bigint {
  if (typeof v === 'number') return BigInt(v);
  // The pattern passed; only the range is left to refuse (parseU64 says so).
  return parseU64(v);
}

/** An address or size: an integer, or text such as "0x8000_0000" or "4K"; decodes to a bigint. */
const U64 = T.Transform(
  T.Union([T.Integer({ minimum: 0 }), T.String({ pattern: U64_PATTERN })], {
    description: 'an address or size: a number, or text like "0x1000" or "4K"',
  }),
)
  .Decode(u64Value)
  .Encode((v) => `0x${v.toString(16)}`);

/** An N-bit field of a table: a number or its text; decodes to what the IORT writer takes. */
function Uint(bits: number, description?: string) {
  const max = 2 ** bits - 1;
  return T.Transform(
    T.Union([T.Integer({ minimum: 0, maximum: max }), T.String({ pattern: NUMBER_TEXT_PATTERN })], {
      description: description ?? `a ${bits}-bit number (or its text, e.g. "0x10")`,
    }),
  )
    .Decode((v) => {
      if (typeof v === 'string' && u64Value(v) > BigInt(max)) {
        throw new InputValueError(`"${v}" does not fit in ${bits} bits`);
      }
      return v;
    })
    .Encode((v) => v);
}
const U8 = Uint(8);
const U16 = Uint(16);
const U32 = Uint(32);
const IortU64 = Uint(64);

// ---------------------------------------------------------------------------------------------
// The workload file (dmasim run --workload FILE)

const DIRECTIONS: Record<string, DmaDataDirection> = {
  bidirectional: DMA_BIDIRECTIONAL,
  'to-device': DMA_TO_DEVICE,
  'from-device': DMA_FROM_DEVICE,
};
const Direction = T.Transform(
  T.Union(
    [
      T.Literal('bidirectional'),
      T.Literal('to-device'),
      T.Literal('from-device'),
      T.Literal(0),
      T.Literal(1),
      T.Literal(2),
    ],
    { description: 'bidirectional, to-device, from-device, or 0..2' },
  ),
)
  .Decode((v): DmaDataDirection => (typeof v === 'string' ? DIRECTIONS[v]! : v))
  .Encode((v) => v as 0 | 1 | 2);
const Id = T.Integer({ minimum: 0, description: 'the buffer this step works on' });
const Segment = T.Object({ phys: U64, length: U64 }, strict);

/** One DMA API call; each op has its own keys (a map needs phys and size). */
const Step = T.Union(
  [
    T.Object(
      {
        op: T.Literal('map'),
        id: Id,
        phys: U64,
        size: U64,
        dir: T.Optional(Direction),
        attrs: T.Optional(T.Integer({ minimum: 0, description: 'DMA_ATTR_* bits' })),
      },
      strict,
    ),
    T.Object({ op: T.Literal('unmap'), id: Id }, strict),
    T.Object(
      {
        op: T.Literal('map-sg'),
        id: Id,
        segments: T.Array(Segment, { minItems: 1 }),
        dir: T.Optional(Direction),
      },
      strict,
    ),
    T.Object({ op: T.Literal('unmap-sg'), id: Id }, strict),
    T.Object({ op: T.Literal('alloc'), id: Id, size: U64 }, strict),
    T.Object({ op: T.Literal('free'), id: Id }, strict),
  ],
  { description: 'one DMA API call: map, unmap, map-sg, unmap-sg, alloc or free' },
);

const MixEntry = T.Transform(
  T.Object(
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
  ),
)
  .Decode((m) => {
    const sizes = m.sizes ?? [4096n];
    if (sizes.some((s) => s === 0n)) throw new InputValueError('sizes must all be above 0');
    const [lo, hi] = m.segments ?? [1, 1];
    if (lo! > hi!) throw new InputValueError(`segments [${lo}, ${hi}]: min is above max`);
    return {
      op: m.op,
      weight: m.weight ?? 1,
      sizes,
      dir: m.dir ?? DMA_BIDIRECTIONAL,
      segments: [lo!, hi!] as [number, number],
      segmentSize: m.segmentSize ?? 4096n,
    };
  })
  .Encode((m) => m);

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
          count: T.Optional(
            T.Integer({
              minimum: 0,
              maximum: MAX_WORKLOAD_COUNT,
              description: `a whole number from 0 to ${MAX_WORKLOAD_COUNT}`,
            }),
          ),
          inFlight: T.Optional(
            T.Integer({
              minimum: 1,
              maximum: MAX_IN_FLIGHT,
              description: `a whole number from 1 to ${MAX_IN_FLIGHT}`,
            }),
          ),
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

// ---------------------------------------------------------------------------------------------
// The platform files (--platform FILE for a device tree; the ACPI platform file)

const RamBank = T.Transform(
  T.Union(
    [
      T.String({ pattern: '^[^:]+:[^:]+$', description: '"START:SIZE", e.g. "0x0:4G"' }),
      T.Object({ start: U64, size: U64 }, strict),
    ],
    { description: 'a RAM bank: "START:SIZE" or { start, size }' },
  ),
)
  .Decode((bank): MemoryRange => {
    if (typeof bank === 'string') return parseRamRange(bank);
    if (bank.size === 0n) throw new InputValueError('size is 0');
    if (bank.start + bank.size - 1n > U64_MAX) {
      throw new InputValueError('the bank runs past 2^64');
    }
    return bank;
  })
  .Encode((bank) => bank);

/** "BB:DD.F" (the host bridge gives the segment); parseBdf refuses a device number above 31. */
const Bdf = T.Transform(
  T.String({
    pattern: '^[0-9a-fA-F]{1,2}:[0-9a-fA-F]{1,2}\\.[0-7]$',
    description: 'bus:device.function, e.g. "00:01.0"',
  }),
)
  .Decode((bdf) => {
    parseBdf(bdf);
    return bdf;
  })
  .Encode((bdf) => bdf);

/** A quirk DMA alias "DD.F" on the function's own bus; decodes to its devfn. */
const DmaAlias = T.Transform(
  T.String({ pattern: '^[0-9a-fA-F]{1,2}\\.[0-7]$', description: '"DD.F", e.g. "1f.0"' }),
)
  .Decode(parseDevfn)
  .Encode(formatDevfn);

const BusRange = T.Transform(
  T.Object(
    {
      secondary: T.Integer({ minimum: 0, maximum: 255 }),
      subordinate: T.Integer({ minimum: 0, maximum: 255 }),
    },
    strict,
  ),
)
  .Decode((b) => {
    if (b.secondary > b.subordinate) {
      throw new InputValueError(`bus range ${b.secondary}..${b.subordinate} is empty`);
    }
    return b;
  })
  .Encode((b) => b);

const PCIE_TYPES = [
  'root-port',
  'endpoint',
  'downstream',
  'upstream',
  'bridge',
  'pci-pcie-bridge',
] as const;

const PciFunction = T.Object(
  {
    bdf: Bdf,
    driver: T.Optional(T.Boolean({ description: 'a driver binds (and sets its mask)' })),
    driverMask: T.Optional(
      T.Integer({ minimum: 0, maximum: 64, description: "the driver's DMA mask in bits" }),
    ),
    msi: T.Optional(T.Boolean()),
    bridge: T.Optional(BusRange),
    acs: T.Optional(T.Boolean()),
    pcie: T.Optional(
      T.Union(
        PCIE_TYPES.map((k) => T.Literal(k)),
        {
          description:
            'root-port, endpoint, downstream, upstream, bridge (PCIe-to-PCI/PCI-X) or pci-pcie-bridge (PCI/PCI-X-to-PCIe); absent for conventional PCI',
        },
      ),
    ),
    aliases: T.Optional(
      T.Array(T.Integer({ minimum: 0, maximum: 0xffff }), {
        minItems: 1,
        description: "a non-empty list of DMA alias requester IDs (replacing the topology's)",
      }),
    ),
    dmaAliases: T.Optional(
      T.Array(DmaAlias, {
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

const DtPciHost = T.Transform(
  T.Object(
    {
      host: T.String({ minLength: 1, description: "the host bridge's DT node path" }),
      devices: T.Optional(T.Array(PciFunction)),
    },
    strict,
  ),
)
  // The host bridge's devices default to none.
  .Decode((h) => ({ ...h, devices: h.devices ?? [] }))
  .Encode((h) => h);

const AcpiPciHost = T.Transform(
  T.Object(
    {
      host: T.String({
        pattern: '^\\\\',
        description: 'the host bridge\'s full ACPI path, e.g. "\\\\_SB_.PCI0"',
      }),
      segment: T.Optional(
        T.Integer({ minimum: 0, maximum: 0xffff, description: 'the PCI segment, 0 to 65535' }),
      ),
      preserveConfig: T.Optional(
        T.Boolean({ description: '_DSM function 5: gates IORT RMRs for PCI' }),
      ),
      devices: T.Optional(T.Array(PciFunction)),
    },
    strict,
  ),
)
  .Decode((h) => ({ ...h, devices: h.devices ?? [] }))
  .Encode((h) => h);

const Cmdline = T.String({
  description: 'the kernel command line, e.g. "iommu.strict=0 swiotlb=1024"',
});

export const PLATFORM_FILE = T.Object(
  {
    cmdline: T.Optional(Cmdline),
    memory: T.Optional(T.Array(RamBank, { description: 'RAM the bootloader fills into /memory' })),
    pci: T.Optional(T.Array(DtPciHost)),
  },
  { ...strict, description: 'a dmasim platform file for a device tree (--platform FILE)' },
);

// ---------------------------------------------------------------------------------------------
// The IORT spec (dmasim iort build SPEC, an ACPI platform file's `iort: FILE` or `iortSpec`):
// the IORT writer's input, which is also what `dmasim iort dump --json` prints.

/** A node another refers to: its `name`, "#INDEX" in `nodes`, or its table offset. */
const NodeReference = T.Union(
  [T.Integer({ minimum: 0, maximum: 0xffff_ffff }), T.String({ minLength: 1 })],
  { description: 'a node: its name, "#INDEX" in nodes, or its table offset' },
);
const IdMapping = T.Object(
  {
    inputBase: T.Optional(U32),
    idCount: T.Optional(Uint(32, 'the number of IDs minus one')),
    outputBase: T.Optional(U32),
    outputReference: T.Optional(NodeReference),
    flags: T.Optional(Uint(32, 'bit 0: a single mapping')),
  },
  strict,
);
const MemoryProperties = T.Object(
  {
    cacheCoherency: T.Optional(Uint(32, '1: the device is coherent (CCA)')),
    hints: T.Optional(U8),
    memoryFlags: T.Optional(U8),
  },
  strict,
);
const Interrupt = T.Object({ gsiv: T.Optional(U32), flags: T.Optional(U32) }, strict);

/** A node of one type: the header fields every node has, and its own. */
function IortNode<P extends Record<string, TSchema>>(type: string, fields: P) {
  return T.Object(
    {
      type: T.Literal(type),
      name: T.Optional(T.String({ description: 'how other nodes refer to this one' })),
      offset: T.Optional(U32),
      length: T.Optional(U16),
      revision: T.Optional(U8),
      identifier: T.Optional(U32),
      mappingOffset: T.Optional(U32),
      mappings: T.Optional(T.Array(IdMapping)),
      ...fields,
    },
    strict,
  );
}

const IORT_NODE = T.Union(
  [
    IortNode('its-group', { identifiers: T.Optional(T.Array(U32)) }),
    IortNode('named-component', {
      nodeFlags: T.Optional(U32),
      memoryProperties: T.Optional(MemoryProperties),
      memoryAddressLimit: T.Optional(Uint(8, 'address bits the device can drive; 0: missing')),
      deviceName: T.Optional(
        T.String({ description: 'the device\'s ACPI path, e.g. "\\\\_SB_.DMA0"' }),
      ),
    }),
    IortNode('root-complex', {
      memoryProperties: T.Optional(MemoryProperties),
      atsAttribute: T.Optional(U32),
      pciSegmentNumber: T.Optional(U32),
      memoryAddressLimit: T.Optional(Uint(8, 'address bits the root complex can drive')),
      pasidCapabilities: T.Optional(U16),
    }),
    IortNode('smmu', {
      baseAddress: T.Optional(IortU64),
      span: T.Optional(IortU64),
      model: T.Optional(U32),
      flags: T.Optional(U32),
      globalInterruptOffset: T.Optional(U32),
      contextInterruptOffset: T.Optional(U32),
      pmuInterruptOffset: T.Optional(U32),
      globalInterrupts: T.Optional(
        T.Union(
          [
            T.Object(
              {
                nsgIrpt: T.Optional(U32),
                nsgIrptFlags: T.Optional(U32),
                nsgCfgIrpt: T.Optional(U32),
                nsgCfgIrptFlags: T.Optional(U32),
              },
              strict,
            ),
            T.Null(),
          ],
          { description: 'the global interrupts, or null for none' },
        ),
      ),
      contextInterrupts: T.Optional(T.Array(Interrupt)),
      pmuInterrupts: T.Optional(T.Array(Interrupt)),
    }),
    IortNode('smmu-v3', {
      baseAddress: T.Optional(IortU64),
      flags: T.Optional(Uint(32, 'bit 0: COHACC override, bit 4: DeviceID valid')),
      vatosAddress: T.Optional(IortU64),
      model: T.Optional(U32),
      eventGsiv: T.Optional(U32),
      priGsiv: T.Optional(U32),
      gerrGsiv: T.Optional(U32),
      syncGsiv: T.Optional(U32),
      pxm: T.Optional(U32),
      idMappingIndex: T.Optional(U32),
    }),
    IortNode('pmcg', {
      page0BaseAddress: T.Optional(IortU64),
      overflowGsiv: T.Optional(U32),
      nodeReference: T.Optional(NodeReference),
      page1BaseAddress: T.Optional(IortU64),
    }),
    IortNode('rmr', {
      rmrFlags: T.Optional(Uint(32, 'bit 0: remap permitted, bit 1: privileged, bits 2-9: access')),
      rmrOffset: T.Optional(U32),
      descriptors: T.Optional(
        T.Array(
          T.Object({ baseAddress: T.Optional(IortU64), length: T.Optional(IortU64) }, strict),
        ),
      ),
    }),
    IortNode('unknown', { typeCode: T.Optional(Uint(8, 'the node type byte (7 and up)')) }),
  ],
  { description: 'an IORT node; `type` says which' },
);

export const IORT_SPEC = T.Object(
  {
    signature: T.Optional(T.String({ maxLength: 4 })),
    length: T.Optional(U32),
    revision: T.Optional(U8),
    checksum: T.Optional(Uint(8, 'ignored: the writer computes it')),
    oemId: T.Optional(T.String({ maxLength: 6 })),
    oemTableId: T.Optional(T.String({ maxLength: 8 })),
    oemRevision: T.Optional(U32),
    aslCompilerId: T.Optional(T.String({ maxLength: 4 })),
    aslCompilerRevision: T.Optional(U32),
    nodeCount: T.Optional(U32),
    nodeOffset: T.Optional(U32),
    nodes: T.Optional(T.Array(IORT_NODE)),
    extraBytes: T.Optional(
      T.Array(
        T.Object(
          {
            offset: T.Optional(U32),
            hex: T.Optional(T.String({ pattern: '^([0-9a-fA-F]{2})*$', description: 'hex pairs' })),
          },
          strict,
        ),
        { description: 'bytes no field covers (reserved fields, padding)' },
      ),
    ),
  },
  {
    ...strict,
    description:
      'a dmasim IORT spec (dmasim iort build SPEC): the table in the form `dmasim iort dump --json` prints',
  },
);

// ---------------------------------------------------------------------------------------------
// The ACPI platform file: the IORT (a file or inline), the DSDT's facts, the MADT's ITSes, PCI.

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
    iortSpec: T.Optional(IORT_SPEC),
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
                description: 'a list of _DMA windows { start, end, offset }',
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
      T.Array(
        T.Object(
          {
            id: T.Integer({ minimum: 0, maximum: 0xffffffff, description: 'the ITS ID, 32 bits' }),
            base: U64,
          },
          strict,
        ),
      ),
    ),
    pci: T.Optional(T.Array(AcpiPciHost)),
  },
  { ...strict, description: 'a dmasim ACPI platform file (an IORT with the DSDT and PCI facts)' },
);

/** Every input format, by its docs/schema/ name. */
export const INPUT_SCHEMAS: Record<string, { schema: TSchema; title: string }> = {
  workload: { schema: WORKLOAD_FILE, title: 'dmasim workload file' },
  platform: { schema: PLATFORM_FILE, title: 'dmasim platform file (device trees)' },
  'acpi-platform': { schema: ACPI_PLATFORM_FILE, title: 'dmasim ACPI platform file' },
  'iort-spec': { schema: IORT_SPEC, title: 'dmasim IORT spec' },
};
