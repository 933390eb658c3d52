// The --json contracts: one schema per command's output, tagged "dmasim.<command>/1". A change
// that could break a reader (a field removed, renamed or retyped) bumps the version; adding an
// optional field does not. docs/schema/ holds these as JSON Schema (draft 2020-12).
import { Type as T, type TSchema } from '@sinclair/typebox';

const Hex = T.String({ pattern: '^0x[0-9a-f]+$', description: 'a 64-bit value in hex' });
const Level = T.Union([
  T.Literal('emerg'),
  T.Literal('alert'),
  T.Literal('crit'),
  T.Literal('err'),
  T.Literal('warn'),
  T.Literal('notice'),
  T.Literal('info'),
  T.Literal('debug'),
]);
const Log = T.Array(T.Object({ level: Level, msg: T.String() }, { additionalProperties: false }), {
  description: 'kernel messages, in order',
});
const strict = { additionalProperties: false } as const;
const Ret = T.Integer({ description: '0, or a negative errno' });
const RangeMap = T.Array(T.Object({ cpuStart: Hex, dmaStart: Hex, size: Hex }, strict));

const Device = T.Object(
  {
    path: T.String({ description: 'DT node path, ACPI path, or pci:SSSS:BB:DD.F' }),
    bus: T.String(),
    rid: T.Optional(Hex),
    node: T.Optional(T.String()),
    ret: Ret,
    rangeMap: T.Union([RangeMap, T.Null()]),
    busDmaLimit: Hex,
    dmaMask: T.Union([Hex, T.Null()]),
    coherentDmaMask: Hex,
    coherent: T.Boolean(),
    iommu: T.Union([
      T.Object(
        {
          node: T.String(),
          ids: T.Array(Hex),
          group: T.Optional(T.Integer()),
          domain: T.Optional(T.String()),
          iovaBase: T.Optional(Hex),
          iovaLimit: T.Optional(Hex),
        },
        strict,
      ),
      T.Null(),
    ]),
    log: Log,
  },
  strict,
);

const Span = T.Object({ start: Hex, end: Hex }, strict);
const Memory = T.Object(
  {
    missing: T.Optional(T.String()),
    ram: T.Array(Span),
    reserved: T.Array(T.Object({ name: T.String(), start: Hex, end: Hex }, strict)),
    zones: T.Array(
      T.Object(
        { name: T.String(), start: T.Union([Hex, T.Null()]), end: T.Union([Hex, T.Null()]) },
        strict,
      ),
    ),
    cma: T.Union([T.Object({ start: Hex, size: Hex }, strict), T.Null()]),
    swiotlb: T.Union([
      T.Object({ start: Hex, size: Hex, nslabs: T.Integer({ minimum: 0 }) }, strict),
      T.Null(),
    ]),
  },
  strict,
);

/** Every output: its schema tag first. */
function output(command: string, fields: Record<string, TSchema>, description: string) {
  return T.Object(
    { schema: T.Literal(`dmasim.${command}/1`), ...fields },
    { ...strict, description },
  );
}

const Inspect = {
  arch: T.String(),
  devices: T.Array(Device),
  memory: T.Optional(Memory),
};

const IortNode = T.Object(
  {
    type: T.String(),
    offset: T.Integer({ minimum: 0 }),
    length: T.Integer({ minimum: 0 }),
    revision: T.Integer({ minimum: 0 }),
    identifier: T.Integer({ minimum: 0 }),
    mappingOffset: T.Integer({ minimum: 0 }),
    mappings: T.Array(
      T.Object(
        {
          inputBase: T.Integer({ minimum: 0 }),
          idCount: T.Integer({ minimum: 0 }),
          outputBase: T.Integer({ minimum: 0 }),
          outputReference: T.Integer({ minimum: 0 }),
          flags: T.Integer({ minimum: 0 }),
        },
        strict,
      ),
    ),
  },
  { description: 'the fields every IORT node has; each type adds its own' },
);

const KernelChange = T.Object(
  {
    id: T.String(),
    title: T.String(),
    firstRelease: T.String(),
    stable: T.Array(T.String()),
    effect: T.String(),
    checkedIn: T.Array(T.String()),
  },
  strict,
);

const FieldChange = T.Object(
  {
    field: T.String(),
    before: T.String(),
    after: T.String(),
    changes: T.Array(T.String(), { description: 'registry entries that bear on the change' }),
  },
  strict,
);
const OnlyIn = T.Object(
  { before: T.Array(T.String()), after: T.Array(T.String()) },
  { ...strict, description: 'log lines ("level: message") printed under one release only' },
);
const DeviceDiff = T.Object(
  { path: T.String(), bus: T.String(), fields: T.Array(FieldChange), messages: OnlyIn },
  strict,
);
const Counts = T.Record(T.String(), T.Integer({ minimum: 0 }));
const Diff = {
  before: T.String({ description: 'the --from release' }),
  after: T.String({ description: 'the --to release' }),
  devices: T.Integer({ minimum: 0 }),
  changed: T.Array(DeviceDiff),
  messagesOnly: T.Array(DeviceDiff),
  machine: T.Array(FieldChange),
  bootMessages: OnlyIn,
};
const DiffSummary = T.Object(
  {
    from: T.String(),
    to: T.String(),
    inputs: T.Integer({ minimum: 0 }),
    failed: T.Integer({ minimum: 0 }),
    devices: T.Integer({ minimum: 0 }),
    devicesChanged: T.Integer({ minimum: 0 }),
    devicesMessagesOnly: T.Integer({ minimum: 0 }),
    byField: Counts,
    byMachineField: Counts,
    byChange: Counts,
  },
  strict,
);
const ErrorRecord = T.Object({ code: T.String(), name: T.String(), message: T.String() }, strict);

