import { EAGAIN, ENXIO, FW_BUG, type KernelLog } from '@dmasim/dma-mapping';
import { describe, expect, it } from 'vitest';
import {
  IORT_IOMMU_TYPE,
  IORT_MSI_TYPE,
  iortGetIdMappingIndex,
  iortIdMap,
  iortNodeGetId,
  iortNodeMapId,
} from './id-mapping.js';
import { IortLoopError, type IortTable } from './iort-model.js';
import { readIort } from './iort-reader.js';
import { type IortTableInput, writeIort } from './iort-writer.js';

const build = (spec: IortTableInput): IortTable => readIort(writeIort(spec)).table;
const RC = 2;
const map = (inputBase: number, idCount: number, outputBase: number, flags = 0) => ({
  inputBase,
  idCount,
  outputBase,
  outputReference: 0x30,
  flags,
});

describe('iort_id_map', () => {
  it('edge 38: id_count is N-1, the last ID is tentative (-EAGAIN), one past is no match', () => {
    const log: KernelLog = [];
    expect(iortIdMap(map(0, 0xff, 0x1000), RC, 0x42, false, log)).toEqual({
      ret: 0,
      idOut: 0x1042,
    });
    expect(iortIdMap(map(0, 0xff, 0x1000), RC, 0xff, false, log)).toEqual({
      ret: -EAGAIN,
      idOut: 0x10ff,
    });
    expect(iortIdMap(map(0, 0xff, 0x1000), RC, 0x100, false, log)).toEqual({
      ret: -ENXIO,
      idOut: null,
    });
    expect(iortIdMap(map(5, 0, 0x9), RC, 5, false, log)).toEqual({ ret: 0, idOut: 9 });
    expect(log).toEqual([]);
  });

  it('edge 40: SINGLE on RC gives output_base for any input; on SMMUv3 it is a FW_BUG and skipped', () => {
    const log: KernelLog = [];
    expect(iortIdMap(map(0, 0, 0x77, 1), RC, 0x1234, false, log)).toEqual({ ret: 0, idOut: 0x77 });
    expect(iortIdMap(map(0, 0, 0x77, 1), 4, 0, false, log, 0x8c)).toEqual({
      ret: -ENXIO,
      idOut: null,
    });
    expect(log).toEqual([
      {
        level: 'warn',
        msg: `${FW_BUG}[map 000000000000008c] SINGLE MAPPING flag not allowed for node type 4, skipping ID map`,
      },
    ]);
  });

  it('check_overlap: conflicting mapping, and the workaround only at the next base', () => {
    const log: KernelLog = [];
    expect(iortIdMap(map(0x100, 0xff, 0x2000), RC, 0x100, true, log)).toEqual({
      ret: 0,
      idOut: 0x2000,
    });
    expect(log.map((e) => e.msg)).toEqual([
      `${FW_BUG}[map 0000000000000000] conflicting mapping for input ID 0x100`,
      `${FW_BUG}applying workaround.`,
    ]);
    const log2: KernelLog = [];
    expect(iortIdMap(map(0x80, 0xff, 0x2000), RC, 0x100, true, log2).ret).toBe(-ENXIO);
    expect(log2).toHaveLength(1);
  });
});

function offByOneTable(secondBase: number): IortTable {
  return build({
    nodes: [
      { type: 'its-group', name: 'its', identifiers: [0] },
      { type: 'its-group', name: 'its2', identifiers: [1] },
      {
        type: 'root-complex',
        name: 'rc',
        memoryAddressLimit: 48,
        mappings: [
          { inputBase: 0, idCount: 0x100, outputBase: 0x1000, outputReference: 'its' },
          { inputBase: secondBase, idCount: 0xff, outputBase: 0x2000, outputReference: 'its2' },
        ],
      },
    ],
  });
}

