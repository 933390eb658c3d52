// The input file formats, defined once: the loaders check a file against these before reading
// it (unknown keys and wrong types are errors naming the key and the file), and docs/schema/
// holds them as JSON Schema for editors.
import { Type as T, type TSchema } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;

/** An address or size: an integer, or text such as "0x8000_0000" or "4K". */
const U64 = T.Union(
  [
    T.Integer({ minimum: 0 }),
    T.String({ pattern: '^\\s*(0[xX][0-9a-fA-F_]+|[0-9_]+)[kKmMgGtT]?\\s*$' }),
  ],
  {
    description: 'an address or size: a number, or text like "0x1000" or "4K"',
  },
);
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

/** Every input format, by its docs/schema/ name. */
export const INPUT_SCHEMAS: Record<string, { schema: TSchema; title: string }> = {
  workload: { schema: WORKLOAD_FILE, title: 'dmasim workload file' },
};
