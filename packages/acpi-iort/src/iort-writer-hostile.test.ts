// Spec fields of the wrong kind (issue 13): each is an IortError at the field's offset.
import { describe, expect, it } from 'vitest';
import { IortError } from './iort-model.js';
import { type IortTableInput, MAX_IORT_WRITE_LENGTH, writeIort } from './iort-writer.js';

const write = (spec: unknown) => () => writeIort(spec as IortTableInput);

describe('writeIort on fields of the wrong kind', () => {
  const cases: [string, unknown, RegExp][] = [
    ['nodes as a number', { nodes: 3 }, /nodes must be a list/],
    ['a node that is text', { nodes: ['smmu'] }, /node 0 must be a mapping/],
    ['a node without a type', { nodes: [{}] }, /node 0 has no type/],
    [
      'identifiers as text',
      { nodes: [{ type: 'its-group', identifiers: 'abc' }] },
      /identifiers must be a list/,
    ],
    [
      'device_name as a number',
      { nodes: [{ type: 'named-component', deviceName: 7 }] },
      /device_name must be text/,
    ],
    [
      'a mapping that is a number',
      { nodes: [{ type: 'named-component', deviceName: 'a', mappings: [5] }] },
      /an ID mapping must be a mapping/,
    ],
    [
      'interrupts as a mapping',
      { nodes: [{ type: 'smmu', contextInterrupts: { a: 1 } }] },
      /context interrupts must be a list/,
    ],
    [
      'an interrupt that is text',
      { nodes: [{ type: 'smmu', pmuInterrupts: ['x'] }] },
      /PMU interrupt must be a mapping/,
    ],
    [
      'memory properties as a list',
      { nodes: [{ type: 'root-complex', memoryProperties: [1] }] },
      /memory properties must be a mapping/,
    ],
    [
      'an rmr descriptor that is a number',
      { nodes: [{ type: 'rmr', descriptors: [1] }] },
      /an rmr descriptor must be a mapping/,
    ],
    ['the signature as a number', { signature: 1234 }, /signature must be text/],
    [
      'extra bytes hex as a number',
      { extraBytes: [{ offset: 40, hex: 12 }] },
      /extra bytes hex must be text/,
    ],
    [
      'a number as a mapping',
      { nodes: [{ type: 'smmu-v3', baseAddress: { a: 1 } }] },
      /base_address/,
    ],
    ['the table as a list', [], /the table must be a mapping/],
  ];
  it.each(cases)('%s', (_name, spec, message) => {
    expect(write(spec)).toThrow(IortError);
    expect(write(spec)).toThrow(message);
  });

  it('a 4 GiB table length is refused before anything is allocated', () => {
    expect(write({ length: 0xffff_ffff })).toThrow(
      new RegExp(`more than the writer's ${MAX_IORT_WRITE_LENGTH}-byte limit`),
    );
  });
});