describe('iort_node_map_id', () => {
  it('edge 39: M1 {0,0x100,0x1000} M2 {0x100,0xff,0x2000}: RID 0x100 → 0x2000 via the workaround', () => {
    const t = offByOneTable(0x100);
    const log: KernelLog = [];
    const r = iortNodeMapId(t, t.nodes[2]!, 0x100, IORT_MSI_TYPE, log);
    expect(r.id).toBe(0x2000);
    expect(r.node?.offset).toBe(t.nodes[1]!.offset);
    expect(log.map((e) => e.msg)).toEqual([
      expect.stringMatching(/conflicting mapping for input ID 0x100$/),
      `${FW_BUG}applying workaround.`,
    ]);
  });

  it('edge 39: with M2 at base 0x80 the tentative 0x1100 and M1 target stand', () => {
    const t = offByOneTable(0x80);
    const log: KernelLog = [];
    const r = iortNodeMapId(t, t.nodes[2]!, 0x100, IORT_MSI_TYPE, log);
    expect(r.id).toBe(0x1100);
    expect(r.node?.offset).toBe(t.nodes[0]!.offset);
    expect(log).toHaveLength(1);
  });

  it('QEMU-style count-in-id_count: the last ID of the first map goes to the second map', () => {
    const t = build({
      nodes: [
        { type: 'its-group', name: 'its', identifiers: [0] },
        { type: 'smmu-v3', name: 'smmu', mappings: [{ idCount: 0xffff, outputReference: 'its' }] },
        {
          type: 'root-complex',
          memoryAddressLimit: 64,
          mappings: [
            { inputBase: 0, idCount: 0x200, outputBase: 0, outputReference: 'smmu' },
            { inputBase: 0x200, idCount: 0xfdff, outputBase: 0x200, outputReference: 'its' },
          ],
        },
      ],
    });
    const rc = t.nodes[2]!;
    expect(iortNodeMapId(t, rc, 0x1ff, IORT_IOMMU_TYPE, []).node?.type).toBe('smmu-v3');
    expect(iortNodeMapId(t, rc, 0x200, IORT_IOMMU_TYPE, []).node).toBeNull();
    expect(iortNodeMapId(t, rc, 0x200, IORT_MSI_TYPE, []).node?.type).toBe('its-group');
  });

  it('NULL parent reference: FW_BUG and failure with the input ID', () => {
    const t = build({
      nodes: [
        {
          type: 'root-complex',
          memoryAddressLimit: 48,
          mappings: [{ idCount: 0xff, outputReference: 0 }],
        },
      ],
    });
    const log: KernelLog = [];
    expect(iortNodeMapId(t, t.nodes[0]!, 7, IORT_IOMMU_TYPE, log)).toEqual({ node: null, id: 7 });
    expect(log[0]?.msg).toBe(
      `${FW_BUG}[node 0000000000000030 type 2] ID map has NULL parent reference`,
    );
  });

  it('a node mapping to itself, or a loop, stops with IortLoopError', () => {
    const self = build({
      nodes: [
        {
          type: 'root-complex',
          name: 'rc',
          mappings: [{ idCount: 0xffff, outputReference: 'rc' }],
        },
      ],
    });
    expect(() => iortNodeMapId(self, self.nodes[0]!, 1, IORT_IOMMU_TYPE, [])).toThrow(
      IortLoopError,
    );
    const loop = build({
      nodes: [
        {
          type: 'named-component',
          name: 'a',
          deviceName: '\\_SB_.A',
          mappings: [{ idCount: 9, outputReference: 'b' }],
        },
        {
          type: 'named-component',
          name: 'b',
          deviceName: '\\_SB_.B',
          mappings: [{ idCount: 9, outputReference: 'a' }],
        },
      ],
    });
    try {
      iortNodeMapId(loop, loop.nodes[0]!, 1, IORT_IOMMU_TYPE, []);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(IortLoopError);
      expect((e as IortLoopError).byteOffset).toBe(0x30);
    }
  });
});

describe('iort_get_id_mapping_index', () => {
  const smmu = (revision: number, flags: number, gsivs: number, idMappingIndex = 0) =>
    build({
      nodes: [
        { type: 'its-group', name: 'its', identifiers: [0] },
        {
          type: 'smmu-v3',
          revision,
          flags,
          eventGsiv: gsivs,
          priGsiv: gsivs,
          gerrGsiv: gsivs,
          syncGsiv: gsivs,
          idMappingIndex,
          mappings: [{ idCount: 0xffff, outputReference: 'its' }],
        },
      ],
    }).nodes[1]!;

  it('edge 41: revision >= 5 uses only the DeviceID-valid flag', () => {
    expect(iortGetIdMappingIndex(smmu(5, 0, 0), [])).toBe(-22);
    expect(iortGetIdMappingIndex(smmu(5, 1 << 4, 100), [])).toBe(0);
  });
  it('edge 41: revision 3 with all four GSIVs non-zero has none; with a zero GSIV it has one', () => {
    expect(iortGetIdMappingIndex(smmu(3, 0, 100), [])).toBe(-22);
    expect(iortGetIdMappingIndex(smmu(3, 0, 0), [])).toBe(0);
    expect(iortGetIdMappingIndex(smmu(0, 0, 0), [])).toBe(-22);
  });
  it('an index past the mappings is a FW_BUG', () => {
    const log: KernelLog = [];
    expect(iortGetIdMappingIndex(smmu(5, 1 << 4, 0, 3), log)).toBe(-22);
    expect(log[0]?.msg).toMatch(/ID mapping index overflows valid mappings$/);
  });
  it('the special index is skipped by translation', () => {
    const t = build({
      nodes: [
        { type: 'its-group', name: 'its', identifiers: [0] },
        {
          type: 'smmu-v3',
          revision: 5,
          flags: 1 << 4,
          mappings: [{ idCount: 0xffff, outputReference: 'its' }],
        },
      ],
    });
    expect(iortNodeMapId(t, t.nodes[1]!, 5, IORT_MSI_TYPE, []).node).toBeNull();
    const t2 = build({
      nodes: [
        { type: 'its-group', name: 'its', identifiers: [0] },
        {
          type: 'smmu-v3',
          revision: 5,
          flags: 0,
          mappings: [{ idCount: 0xffff, outputReference: 'its' }],
        },
      ],
    });
    expect(iortNodeMapId(t2, t2.nodes[1]!, 5, IORT_MSI_TYPE, [])).toEqual({
      node: t2.nodes[0],
      id: 5,
    });
  });
});

describe('iort_node_get_id', () => {
  it('returns the parent only for SINGLE mappings on NC/RC/SMMUv3/PMCG', () => {
    const t = build({
      nodes: [
        { type: 'its-group', name: 'its', identifiers: [0] },
        {
          type: 'named-component',
          deviceName: '\\_SB_.X',
          mappings: [{ outputBase: 0x33, outputReference: 'its', flags: 1 }],
        },
        {
          type: 'named-component',
          deviceName: '\\_SB_.Y',
          mappings: [{ outputBase: 0x33, outputReference: 'its' }],
        },
      ],
    });
    expect(iortNodeGetId(t, t.nodes[1]!, 0, [])).toEqual({ parent: t.nodes[0], id: 0x33 });
    expect(iortNodeGetId(t, t.nodes[2]!, 0, [])).toEqual({ parent: null, id: null });
    expect(iortNodeGetId(t, t.nodes[1]!, 1, [])).toEqual({ parent: null, id: null });
  });
});
