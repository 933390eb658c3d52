import { createDevice, FW_BUG, type KernelLog } from '@dmasim/dma-mapping';
import {
  IOMMU_CACHE,
  IOMMU_MMIO,
  IOMMU_NOEXEC,
  IOMMU_PRIV,
  IOMMU_READ,
  IOMMU_WRITE,
} from '@dmasim/iommu-core';
import { describe, expect, it } from 'vitest';
import { readIort } from './iort-reader.js';
import { type IortNodeInput, writeIort } from './iort-writer.js';
import { iortFindRmrs, iortIommuGetResvRegions } from './rmr.js';

function rmrTable(rmr: Partial<Extract<IortNodeInput, { type: 'rmr' }>>, revision = 5, model = 0) {
  return readIort(
    writeIort({
      revision,
      nodes: [
        { type: 'its-group', name: 'its', identifiers: [7] },
        {
          type: 'smmu-v3',
          name: 'smmu',
          model,
          mappings: [{ idCount: 0xffff, outputReference: 'its' }],
        },
        {
          type: 'rmr',
          mappings: [{ inputBase: 0, idCount: 1, outputBase: 0x40, outputReference: 'smmu' }],
          ...rmr,
        },
      ],
    }),
  ).table;
}

describe('RMR reserved regions', () => {
  it('edge 42: 0x80001000+0x1000 on 4K pages → FW_BUG, region kept page-aligned, DIRECT', () => {
    const t = rmrTable({ descriptors: [{ baseAddress: 0x8000_1000n, length: 0x1000n }] });
    const log: KernelLog = [];
    const regions = iortFindRmrs(t, t.nodes[1]!, null, log);
    expect(regions).toEqual([
      {
        start: 0x8000_1000n,
        length: 0x1000n,
        prot: IOMMU_READ | IOMMU_WRITE | IOMMU_MMIO,
        type: 'direct',
        sids: [0x40, 0x41],
      },
    ]);
    expect(log).toEqual([
      {
        level: 'err',
        msg: `${FW_BUG}RMR descriptor[0x80001000 - 0x80001fff] not aligned to 64K, continue with [0x80001000 - 0x80001fff]`,
      },
    ]);
  });

  it('remap permitted → direct-relaxable; privilege → PRIV; attribute 5 → CACHE; 64K page size fix-up', () => {
    const t = rmrTable({
      rmrFlags: 1 | 2 | (5 << 2),
      descriptors: [{ baseAddress: 0x8000_1800n, length: 0x100n }],
    });
    const [r] = iortFindRmrs(t, t.nodes[1]!, null, [], { pageSize: 0x10000n });
    expect(r).toMatchObject({
      start: 0x8000_0000n,
      length: 0x10000n,
      prot: IOMMU_READ | IOMMU_WRITE | IOMMU_PRIV | IOMMU_CACHE,
      type: 'direct-relaxable',
    });
  });

  it('zero-length and overlapping descriptors are FW_BUGs, nothing dropped', () => {
    const t = rmrTable({
      descriptors: [
        { baseAddress: 0x1_0000n, length: 0n },
        { baseAddress: 0x2_0000n, length: 0x2_0000n },
        { baseAddress: 0x3_0000n, length: 0x1_0000n },
      ],
    });
    const log: KernelLog = [];
    expect(iortFindRmrs(t, t.nodes[1]!, null, log)).toHaveLength(3);
    expect(log.map((e) => e.msg)).toEqual([
      `${FW_BUG}RMR descriptor[0x10000] with zero length, continue anyway`,
      `${FW_BUG}RMR descriptor[0x20000 - 0x3ffff] overlaps, continue anyway`,
    ]);
  });

  it('table revision < 5: no RMR parsing; no mappings: FW_BUG and skipped', () => {
    const old = rmrTable({ descriptors: [{ baseAddress: 0x10000n, length: 0x10000n }] }, 4);
    expect(iortFindRmrs(old, old.nodes[1]!, null, [])).toEqual([]);
    const bare = rmrTable({
      mappings: [],
      descriptors: [{ baseAddress: 0x10000n, length: 0x10000n }],
    });
    const log: KernelLog = [];
    expect(iortFindRmrs(bare, bare.nodes[1]!, null, log)).toEqual([]);
    expect(log[0]?.msg).toBe(`${FW_BUG}Invalid ID mapping, skipping RMR node 00000000000000a0`);
  });

  it('with a device: only when it owns a SID in range (PCI also needs preserve_config)', () => {
    const t = rmrTable({ descriptors: [{ baseAddress: 0x10000n, length: 0x10000n }] });
    const dev = createDevice({ name: 'nc', bus: 'platform' });
    dev.fwspec = { iommuNode: 'iort@0x48', ids: [0x41], flags: 0, hasOps: true };
    expect(iortIommuGetResvRegions(t, dev)).toHaveLength(1);
    dev.fwspec.ids = [0x42];
    expect(iortIommuGetResvRegions(t, dev)).toEqual([]);
    const pci = createDevice({
      name: 'p',
      bus: 'pci',
      pci: { segment: 0, bus: 0, devfn: 0, aliases: [0] },
    });
    pci.fwspec = { iommuNode: 'iort@0x48', ids: [0x40], flags: 0, hasOps: true };
    expect(iortIommuGetResvRegions(t, pci)).toEqual([]);
    expect(iortIommuGetResvRegions(t, pci, { preserveConfig: true })).toHaveLength(1);
  });

  it('HiSilicon Hi161x: each ITS of the group reserves base+64K as MSI', () => {
    const t = rmrTable({ descriptors: [] }, 5, 1);
    const dev = createDevice({ name: 'nc', bus: 'platform' });
    dev.fwspec = { iommuNode: 'iort@0x48', ids: [3], flags: 0, hasOps: true };
    const regions = iortIommuGetResvRegions(t, dev, {
      itsBase: (id) => (id === 7 ? 0x800_0000n : undefined),
    });
    expect(regions).toEqual([
      {
        start: 0x801_0000n,
        length: 0x10000n,
        prot: IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO,
        type: 'msi',
      },
    ]);
    const generic = rmrTable({ descriptors: [] }, 5, 0);
    expect(iortIommuGetResvRegions(generic, dev, { itsBase: () => 0x800_0000n })).toEqual([]);
  });
});