/** Every command's --json output, by its schema name (docs/schema/<name>.schema.json). */
export const OUTPUT_SCHEMAS: Record<string, TSchema> = {
  inspect: output('inspect', Inspect, "dmasim inspect: every device's DMA configuration"),
  'inspect-record': T.Union(
    [
      output('inspect', { file: T.String(), ...Inspect }, 'one input'),
      output(
        'inspect',
        {
          file: T.String(),
          error: T.Object({ code: T.String(), name: T.String(), message: T.String() }, strict),
        },
        'one input that failed',
      ),
    ],
    { description: 'dmasim inspect PATH PATH... --json: one JSON Lines record per input' },
  ),
  diff: T.Union(
    [
      output('diff', { file: T.String(), ...Diff }, 'one input under both releases'),
      output('diff', { file: T.String(), error: ErrorRecord }, 'one input that failed'),
      output('diff', { summary: DiffSummary }, 'the last record: totals over the inputs'),
    ],
    { description: 'dmasim diff PATH... --json: one JSON Lines record per input, then a summary' },
  ),
  'of-dma-range': output(
    'of-dma-range',
    {
      ret: Ret,
      map: T.Union([RangeMap, T.Null()]),
      physToDma: T.Record(T.String(), Hex),
      dmaToPhys: T.Record(T.String(), Hex),
      log: Log,
    },
    'dmasim of dma-range: of_dma_get_range()',
  ),
  'of-ranges': output(
    'of-ranges',
    {
      count: T.Integer({ minimum: 0 }),
      ranges: T.Array(
        T.Object(
          { flags: Hex, busAddr: Hex, cpuAddr: T.Union([Hex, T.Null()]), size: Hex },
          strict,
        ),
      ),
    },
    'dmasim of ranges: the range parser over ranges or dma-ranges',
  ),
  'of-max-cpu-address': output(
    'of-max-cpu-address',
    { max: Hex },
    'dmasim of max-cpu-address: of_dma_get_max_cpu_address()',
  ),
  'of-reg': output(
    'of-reg',
    { ret: Ret, addr: T.Optional(Hex), size: T.Optional(Hex) },
    'dmasim of reg: of_property_read_reg()',
  ),
  'of-resource': output(
    'of-resource',
    { ret: Ret, start: T.Optional(Hex), size: T.Optional(Hex), flags: T.Optional(Hex) },
    'dmasim of resource: of_address_to_resource()',
  ),
  'iommu-groups': output(
    'iommu-groups',
    {
      groups: T.Array(
        T.Object(
          {
            id: T.Integer({ minimum: 0 }),
            iommu: T.String(),
            devices: T.Array(T.String()),
            type: T.String(),
            reservedRegions: T.String({
              description: 'as /sys/kernel/iommu_groups/N/reserved_regions',
            }),
          },
          strict,
        ),
      ),
      log: Log,
    },
    'dmasim iommu groups: /sys/kernel/iommu_groups',
  ),
  'iommu-iova-ranges': output(
    'iommu-iova-ranges',
    {
      groups: T.Array(
        T.Object(
          {
            id: T.Integer({ minimum: 0 }),
            devices: T.Array(T.String()),
            vfio: T.Array(Span),
            dmaApi: T.Union([T.Array(Span), T.Null()]),
            restrictions: T.Array(
              T.Object(
                { start: Hex, end: Hex, kind: T.String(), views: T.Array(T.String()) },
                strict,
              ),
            ),
          },
          strict,
        ),
      ),
    },
    'dmasim iommu iova-ranges: what VFIO/iommufd and the DMA API may use, per group',
  ),
  'iommu-map': output(
    'iommu-map',
    {
      iovas: T.Array(T.Union([Hex, T.Literal('DMA_MAPPING_ERROR')])),
      log: Log,
    },
    'dmasim iommu map: the IOVAs handed out, in order',
  ),
  'iort-dump': output(
    'iort-dump',
    {
      signature: T.Literal('IORT'),
      length: T.Integer({ minimum: 0 }),
      revision: T.Integer({ minimum: 0 }),
      checksum: T.Integer({ minimum: 0, maximum: 255 }),
      oemId: T.String(),
      oemTableId: T.String(),
      oemRevision: T.Integer({ minimum: 0 }),
      aslCompilerId: T.String(),
      aslCompilerRevision: T.Integer({ minimum: 0 }),
      nodeCount: T.Integer({ minimum: 0 }),
      nodeOffset: T.Integer({ minimum: 0 }),
      nodes: T.Array(IortNode),
      extraBytes: T.Array(
        T.Object(
          { offset: T.Integer({ minimum: 0 }), hex: T.String({ pattern: '^([0-9a-f]{2})*$' }) },
          { ...strict, description: 'bytes no node accounts for' },
        ),
      ),
    },
    'dmasim iort dump: the decoded table (64-bit fields in hex)',
  ),
  'iort-build': output(
    'iort-build',
    {
      path: T.String(),
      length: T.Integer({ minimum: 0 }),
      checksum: Hex,
      nodes: T.Integer({ minimum: 0 }),
    },
    'dmasim iort build: the table written',
  ),
  run: output(
    'run',
    {
      workload: T.String(),
      device: T.String(),
      ops: T.Union([T.Literal('dma-direct'), T.Literal('iommu-dma')]),
      steps: T.Integer({ minimum: 0 }),
      setMask: T.Union([T.Object({ mask: Hex, result: T.Integer() }, strict), T.Null()]),
      maps: T.Integer({ minimum: 0 }),
      unmaps: T.Integer({ minimum: 0 }),
      mapFailures: T.Integer({ minimum: 0 }),
      bounces: T.Integer({ minimum: 0 }),
      bounceBytes: T.Integer({ minimum: 0 }),
      swiotlbHighWater: T.Object(
        { slots: T.Integer({ minimum: 0 }), bytes: T.Integer({ minimum: 0 }) },
        strict,
      ),
      allocations: T.Object(
        {
          DMA: T.Integer({ minimum: 0 }),
          DMA32: T.Integer({ minimum: 0 }),
          Normal: T.Integer({ minimum: 0 }),
          cma: T.Integer({ minimum: 0 }),
        },
        strict,
      ),
      allocFailures: T.Integer({ minimum: 0 }),
      cacheMaintenance: T.Integer({ minimum: 0 }),
      failures: T.Object(
        {
          total: T.Integer({ minimum: 0 }),
          first: T.Array(
            T.Object(
              { step: T.Integer({ minimum: 0 }), op: T.String(), messages: T.Array(T.String()) },
              strict,
            ),
          ),
        },
        strict,
      ),
      iommu: T.Union([
        T.Object(
          {
            domain: T.String(),
            iovaAllocs: T.Integer({ minimum: 0 }),
            rcacheHits: T.Integer({ minimum: 0 }),
            rcacheHitRate: T.Number({ minimum: 0, maximum: 1 }),
            iovaAllocFailures: T.Integer({ minimum: 0 }),
            pageTablePages: T.Integer({ minimum: 0 }),
            iotlbInvalidations: T.Integer({ minimum: 0 }),
            flushQueueFlushes: T.Integer({ minimum: 0 }),
          },
          strict,
        ),
        T.Null(),
      ]),
    },
    'dmasim run: the DMA layer over one workload',
  ),
  'bench-map': output(
    'bench-map',
    {
      threads: T.Integer({ minimum: 1 }),
      seconds: T.Integer({ minimum: 1 }),
      node: T.Integer(),
      dir: T.Integer({ minimum: 0, maximum: 2 }),
      granule: T.Integer({ minimum: 1 }),
      dmaTransNs: T.Integer({ minimum: 0 }),
      loops: T.Integer({ minimum: 0 }),
      avgMap100ns: T.Number({ minimum: 0 }),
      mapStddev: T.Number({ minimum: 0 }),
      avgUnmap100ns: T.Number({ minimum: 0 }),
      unmapStddev: T.Number({ minimum: 0 }),
      errors: T.Array(T.String()),
    },
    "dmasim bench map: the kernel's dma_map_benchmark figures",
  ),
  lint: output(
    'lint',
    {
      kernel: T.String(),
      files: T.Array(
        T.Object(
          {
            file: T.String(),
            findings: T.Array(
              T.Object(
                {
                  rule: T.String(),
                  severity: T.Union([T.Literal('error'), T.Literal('warning'), T.Literal('info')]),
                  where: T.String({ description: 'a DT node path, or IORT+0x... (a byte offset)' }),
                  summary: T.String(),
                  kernelMessage: T.Union([T.String(), T.Null()]),
                  cost: T.String(),
                  fix: T.String(),
                  devices: T.Optional(T.Array(T.String())),
                },
                strict,
              ),
            ),
          },
          strict,
        ),
      ),
    },
    'dmasim lint: findings per input file',
  ),
  report: output(
    'report',
    {
      file: T.String(),
      output: T.String(),
      bytes: T.Integer({ minimum: 0 }),
      devices: T.Integer({ minimum: 0 }),
      findings: T.Integer({ minimum: 0 }),
    },
    'dmasim report: the HTML file written',
  ),
  kernels: output(
    'kernels',
    {
      default: T.String(),
      releases: T.Array(
        T.Object({ name: T.String(), description: T.String(), has: T.Array(T.String()) }, strict),
      ),
      changes: T.Array(KernelChange),
    },
    'dmasim kernels: the modelled releases and the behaviour-change registry',
  ),
};
