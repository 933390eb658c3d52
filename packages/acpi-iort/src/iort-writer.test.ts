import { describe, expect, it } from 'vitest';
import { dumpIort } from './iort-dump.js';
import { IortError } from './iort-model.js';
import { acpiChecksum, readIort } from './iort-reader.js';
import { type IortTableInput, writeIort } from './iort-writer.js';

const spec: IortTableInput = {
  revision: 5,
  nodes: [
    { type: 'its-group', name: 'its', identifiers: [0] },
    {
      type: 'smmu-v3',
      name: 'smmu',
      baseAddress: '0x2b400000',
      flags: 1,
      mappings: [{ idCount: '0xffff', outputReference: '#0' }],
    },
    {
      type: 'root-complex',
      memoryAddressLimit: 48,
      mappings: [{ idCount: 0xffff, outputReference: 'smmu' }],
    },
    {
      type: 'rmr',
      rmrFlags: 1,
      mappings: [{ outputBase: 5, outputReference: 'smmu', flags: 1 }],
      descriptors: [{ baseAddress: '0x90000000', length: '64K' }],
    },
  ],
};

describe('writeIort', () => {
  it('resolves names and "#index" references, parses text numbers, sets a valid checksum', () => {
    const bin = writeIort(spec);
    expect(acpiChecksum(bin, bin.length)).toBe(0);
    const { table, log } = readIort(bin);
    expect(log).toEqual([]);
    const [its, smmu, rc, rmr] = table.nodes;
    expect(smmu!.mappings[0]!.outputReference).toBe(its!.offset);
    expect(rc!.mappings[0]!.outputReference).toBe(smmu!.offset);
    expect(smmu).toMatchObject({ baseAddress: 0x2b40_0000n, revision: 5 });
    expect(rmr).toMatchObject({
      rmrFlags: 1,
      descriptors: [{ baseAddress: 0x9000_0000n, length: 0x10000n }],
    });
  });

  it('read → write → read gives the same object', () => {
    const once = readIort(writeIort(spec)).table;
    expect(readIort(writeIort(once)).table).toEqual(once);
  });

  it('bad input is an IortError: unknown name, dangling offset, short length, wrong offset', () => {
    const bad = (s: IortTableInput) => () => writeIort(s);
    expect(
      bad({ nodes: [{ type: 'root-complex', mappings: [{ outputReference: 'nope' }] }] }),
    ).toThrow(IortError);
    expect(
      bad({ nodes: [{ type: 'root-complex', mappings: [{ outputReference: 0x31 }] }] }),
    ).toThrow(/does not point at a node/);
    expect(bad({ nodes: [{ type: 'smmu-v3', length: 20 }] })).toThrow(/cannot hold its data/);
    expect(bad({ nodes: [{ type: 'its-group' }, { type: 'its-group', offset: 0x40 }] })).toThrow(
      /not where the previous node ends/,
    );
    expect(bad({ nodes: [{ type: 'its-group', identifiers: ['zz'] }] })).toThrow(IortError);
  });

  it('dump names mapping targets and marks DMA-relevant fields', () => {
    const text = dumpIort(readIort(writeIort(spec)).table);
    expect(text).toBe(
      [
        'IORT revision 5, length 0x11c, 4 node(s) from 0x30, OEM "DMASIM" "DMASIM"',
        'ITS@0x30 rev 1: ITS IDs [0]',
        'SMMUv3@0x48 rev 5: base 0x2b400000, model 0, COHACC (coherent)',
        '    IDs 0x0-0xffff -> 0x0-0xffff @ ITS@0x30',
        'RC(seg 0)@0xa0 rev 3: segment 0, memory address limit 48 bits, CCA 0, no ATS',
        '    IDs 0x0-0xffff -> 0x0-0xffff @ SMMUv3@0x48',
        'RMR@0xd8 rev 3: remap permitted, 1 region(s) [0x90000000 +0x10000]',
        '    single ID 0x5 -> SMMUv3@0x48',
        '',
      ].join('\n'),
    );
  });
});