describe('RMR single-SID mapping', () => {
  it('id_count 0 contributes one SID (fixed in v6.5, so present in 6.7 and 6.10)', () => {
    const t = rmrTable({
      mappings: [{ outputBase: 0x20, outputReference: 'smmu', flags: 1 }],
      descriptors: [{ baseAddress: 0x10000n, length: 0x10000n }],
    });
    expect(iortFindRmrs(t, t.nodes[1]!, null, []).map((r) => r.sids)).toEqual([[0x20]]);
  });

  // Found by pnpm fuzz (seed 13018245): the example table with its RMR mapping's id_count
  // overwritten with 0xfffffffe made the model push 2^32 SIDs until V8 gave up.
  it('an id_count past what krealloc_array() takes drops the node; one that wraps to 0 SIDs keeps it', () => {
    const huge = rmrTable({
      mappings: [
        { inputBase: 0, idCount: 1, outputBase: 0x40, outputReference: 'smmu' },
        { inputBase: 2, idCount: 0xffff_fff0, outputBase: 0x20, outputReference: 'smmu' },
      ],
      descriptors: [{ baseAddress: 0x10000n, length: 0x10000n }],
    });
    expect(iortFindRmrs(huge, huge.nodes[1]!, null, [])).toEqual([]);
    // The count is u32: 2 SIDs + 0xffffffff more is 1, and krealloc_array() shrinks the array.
    const shrunk = rmrTable({
      mappings: [
        { inputBase: 0, idCount: 1, outputBase: 0x40, outputReference: 'smmu' },
        { inputBase: 2, idCount: 0xffff_fffe, outputBase: 0x20, outputReference: 'smmu' },
      ],
      descriptors: [{ baseAddress: 0x10000n, length: 0x10000n }],
    });
    expect(iortFindRmrs(shrunk, shrunk.nodes[1]!, null, []).map((x) => x.sids)).toEqual([[0x40]]);
    // 4 MiB of u32 SIDs is the most one allocation holds.
    const largest = rmrTable({
      mappings: [{ inputBase: 0, idCount: (1 << 20) - 1, outputBase: 0, outputReference: 'smmu' }],
      descriptors: [{ baseAddress: 0x10000n, length: 0x10000n }],
    });
    const [r] = iortFindRmrs(largest, largest.nodes[1]!, null, []);
    expect(r?.sids.length).toBe(1 << 20);
    expect(r?.sids.at(-1)).toBe((1 << 20) - 1);
    // id_count + 1 wraps to 0 in u32: krealloc_array(NULL, 0) is ZERO_SIZE_PTR, not NULL, so the
    // regions stand with no SIDs.
    const wrapped = rmrTable({
      mappings: [{ inputBase: 0, idCount: 0xffff_ffff, outputBase: 0x20, outputReference: 'smmu' }],
      descriptors: [{ baseAddress: 0x10000n, length: 0x10000n }],
    });
    expect(iortFindRmrs(wrapped, wrapped.nodes[1]!, null, []).map((x) => x.sids)).toEqual([[]]);
  });
});
